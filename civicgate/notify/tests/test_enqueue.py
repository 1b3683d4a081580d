"""Queueing a message: the right words in the right language, or a clear refusal."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from civicgate.notify.models import MessageTemplate, OutboundMessage
from civicgate.notify.outbox import MissingPlaceholder, TemplateNotFound, enqueue

pytestmark = pytest.mark.django_db

KEYS_ON_ALL_CHANNELS = [
    "pass_issued",
    "appointment_confirmed",
    "appointment_reminder",
    "service_request_received",
]


def test_every_default_template_ships_in_english_bengali_and_hindi() -> None:
    # Given a fresh database
    # Then each message kind exists in the three languages on each of its channels
    wanted = {("otp_code", c, lang) for c in ("sms", "whatsapp") for lang in ("en", "bn", "hi")}
    wanted |= {
        (k, c, lang)
        for k in KEYS_ON_ALL_CHANNELS
        for c in ("sms", "whatsapp", "email")
        for lang in ("en", "bn", "hi")
    }
    have = set(MessageTemplate.objects.values_list("key", "channel", "language"))
    assert wanted <= have
    # And the Bengali and Hindi words are really in those scripts
    for tmpl in MessageTemplate.objects.filter(language="bn"):
        assert any("\u0980" <= ch <= "\u09ff" for ch in tmpl.body), tmpl
    for tmpl in MessageTemplate.objects.filter(language="hi"):
        assert any("\u0900" <= ch <= "\u097f" for ch in tmpl.body), tmpl


def test_it_queues_a_bengali_otp_sms_with_the_code_and_minutes_filled_in() -> None:
    # When another app asks for the OTP SMS in Bengali
    message = enqueue(
        "sms", "+919830012345", "otp_code", {"code": "123456", "minutes": 5}, language="bn"
    )

    # Then one queued row carries the Bengali words with the values in place
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.QUEUED
    assert message.language == "bn"
    assert message.recipient == "+919830012345"
    assert message.body.startswith("123456 আপনার CivicGate যাচাইকরণ কোড")
    assert "5 মিনিট" in message.body
    assert "{" not in message.body
    # And the SMS remembers its DLT template id for the gateway
    assert message.payload["dlt_template_id"] == "pending-otp_code-bn"


def test_it_falls_back_to_english_when_the_language_has_no_template() -> None:
    # Given the Hindi pass message was removed by an administrator
    MessageTemplate.objects.filter(key="pass_issued", channel="sms", language="hi").delete()

    # When a Hindi speaker's pass is issued
    message = enqueue(
        "sms",
        "9830012345",
        "pass_issued",
        {
            "pass_code": "P7K2M9",
            "office": "KMC Headquarters",
            "valid_until": "5 Mar 17:00",
            "url": "https://x.example/p",
        },
        language="hi",
    )

    # Then the English words go out rather than nothing
    assert message.language == "en"
    assert message.body.startswith("Your KMC gate pass P7K2M9 for KMC Headquarters")


def test_it_normalises_a_ten_digit_mobile_number() -> None:
    message = enqueue("sms", "98300 12345", "otp_code", {"code": "111111", "minutes": 5})
    assert message.recipient == "+919830012345"


def test_it_refuses_a_bad_mobile_number_and_queues_nothing() -> None:
    with pytest.raises(ValidationError):
        enqueue("sms", "12345", "otp_code", {"code": "111111", "minutes": 5})
    assert OutboundMessage.objects.count() == 0


def test_it_refuses_a_bad_email_address() -> None:
    with pytest.raises(ValidationError):
        enqueue("email", "not-an-address", "pass_issued", {})
    assert OutboundMessage.objects.count() == 0


def test_it_says_which_value_is_missing() -> None:
    with pytest.raises(MissingPlaceholder, match="minutes"):
        enqueue("sms", "+919830012345", "otp_code", {"code": "123456"})
    assert OutboundMessage.objects.count() == 0


def test_it_refuses_an_unknown_message_kind() -> None:
    with pytest.raises(TemplateNotFound):
        enqueue("sms", "+919830012345", "no_such_message", {})


def test_a_message_queued_in_a_transaction_that_rolls_back_is_never_sent() -> None:
    # Given a booking that fails after queueing its confirmation
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("sms", "+919830012345", "otp_code", {"code": "123456", "minutes": 5})
        raise RuntimeError("booking failed")

    # Then no message is left to send
    assert OutboundMessage.objects.count() == 0


def test_an_email_gets_its_subject_in_the_language_asked_for() -> None:
    message = enqueue(
        "email",
        "ananya.sen@example.com",
        "service_request_received",
        {"service": "জল সংযোগ", "tracking_number": "WS-2025-000123", "url": "https://x.example/t"},
        language="bn",
    )
    assert message.subject == "আবেদন গৃহীত: WS-2025-000123"
    assert "কলকাতা পৌরসংস্থা" in message.body


def test_the_recipient_and_text_are_encrypted_in_the_database() -> None:
    message = enqueue("sms", "+919830012345", "otp_code", {"code": "123456", "minutes": 5})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT recipient, body FROM {OutboundMessage._meta.db_table} WHERE id = %s",
            [message.pk],
        )
        raw = cursor.fetchone()
    assert "9830012345" not in raw[0]
    assert "123456" not in raw[1]


def test_a_template_with_stray_braces_is_refused_in_the_admin_form() -> None:
    tmpl = MessageTemplate(key="x", language="en", channel="sms", body="Code {code.__class__}")
    with pytest.raises(ValidationError):
        tmpl.full_clean()


def test_a_template_changed_in_any_way_is_used_for_the_next_message() -> None:
    # Given an SMS already queued from the English pass template
    context = {"pass_code": "P1", "office": "HQ", "valid_until": "today", "url": "u"}
    first = enqueue("sms", "+919830012345", "pass_issued", context)
    # When its words change without its change time (a bulk update, a rolled-back edit)
    tmpl = MessageTemplate.objects.get(key="pass_issued", channel="sms", language="en")
    MessageTemplate.objects.filter(pk=tmpl.pk).update(body="Pass {pass_code} is ready.")
    changed = enqueue("sms", "+919830012345", "pass_issued", context)
    with transaction.atomic():
        MessageTemplate.objects.filter(pk=tmpl.pk).update(body="Draft {pass_code}.")
        drafted = enqueue("sms", "+919830012345", "pass_issued", context)
        transaction.set_rollback(True)
    after = enqueue("sms", "+919830012345", "pass_issued", context)
    # Then each message has the words the database held when it was queued
    assert first.body != changed.body
    assert changed.body == "Pass P1 is ready."
    assert drafted.body == "Draft P1."
    assert after.body == "Pass P1 is ready."
    assert after.payload["dlt_template_id"] == tmpl.dlt_template_id
