"""Public holidays of the Government of West Bengal, which KMC offices keep, for every office.

Festival dates move with the calendar: each year's list follows the State's holiday
notification, and administrators add, check or remove days on the holidays screen. Days
already present are left alone.
"""

from django.db import migrations

HOLIDAYS = [
    ("2026-01-23", "Netaji Subhas Chandra Bose's birthday / Saraswati Puja"),
    ("2026-01-26", "Republic Day"),
    ("2026-03-03", "Doljatra"),
    ("2026-04-03", "Good Friday"),
    ("2026-04-14", "Dr B. R. Ambedkar's birthday"),
    ("2026-04-15", "Bengali New Year's Day"),
    ("2026-05-01", "May Day"),
    ("2026-05-09", "Rabindranath Tagore's birthday"),
    ("2026-08-15", "Independence Day"),
    ("2026-10-02", "Gandhi Jayanti"),
    ("2026-11-08", "Kali Puja"),
    ("2026-12-25", "Christmas Day"),
    ("2027-01-23", "Netaji Subhas Chandra Bose's birthday"),
    ("2027-01-26", "Republic Day"),
    ("2027-04-14", "Dr B. R. Ambedkar's birthday"),
    ("2027-05-01", "May Day"),
    ("2027-08-15", "Independence Day"),
    ("2027-10-02", "Gandhi Jayanti"),
    ("2027-12-25", "Christmas Day"),
]


def load(apps, schema_editor):
    import secrets

    Holiday = apps.get_model("appointments", "Holiday")
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for day, name in HOLIDAYS:
        if not Holiday.objects.filter(date=day, office__isnull=True).exists():
            code = "".join(secrets.choice(alphabet) for _ in range(10))
            Holiday.objects.create(date=day, name=name, office=None, code=code)


def unload(apps, schema_editor):
    Holiday = apps.get_model("appointments", "Holiday")
    for day, name in HOLIDAYS:
        Holiday.objects.filter(date=day, name=name, office__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("appointments", "0002_message_templates")]

    operations = [migrations.RunPython(load, unload)]
