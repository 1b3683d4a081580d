"""E-mail through Django's SMTP backend to a real SMTP server on 127.0.0.1."""

import email
from email.header import decode_header, make_header
from typing import Any

import pytest

from civicgate.notify.models import OutboundMessage
from civicgate.notify.outbox import enqueue
from civicgate.notify.worker import run_once

pytestmark = pytest.mark.django_db

REQUEST = {
    "service": "Water supply",
    "tracking_number": "WS-2025-000123",
    "url": "https://x.example/t/WS-2025-000123",
}


def test_an_email_reaches_the_smtp_server_with_its_subject_and_words(smtp_server: Any) -> None:
    # Given a Hindi confirmation of a service request
    message = enqueue(
        "email", "ananya.sen@example.com", "service_request_received", REQUEST, language="hi"
    )

    # When the worker runs
    assert run_once() == {"sent": 1}

    # Then the SMTP server received it for the citizen, from the corporation
    [mail] = smtp_server.received
    assert mail["to"] == ["ananya.sen@example.com"]
    assert mail["from"] == "no-reply@kmc.gov.in"
    parsed = email.message_from_bytes(mail["data"])
    assert str(make_header(decode_header(parsed["Subject"]))) == "अनुरोध प्राप्त: WS-2025-000123"
    text = parsed.get_payload(decode=True).decode(parsed.get_content_charset())
    assert "WS-2025-000123" in text
    assert "कोलकाता नगर निगम" in text
    # And the Message-ID is recorded to trace it
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SENT
    assert parsed["Message-ID"].strip("<>") == message.provider_message_id
    assert message.code in message.provider_message_id


def test_an_address_the_server_refuses_fails_at_once(smtp_server: Any) -> None:
    smtp_server.refuse.add("nobody@example.com")
    message = enqueue("email", "nobody@example.com", "service_request_received", REQUEST)

    assert run_once() == {"failed": 1}

    message.refresh_from_db()
    assert "550" in message.last_error
    assert smtp_server.received == []


def test_an_unreachable_mail_server_is_retried(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9
    message = enqueue("email", "ananya.sen@example.com", "service_request_received", REQUEST)

    assert run_once() == {"queued": 1}

    message.refresh_from_db()
    assert "unreachable" in message.last_error
