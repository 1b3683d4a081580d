"""WhatsApp through Meta's Cloud API (Graph API).

POST {WHATSAPP_API_BASE}/{WHATSAPP_PHONE_NUMBER_ID}/messages with a Bearer token and
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "919830012345",
     "type": "text" | "template" | "interactive", ...}
answered by {"messages": [{"id": "wamid..."}]} or {"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}.
"""

from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicgate.notify import whatsapp
from civicgate.notify.backends import SendError, retry_after_seconds, status_is_retryable
from civicgate.notify.models import OutboundMessage

# Throttling (4, 80007, 130429, 131048, 131056) and temporary errors (1, 2, 131000, 131016,
# 133004) clear up by themselves; everything else (a bad number, no approved template, outside
# the 24-hour window) fails the same way however often it is tried.
RETRYABLE_CODES = frozenset(
    {1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131048, 131056, 133004}
)


def graph_error(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else {}


def error_is_retryable(status: int, error: dict[str, Any]) -> bool:
    code = error.get("code")
    try:
        code = int(code) if code is not None else None
    except (TypeError, ValueError):
        code = None
    if code in RETRYABLE_CODES or error.get("is_transient") is True:
        return True
    if code is not None and status < 500:
        return False
    return status_is_retryable(status)


class WhatsAppCloudBackend:
    def __init__(self) -> None:
        if not (settings.WHATSAPP_PHONE_NUMBER_ID and settings.WHATSAPP_ACCESS_TOKEN):
            raise ImproperlyConfigured(
                "WHATSAPP_BACKEND=cloud needs WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_ACCESS_TOKEN."
            )
        base = settings.WHATSAPP_API_BASE.rstrip("/")
        self.url = f"{base}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
        self.timeout = settings.NOTIFY_HTTP_TIMEOUT_SECONDS

    def request_body(self, message: OutboundMessage) -> dict[str, Any]:
        content = message.payload.get("message") or whatsapp.text(message.body)
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.recipient.lstrip("+"),
            **content,
        }

    def send(self, message: OutboundMessage) -> str:
        try:
            response = httpx.post(
                self.url,
                json=self.request_body(message),
                headers={"Authorization": f"Bearer {settings.WHATSAPP_ACCESS_TOKEN}"},
                timeout=self.timeout,
            )
        except httpx.TransportError as exc:
            raise SendError(
                f"WhatsApp API unreachable: {exc.__class__.__name__}", retryable=True
            ) from exc
        if response.is_success:
            try:
                messages = response.json().get("messages") or []
                return str(messages[0]["id"])
            except (ValueError, AttributeError, IndexError, KeyError, TypeError):
                raise SendError(
                    "WhatsApp API accepted the message but returned no message id.", retryable=False
                ) from None
        error = graph_error(response)
        detail = error.get("message") or response.text[:200]
        code = error.get("code", "-")
        subcode = error.get("error_subcode", "-")
        trace = error.get("fbtrace_id", "-")
        raise SendError(
            f"WhatsApp API answered {response.status_code}: {detail} "
            f"(code {code}, subcode {subcode}, fbtrace_id {trace})",
            retryable=error_is_retryable(response.status_code, error),
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
