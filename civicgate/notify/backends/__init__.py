"""Senders for each channel, chosen by settings (SMS_BACKEND, WHATSAPP_BACKEND, EMAIL_BACKEND).

A backend sends one OutboundMessage and returns the provider's message id, or raises
SendError saying whether trying again later could help.
"""

from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from civicgate.notify.models import Channel, OutboundMessage


class SendError(Exception):
    """A send that did not happen. retryable: network trouble, the provider busy or down."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class Backend(Protocol):
    def send(self, message: OutboundMessage) -> str: ...


def status_is_retryable(status: int) -> bool:
    """The provider is down, overloaded or throttling us; any other 4xx will fail again."""
    return status >= 500 or status in (408, 429)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is rare from these providers and ignored)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def get_backend(channel: str) -> Backend:
    from civicgate.notify.backends import console, email, sms_http, whatsapp_cloud

    if channel == Channel.SMS:
        choice = settings.SMS_BACKEND
        options: dict[str, type[Backend]] = {
            "console": console.ConsoleBackend,
            "http": sms_http.SmsGatewayBackend,
        }
    elif channel == Channel.WHATSAPP:
        choice = settings.WHATSAPP_BACKEND
        options = {"console": console.ConsoleBackend, "cloud": whatsapp_cloud.WhatsAppCloudBackend}
    elif channel == Channel.EMAIL:
        return email.EmailBackend()
    else:
        raise ImproperlyConfigured(f"No backend for channel {channel!r}.")
    if choice not in options:
        setting = "SMS_BACKEND" if channel == Channel.SMS else "WHATSAPP_BACKEND"
        raise ImproperlyConfigured(f"{setting}={choice!r}; use one of {', '.join(options)}.")
    return options[choice]()
