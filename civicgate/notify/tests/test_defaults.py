"""Every app's default message templates come back after a flush; administrators' edits stay."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils.module_loading import import_string

from civicgate.notify.models import MessageTemplate

pytestmark = pytest.mark.django_db


def _shipped() -> set[tuple[str, str, str]]:
    """(key, language, channel) of every row that an installed app ships."""
    out = set()
    for config in apps.get_app_configs():
        path = getattr(config, "message_templates", None)
        if path:
            out |= {(r["key"], r["language"], r["channel"]) for r in import_string(path)()}
    return out


def test_every_app_that_sends_messages_names_its_default_templates() -> None:
    named = {c.label for c in apps.get_app_configs() if getattr(c, "message_templates", None)}
    assert {"notify", "appointments", "chatbot", "services"} <= named
    keys = {key for key, _, _ in _shipped()}
    assert {"otp_code", "appointment_requested", "chat_followup", "service_request_update"} <= keys


def test_after_a_flush_every_apps_default_templates_are_back() -> None:
    # Given the shipped templates
    assert set(MessageTemplate.objects.values_list("key", "language", "channel")) >= _shipped()

    # When the database is flushed
    call_command("flush", interactive=False, verbosity=0, stdout=StringIO())

    # Then every app's defaults are there again, once each
    have = list(MessageTemplate.objects.values_list("key", "language", "channel"))
    assert set(have) == _shipped()
    assert len(have) == len(set(have))


def test_migrate_puts_back_deleted_defaults_of_every_app_and_keeps_an_edit() -> None:
    # Given an administrator's edit, and one template of each app deleted
    edited = MessageTemplate.objects.get(key="otp_code", channel="sms", language="bn")
    edited.body = "OTP {code}, {minutes} min"
    edited.dlt_template_id = "1107168000000012345"
    edited.save()
    gone = [
        ("pass_issued", "hi", "sms"),
        ("appointment_requested", "bn", "whatsapp"),
        ("chat_followup", "hi", "whatsapp"),
        ("service_request_update", "en", "sms"),
    ]
    for key, language, channel in gone:
        assert MessageTemplate.objects.filter(key=key, language=language, channel=channel).delete()

    # When migrate runs
    call_command("migrate", verbosity=0)

    # Then the deleted rows are back and the edit is kept
    for key, language, channel in gone:
        assert MessageTemplate.objects.filter(key=key, language=language, channel=channel).exists()
    edited.refresh_from_db()
    assert edited.body == "OTP {code}, {minutes} min"
    assert edited.dlt_template_id == "1107168000000012345"
    assert MessageTemplate.objects.count() == len(_shipped())
