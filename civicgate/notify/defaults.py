"""Default message templates: written by each app's data migration, put back after migrate.

An app names the function that gives its default rows in its AppConfig:

    class AppointmentsConfig(AppConfig):
        message_templates = "civicgate.appointments.migrations.0002_message_templates.rows"

Each row is a dict of MessageTemplate fields; key, language and channel identify it. After every
migrate (and every flush) notify puts back each installed app's missing rows; rows already there,
with an administrator's edits and DLT ids, are left as they are.

Data migrations call these helpers, so what they write must stay as it is: a change to the
shipped templates goes in a new migration.
"""

from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.utils.module_loading import import_string

IDENTITY = ("key", "language", "channel")
Texts = dict[str, dict[str, str]]  # {key: {language: body}}


def sms_row(key: str, language: str, body: str) -> dict[str, str]:
    """An SMS template; its placeholder DLT id is refused by the gateway until an administrator
    enters the id registered on the DLT platform."""
    return {
        "key": key,
        "language": language,
        "channel": "sms",
        "body": body,
        "dlt_template_id": f"pending-{key}-{language}",
    }


def whatsapp_row(key: str, language: str, body: str, **extra: str) -> dict[str, str]:
    """A WhatsApp template, named kmc_<key> for approval by Meta; extra sets its parameters."""
    return {
        "key": key,
        "language": language,
        "channel": "whatsapp",
        "body": body,
        "whatsapp_template": f"kmc_{key}",
        **extra,
    }


def sms_rows(texts: Texts) -> list[dict[str, str]]:
    return [
        sms_row(key, lang, body) for key, by_lang in texts.items() for lang, body in by_lang.items()
    ]


def whatsapp_rows(
    texts: Texts, extra: dict[str, dict[str, str]] | None = None
) -> list[dict[str, str]]:
    """extra: {key: {field: value}} for the keys whose templates take parameters."""
    extra = extra or {}
    return [
        whatsapp_row(key, lang, body, **extra.get(key, {}))
        for key, by_lang in texts.items()
        for lang, body in by_lang.items()
    ]


def load_templates(apps: Any, rows: Iterable[dict[str, Any]]) -> None:
    """Create the rows that are missing; existing ones stay as they are."""
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for row in rows:
        values = dict(row)
        lookup = {name: values.pop(name) for name in IDENTITY}
        MessageTemplate.objects.get_or_create(**lookup, defaults=values)


def unload_templates(apps: Any, rows: Iterable[dict[str, Any]]) -> None:
    """Delete the rows (by key, language and channel), edited or not."""
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for row in rows:
        MessageTemplate.objects.filter(**{name: row[name] for name in IDENTITY}).delete()


def restore_defaults(apps: Any = None) -> None:
    """Put back every installed app's missing default templates."""
    for config in global_apps.get_app_configs():
        path = getattr(config, "message_templates", None)
        if path:
            load_templates(apps or global_apps, import_string(path)())
