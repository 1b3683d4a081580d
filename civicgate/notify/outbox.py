"""Queueing messages: render a template now, insert one row, let the worker send it later.

enqueue() only inserts, so it belongs inside the caller's transaction: if the booking or the
pass is rolled back, so is its message. The words are rendered at enqueue time, so editing a
template later does not change messages already queued.
"""

from typing import Any

from django.core.validators import validate_email
from django.utils import timezone

from civicgate.core.phone import normalize_mobile
from civicgate.notify import whatsapp
from civicgate.notify.models import PLACEHOLDER, Channel, MessageTemplate, OutboundMessage

FALLBACK_LANGUAGE = "en"


class TemplateNotFound(LookupError):
    pass


class MissingPlaceholder(KeyError):
    pass


def find_template(key: str, language: str, channel: str) -> MessageTemplate:
    """The template in language, else the English one."""
    candidates = {
        t.language: t
        for t in MessageTemplate.objects.filter(
            key=key, channel=channel, language__in={language, FALLBACK_LANGUAGE}
        )
    }
    found = candidates.get(language) or candidates.get(FALLBACK_LANGUAGE)
    if found is None:
        raise TemplateNotFound(f"No {channel} template {key!r} in {language!r} or English.")
    return found


def render(text: str, context: dict[str, Any]) -> str:
    """Replace each {name} by str(context[name]); a name missing from context is an error."""

    def value(match: Any) -> str:
        name = match.group(1)
        if name not in context:
            raise MissingPlaceholder(f"The message needs {{{name}}}, which was not given.")
        return str(context[name])

    return PLACEHOLDER.sub(value, text)


def normalize_recipient(channel: str, recipient: str) -> str:
    if channel == Channel.EMAIL:
        address = (recipient or "").strip()
        validate_email(address)
        return address
    return normalize_mobile(recipient)


def _whatsapp_message(tmpl: MessageTemplate, body: str, context: dict[str, Any]) -> dict[str, Any]:
    if not tmpl.whatsapp_template:
        return whatsapp.text(body)
    parameters = [render(f"{{{name}}}", context) for name in tmpl.whatsapp_parameter_names()]
    button = None
    if tmpl.whatsapp_button_parameter:
        button = render(f"{{{tmpl.whatsapp_button_parameter}}}", context)
    return whatsapp.template(tmpl.whatsapp_template, tmpl.language, parameters, button)


def enqueue(
    channel: str,
    recipient: str,
    template_key: str,
    context: dict[str, Any],
    language: str = "en",
    *,
    payload: dict[str, Any] | None = None,
) -> OutboundMessage:
    """Queue one message to recipient built from the template template_key.

    recipient: an Indian mobile number for SMS and WhatsApp, an address for e-mail.
    payload: WhatsApp only, a message object from civicgate.notify.whatsapp (buttons, a list)
    sent instead of the template's words; template_key may then be empty.

    Raises ValidationError for a bad recipient, TemplateNotFound, MissingPlaceholder, and
    ValueError for a payload WhatsApp would refuse.
    """
    if channel not in Channel.values:
        raise ValueError(f"Unknown channel {channel!r}.")
    address = normalize_recipient(channel, recipient)
    if payload is not None and channel != Channel.WHATSAPP:
        raise ValueError("Only WhatsApp messages take a payload.")
    subject = body = ""
    stored: dict[str, Any] = {}
    used_language = language
    if template_key:
        tmpl = find_template(template_key, language, channel)
        used_language = tmpl.language
        subject = render(tmpl.subject, context)
        body = render(tmpl.body, context)
        if channel == Channel.SMS:
            stored = {"dlt_template_id": tmpl.dlt_template_id}
        elif channel == Channel.WHATSAPP and payload is None:
            stored = {"message": _whatsapp_message(tmpl, body, context)}
    elif payload is None:
        raise ValueError("A message needs a template key or a WhatsApp payload.")
    if payload is not None:
        stored = {"message": whatsapp.check_message(payload)}
        body = body or whatsapp.summary(payload)
    if not body:
        raise ValueError("The message is empty.")
    return OutboundMessage.objects.create(
        channel=channel,
        recipient=address,
        template_key=template_key,
        language=used_language,
        subject=subject[:200],
        body=body,
        payload=stored,
        state=OutboundMessage.State.QUEUED,
        next_attempt_at=timezone.now(),
    )
