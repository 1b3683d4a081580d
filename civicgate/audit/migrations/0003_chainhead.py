"""The chain's head row (ChainHead), started from the newest record already written."""

from django.db import migrations, models

GENESIS = "0" * 64


def start_head(apps, schema_editor):
    AuditRecord = apps.get_model("audit", "AuditRecord")
    ChainHead = apps.get_model("audit", "ChainHead")
    alias = schema_editor.connection.alias
    last = AuditRecord.objects.using(alias).order_by("-seq").first()
    ChainHead.objects.using(alias).update_or_create(
        pk=1,
        defaults={
            "seq": last.seq if last else 0,
            "prev_hash": last.prev_hash if last else GENESIS,
            "hash": last.hash if last else GENESIS,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField()),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
            ],
            options={"verbose_name": "audit chain head", "verbose_name_plural": "audit chain heads"},
        ),
        migrations.RunPython(start_head, migrations.RunPython.noop, elidable=False),
    ]
