"""The KMC service catalogue and the services' message templates in English, Bengali, Hindi."""

from django.db import migrations


def load(apps, schema_editor):
    from civicgate.services import catalogue, messages

    catalogue.load(apps)
    messages.load(apps)


def unload(apps, schema_editor):
    from civicgate.services import catalogue, messages

    Service = apps.get_model("services", "Service")
    Service.objects.filter(slug__in=[row["slug"] for row in catalogue.rows()], requests__isnull=True).delete()
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    MessageTemplate.objects.filter(key__in=list(messages.SMS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0001_initial"),
        ("notify", "0003_default_templates"),
        ("org", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, unload)]
