"""Delivery reports: the WhatsApp webhook (signed by Meta) and the SMS gateway's callback."""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicgate.audit.models import AuditRecord
from civicgate.notify.models import OutboundMessage
from civicgate.notify.signals import whatsapp_message_received

pytestmark = pytest.mark.django_db

SECRET = "whatsapp-app-secret-for-tests"
WAMID = "wamid.HBgMOTE5ODMwMDEyMzQ1FQIAERgSQUFBQUFBQUFBQUFBQUFBAA=="
State = OutboundMessage.State


@pytest.fixture(autouse=True)
def provider_secrets(settings: Any) -> None:
    settings.WHATSAPP_APP_SECRET = SECRET
    settings.WHATSAPP_VERIFY_TOKEN = "verify-me-please"
    settings.SMS_DLR_TOKEN = "dlr-token-42"


def sent_message(
    channel: str = "whatsapp", provider_id: str = WAMID, **fields: Any
) -> OutboundMessage:
    fields.setdefault("state", State.SENT)
    return OutboundMessage.objects.create(
        channel=channel,
        recipient="+919830012345",
        template_key="pass_issued",
        body="Your pass",
        next_attempt_at=timezone.now(),
        provider_message_id=provider_id,
        sent_at=timezone.now(),
        attempts=1,
        **fields,
    )


def status_event(status: str, provider_id: str = WAMID, **extra: Any) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "913322861000", "phone_number_id": "106540352242922"},
        "statuses": [
            {
                "id": provider_id,
                "status": status,
                "timestamp": "1741169100",
                "recipient_id": "919830012345",
                **extra,
            }
        ],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def post_signed(client: Client, payload: dict[str, Any], secret: str = SECRET) -> Any:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        reverse("notify:whatsapp_webhook"),
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )


def test_meta_verifies_the_webhook_with_the_right_token(client: Client) -> None:
    response = client.get(
        reverse("notify:whatsapp_webhook"),
        {
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me-please",
            "hub.challenge": "1158201444",
        },
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


def test_the_webhook_refuses_verification_with_a_wrong_token(client: Client) -> None:
    response = client.get(
        reverse("notify:whatsapp_webhook"),
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "bad_verify_token"
    assert b"1158201444" not in response.content


def test_a_signed_delivered_status_marks_the_message_delivered(client: Client) -> None:
    message = sent_message()

    response = post_signed(client, status_event("delivered"))

    assert response.status_code == 200
    assert response.json()["updated"] == 1
    message.refresh_from_db()
    assert message.state == State.DELIVERED
    assert message.delivered_at == datetime.fromtimestamp(1741169100, tz=UTC)


def test_a_body_with_a_bad_signature_changes_nothing(client: Client) -> None:
    message = sent_message()

    response = post_signed(client, status_event("delivered"), secret="someone-elses-secret")

    assert response.status_code == 403
    assert response.json()["error"] == "bad_signature"
    message.refresh_from_db()
    assert message.state == State.SENT


def test_a_body_without_a_signature_is_refused(client: Client) -> None:
    response = client.post(
        reverse("notify:whatsapp_webhook"),
        json.dumps(status_event("read")),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_signed_body_that_is_not_json_gets_a_clear_400(client: Client) -> None:
    body = b"not json"
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        reverse("notify:whatsapp_webhook"),
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_json"


def test_a_late_delivered_report_does_not_undo_read(client: Client) -> None:
    message = sent_message()
    post_signed(client, status_event("read"))
    post_signed(client, status_event("delivered"))
    message.refresh_from_db()
    assert message.state == State.READ
    assert message.delivered_at is not None


def test_a_failed_report_fails_the_message_with_metas_reason_and_audits_it(client: Client) -> None:
    message = sent_message()
    errors = [
        {
            "code": 131026,
            "title": "Message undeliverable",
            "message": "Message undeliverable",
            "error_data": {"details": "Recipient is not a WhatsApp user"},
        }
    ]

    post_signed(client, status_event("failed", errors=errors))

    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.last_error == "131026 Message undeliverable (Recipient is not a WhatsApp user)"
    assert AuditRecord.objects.filter(
        action="notify.message_failed", object_id=message.code
    ).exists()


def test_a_report_for_an_unknown_message_is_accepted_and_ignored(client: Client) -> None:
    response = post_signed(client, status_event("delivered", provider_id="wamid.unknown"))
    assert response.status_code == 200
    assert response.json() == {"updated": 0, "ignored": 1, "received": 0}


def test_incoming_citizen_messages_are_handed_to_listeners(client: Client) -> None:
    heard: list[dict[str, Any]] = []

    def listener(sender: Any, message: dict[str, Any], **kwargs: Any) -> None:
        heard.append(message)

    whatsapp_message_received.connect(listener)
    try:
        event = status_event("read")
        value = event["entry"][0]["changes"][0]["value"]
        value["contacts"] = [{"profile": {"name": "Ananya"}, "wa_id": "919830012345"}]
        value["messages"] = [
            {
                "from": "919830012345",
                "id": "wamid.in1",
                "timestamp": "1741169100",
                "type": "text",
                "text": {"body": "pass"},
            }
        ]
        response = post_signed(client, event)
    finally:
        whatsapp_message_received.disconnect(listener)

    assert response.json()["received"] == 1
    assert heard == [value["messages"][0]]


def dlr(client: Client, data: dict[str, Any], token: str | None = "dlr-token-42") -> Any:
    headers = {"X-DLR-Token": token} if token is not None else {}
    return client.post(
        reverse("notify:sms_delivery_report"),
        json.dumps(data),
        content_type="application/json",
        headers=headers,
    )


def test_the_gateway_reports_an_sms_delivered(client: Client) -> None:
    message = sent_message("sms", "gw-1001")

    response = dlr(
        client,
        {"message_id": "gw-1001", "status": "DELIVRD", "delivered_at": "2025-03-05T10:00:07+05:30"},
    )

    assert response.status_code == 200
    assert response.json() == {"message": message.code, "state": "delivered"}
    message.refresh_from_db()
    assert message.state == State.DELIVERED
    assert message.delivered_at == datetime(2025, 3, 5, 4, 30, 7, tzinfo=UTC)


def test_a_gateway_report_can_carry_its_token_in_the_url_as_a_form(client: Client) -> None:
    message = sent_message("sms", "gw-1002")
    response = client.post(
        reverse("notify:sms_delivery_report") + "?token=dlr-token-42",
        {"id": "gw-1002", "status": "undelivered", "reason": "Absent subscriber"},
    )
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.last_error == "Absent subscriber"


@pytest.mark.parametrize("token", [None, "wrong"])
def test_a_delivery_report_without_the_right_token_is_refused(
    client: Client, token: str | None
) -> None:
    message = sent_message("sms", "gw-1001")
    response = dlr(client, {"message_id": "gw-1001", "status": "DELIVRD"}, token=token)
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.state == State.SENT


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({"status": "DELIVRD"}, 400, "missing_message_id"),
        ({"message_id": "gw-1001", "status": "teleported"}, 400, "unknown_status"),
        (
            {"message_id": "gw-1001", "status": "DELIVRD", "delivered_at": "2025-13-45T99:00:00"},
            400,
            "bad_delivered_at",
        ),
        ({"message_id": "gw-9999", "status": "DELIVRD"}, 404, "unknown_message"),
    ],
)
def test_a_bad_delivery_report_gets_a_clear_error(
    client: Client, data: dict[str, Any], status: int, error: str
) -> None:
    sent_message("sms", "gw-1001")
    response = dlr(client, data)
    assert response.status_code == status
    assert response.json()["error"] == error


def test_the_webhooks_refuse_everything_until_their_secrets_are_set(
    client: Client, settings: Any
) -> None:
    settings.WHATSAPP_APP_SECRET = ""
    settings.SMS_DLR_TOKEN = ""
    assert post_signed(client, status_event("read"), secret="").status_code == 503
    assert dlr(client, {"message_id": "gw-1", "status": "DELIVRD"}, token="").status_code == 503
