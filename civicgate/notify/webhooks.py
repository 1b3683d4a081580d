"""Delivery reports from the providers: the WhatsApp Cloud API webhook and the SMS gateway's.

Both are called by machines, not browsers, so they are exempt from CSRF and prove themselves
instead: WhatsApp signs each body with the app secret, the SMS gateway sends a shared token.
"""

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from civicgate.notify import actions
from civicgate.notify.models import Channel
from civicgate.notify.signals import whatsapp_message_received

logger = logging.getLogger(__name__)

WHATSAPP_STATUSES = {"sent", "delivered", "read", "failed"}
# Words SMS gateways use in delivery reports (SMPP's short forms included).
SMS_STATUSES = {
    "delivered": "delivered",
    "delivrd": "delivered",
    "failed": "failed",
    "undelivered": "failed",
    "undeliv": "failed",
    "expired": "failed",
    "rejected": "failed",
    "rejectd": "failed",
    "deleted": "failed",
    "sent": "sent",
    "submitted": "sent",
    "accepted": "sent",
    "acceptd": "sent",
    "enroute": "sent",
    "pending": "sent",
}


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _whatsapp_verify(request)
    return _whatsapp_receive(request)


def _whatsapp_verify(request: HttpRequest) -> HttpResponse:
    """Meta's subscription handshake: echo hub.challenge when the verify token matches."""
    expected = _setting("WHATSAPP_VERIFY_TOKEN")
    if not expected:
        return _error("not_configured", "The webhook verify token is not set on this server.", 503)
    if request.GET.get("hub.mode") != "subscribe":
        return _error("bad_mode", "hub.mode must be subscribe.", 400)
    challenge = request.GET.get("hub.challenge", "")
    if not challenge:
        return _error("missing_challenge", "hub.challenge is missing.", 400)
    if not hmac.compare_digest(request.GET.get("hub.verify_token", "").encode(), expected.encode()):
        return _error("bad_verify_token", "hub.verify_token does not match.", 403)
    return HttpResponse(challenge, content_type="text/plain")


def signature_is_valid(secret: str, body: bytes, header: str) -> bool:
    scheme, _sep, given = header.partition("=")
    if scheme != "sha256" or not given:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.strip().lower().encode(), expected.encode())


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def _whatsapp_error_text(status: dict[str, Any]) -> str:
    """ "131026 Message undeliverable (details)" from the first error of a failed status."""
    errors = status.get("errors") or []
    if not errors or not isinstance(errors[0], dict):
        return ""
    first = errors[0]
    error_data = first.get("error_data")
    details = error_data.get("details") if isinstance(error_data, dict) else None
    parts = [str(first.get("code", "")), str(first.get("title") or first.get("message") or "")]
    if details:
        parts.append(f"({details})")
    return " ".join(p for p in parts if p)


def _whatsapp_receive(request: HttpRequest) -> HttpResponse:
    secret = _setting("WHATSAPP_APP_SECRET")
    if not secret:
        return _error("not_configured", "The WhatsApp app secret is not set on this server.", 503)
    if not signature_is_valid(secret, request.body, request.headers.get("X-Hub-Signature-256", "")):
        return _error("bad_signature", "X-Hub-Signature-256 does not match the body.", 403)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error("bad_json", "The body is not JSON.", 400)
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        return _error("bad_object", 'Expected "object": "whatsapp_business_account".', 400)
    updated = ignored = received = 0
    for entry in data.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            if not isinstance(value, dict):
                continue
            for status in value.get("statuses") or []:
                if not isinstance(status, dict) or status.get("status") not in WHATSAPP_STATUSES:
                    ignored += 1
                    continue
                found = actions.apply_delivery_status(
                    Channel.WHATSAPP,
                    str(status.get("id", "")),
                    status["status"],
                    _timestamp(status.get("timestamp")),
                    _whatsapp_error_text(status),
                )
                if found is None:
                    ignored += 1
                else:
                    updated += 1
            contacts = value.get("contacts") or []
            for message in value.get("messages") or []:
                received += 1
                for _receiver, result in whatsapp_message_received.send_robust(
                    sender=None,
                    message=message,
                    contacts=contacts,
                    metadata=value.get("metadata") or {},
                ):
                    if isinstance(result, Exception):
                        logger.error("A handler of incoming WhatsApp messages failed: %r", result)
    return JsonResponse({"updated": updated, "ignored": ignored, "received": received})


@csrf_exempt
@require_POST
def sms_delivery_report(request: HttpRequest) -> HttpResponse:
    """The gateway's report: {"message_id", "status", "error"?, "delivered_at"?} as JSON or a form.

    The token comes in the X-DLR-Token header, or as ?token= for gateways that can only be
    given a URL.
    """
    expected = _setting("SMS_DLR_TOKEN")
    if not expected:
        return _error("not_configured", "The delivery report token is not set on this server.", 503)
    given = request.headers.get("X-DLR-Token") or request.GET.get("token", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return _error("bad_token", "The delivery report token is missing or wrong.", 403)
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return _error("bad_json", "The body is not JSON.", 400)
        if not isinstance(data, dict):
            return _error("bad_json", "The body must be a JSON object.", 400)
    else:
        data = request.POST.dict()
    message_id = str(data.get("message_id") or data.get("id") or "").strip()
    if not message_id:
        return _error("missing_message_id", "message_id is required.", 400)
    raw_status = str(data.get("status") or "").strip().lower()
    status = SMS_STATUSES.get(raw_status)
    if status is None:
        return _error(
            "unknown_status", f"status {raw_status!r} is not one this server understands.", 400
        )
    try:
        at = parse_datetime(str(data.get("delivered_at") or "")) or timezone.now()
    except ValueError:
        return _error("bad_delivered_at", "delivered_at is not a valid date and time.", 400)
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    error = str(data.get("error") or data.get("reason") or "")[:300]
    message = actions.apply_delivery_status(Channel.SMS, message_id, status, at, error)
    if message is None:
        return _error("unknown_message", "No message has this message_id.", 404)
    return JsonResponse({"message": message.code, "state": message.state})
