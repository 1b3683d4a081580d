"""SMS through the HTTP gateway: the wire format, retries with backoff, and giving up."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from civicgate.audit.models import AuditRecord
from civicgate.notify.models import OutboundMessage
from civicgate.notify.outbox import enqueue
from civicgate.notify.worker import run_once

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)
OTP = {"code": "482913", "minutes": 5}


def test_it_posts_the_sms_with_the_dlt_ids_and_records_the_gateway_message_id(
    sms_gateway: Any, registered_sms_templates: None
) -> None:
    # Given an English OTP in the queue
    message = enqueue("sms", "+919830012345", "otp_code", OTP)

    # When the worker runs
    assert run_once() == {"sent": 1}

    # Then the gateway got one JSON request with the key, sender, DLT ids and the words
    [request] = sms_gateway.requests
    assert request.path == "/v1/sms"
    assert request.headers["x-api-key"] == "gateway-key-123"
    assert request.headers["content-type"] == "application/json"
    assert request.body == {
        "sender": "KMCGOV",
        "to": "919830012345",
        "message": message.body,
        "unicode": False,
        "dlt_entity_id": "1101456780000012345",
        "dlt_template_id": message.payload["dlt_template_id"],
        "reference": message.code,
    }
    assert request.body["dlt_template_id"].startswith("1107")
    # And the message is sent with the gateway's id
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SENT
    assert message.provider_message_id == "gw-1001"
    assert message.attempts == 1


@pytest.mark.parametrize("language", ["bn", "hi"])
def test_bengali_and_hindi_sms_go_as_unicode(
    sms_gateway: Any, registered_sms_templates: None, language: str
) -> None:
    enqueue("sms", "+919830012345", "otp_code", OTP, language=language)
    run_once()
    assert sms_gateway.requests[0].body["unicode"] is True


def test_a_gateway_outage_is_retried_with_backoff_until_the_sms_goes(
    sms_gateway: Any, registered_sms_templates: None
) -> None:
    # Given the gateway fails once with a server error
    sms_gateway.answer(500, {"error": "upstream operator timeout"})
    with time_machine.travel(T0, tick=False):
        message = enqueue("sms", "+919830012345", "otp_code", OTP)

        # When the worker runs
        assert run_once() == {"queued": 1}

        # Then the message waits between 15 and 30 seconds (first backoff, with jitter)
        message.refresh_from_db()
        assert message.state == OutboundMessage.State.QUEUED
        assert message.attempts == 1
        assert "500" in message.last_error
        assert T0 + timedelta(seconds=15) <= message.next_attempt_at <= T0 + timedelta(seconds=30)
        # And a worker running again at once does not hammer the gateway
        assert run_once() == {}
        assert len(sms_gateway.requests) == 1

    # When the backoff has passed
    with time_machine.travel(T0 + timedelta(seconds=31), tick=False):
        assert run_once() == {"sent": 1}

    # Then the second try went out with the same reference, and the message is sent
    assert [r.body["reference"] for r in sms_gateway.requests] == [message.code, message.code]
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SENT
    assert message.attempts == 2
    assert message.provider_message_id == "gw-1001"


def test_it_waits_as_long_as_a_throttling_gateway_asks(
    sms_gateway: Any, registered_sms_templates: None
) -> None:
    sms_gateway.answer(429, {"error": "rate limit"}, {"Retry-After": "120"})
    with time_machine.travel(T0, tick=False):
        message = enqueue("sms", "+919830012345", "otp_code", OTP)
        run_once()
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.QUEUED
    assert message.next_attempt_at >= T0 + timedelta(seconds=120)


def test_a_rejected_sms_fails_after_one_try_and_is_audited(
    sms_gateway: Any, registered_sms_templates: None
) -> None:
    # Given the gateway rejects the request as invalid
    sms_gateway.answer(400, {"error": "DLT template id does not match the message"})
    with time_machine.travel(T0, tick=False):
        message = enqueue("sms", "+919830012345", "otp_code", OTP)

        # When the worker runs
        assert run_once() == {"failed": 1}

    # Then it is failed with the gateway's reason and never tried again
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.FAILED
    assert message.attempts == 1
    assert "400" in message.last_error
    assert "DLT template id does not match" in message.last_error
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert run_once() == {}
    assert len(sms_gateway.requests) == 1
    # And the failure is in the audit trail, without the number or the code
    audit = AuditRecord.objects.get(action="notify.message_failed")
    assert audit.object_id == message.code
    assert audit.data["channel"] == "sms"
    assert "9830012345" not in str(audit.data)
    assert "482913" not in str(audit.data)


def test_it_gives_up_after_the_maximum_attempts(
    sms_gateway: Any, registered_sms_templates: None, settings: Any
) -> None:
    # Given a gateway that keeps failing and three attempts allowed
    settings.NOTIFY_MAX_ATTEMPTS = 3
    sms_gateway.default = (503, {"error": "maintenance"}, {})
    with time_machine.travel(T0, tick=False) as traveller:
        message = enqueue("sms", "+919830012345", "otp_code", OTP)

        # When the worker runs each time the message is due
        outcomes = []
        for _ in range(3):
            outcomes.append(run_once())
            traveller.shift(timedelta(hours=1))

    # Then it was tried three times and then failed
    assert outcomes == [{"queued": 1}, {"queued": 1}, {"failed": 1}]
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.FAILED
    assert message.attempts == 3
    assert len(sms_gateway.requests) == 3
    assert (
        AuditRecord.objects.filter(action="notify.message_failed", object_id=message.code).count()
        == 1
    )


def test_an_unreachable_gateway_is_retried(settings: Any, registered_sms_templates: None) -> None:
    # Given a gateway address where nothing listens
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/v1/sms"
    message = enqueue("sms", "+919830012345", "otp_code", OTP)

    run_once()

    message.refresh_from_db()
    assert message.state == OutboundMessage.State.QUEUED
    assert "unreachable" in message.last_error


def test_an_sms_whose_dlt_template_is_not_registered_fails_without_calling_the_gateway(
    sms_gateway: Any,
) -> None:
    # Given the shipped placeholder DLT id has not been replaced yet
    message = enqueue("sms", "+919830012345", "otp_code", OTP)

    assert run_once() == {"failed": 1}

    message.refresh_from_db()
    assert "DLT template id" in message.last_error
    assert sms_gateway.requests == []
