"""SMS through the gateway's JSON API, with the DLT identifiers Indian operators require.

Request (POST SMS_GATEWAY_URL, header X-API-Key):
    {"sender": "KMCGOV", "to": "919830012345", "message": "...", "unicode": false,
     "dlt_entity_id": "...", "dlt_template_id": "...", "reference": "<outbox code>"}
Response: {"message_id": "..."} (also read: "id", or either inside "data").
The reference lets the gateway drop a repeat if our worker sends one message twice.
"""

import logging
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicgate.notify.backends import SendError, retry_after_seconds, status_is_retryable
from civicgate.notify.models import OutboundMessage

logger = logging.getLogger(__name__)
PENDING_DLT_PREFIX = "pending"


def needs_unicode(text: str) -> bool:
    """Bengali and Hindi (anything beyond ASCII) go as UCS-2 with 70 characters a part."""
    return not text.isascii()


def parse_message_id(data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    for holder in (data, data.get("data")):
        if isinstance(holder, dict):
            for name in ("message_id", "messageId", "id"):
                if holder.get(name):
                    return str(holder[name])
    return ""


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        for name in ("error", "message", "detail"):
            if data.get(name):
                return str(data[name])[:200]
    return str(data)[:200]


class SmsGatewayBackend:
    def __init__(self) -> None:
        if not settings.SMS_GATEWAY_URL:
            raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_GATEWAY_URL.")
        self.url = settings.SMS_GATEWAY_URL
        self.timeout = settings.NOTIFY_HTTP_TIMEOUT_SECONDS

    def request_body(self, message: OutboundMessage) -> dict[str, Any]:
        return {
            "sender": settings.SMS_SENDER_ID,
            "to": message.recipient.lstrip("+"),
            "message": message.body,
            "unicode": needs_unicode(message.body),
            "dlt_entity_id": settings.SMS_DLT_ENTITY_ID,
            "dlt_template_id": message.payload.get("dlt_template_id", ""),
            "reference": message.code,
        }

    def send(self, message: OutboundMessage) -> str:
        template_id = message.payload.get("dlt_template_id", "")
        if not template_id or template_id.startswith(PENDING_DLT_PREFIX):
            raise SendError(
                f"The SMS template {message.template_key!r} ({message.language}) has no registered "
                "DLT template id; enter it in the message templates.",
                retryable=False,
            )
        try:
            response = httpx.post(
                self.url,
                json=self.request_body(message),
                headers={"X-API-Key": settings.SMS_GATEWAY_API_KEY, "Accept": "application/json"},
                timeout=self.timeout,
            )
        except httpx.TransportError as exc:
            raise SendError(
                f"SMS gateway unreachable: {exc.__class__.__name__}", retryable=True
            ) from exc
        if response.is_success:
            try:
                data = response.json()
            except ValueError:
                data = None
            provider_id = parse_message_id(data)
            if not provider_id:
                # Accepted all the same: sending again could reach the citizen twice.
                logger.warning("SMS gateway accepted %s without a message id.", message.code)
            return provider_id
        raise SendError(
            f"SMS gateway answered {response.status_code}: {_error_text(response)}",
            retryable=status_is_retryable(response.status_code),
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
