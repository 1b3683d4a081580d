"""WhatsApp Cloud API: incoming messages from notify's webhook, replies through the outbox.

notify checks the webhook (hub.challenge, X-Hub-Signature-256 on the raw body) and sends each
incoming message as the whatsapp_message_received signal. Here it is only stored, de-duplicated
on its wamid (Meta retries deliveries), and the webhook answers at once; the chat_worker
answers it. Status callbacks of our replies are applied to the outbox by notify itself.
"""

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from civicgate.chatbot import actions
from civicgate.chatbot.flows.base import Reply
from civicgate.chatbot.models import Conversation, Message
from civicgate.notify import whatsapp as wa
from civicgate.notify.models import Channel as NotifyChannel
from civicgate.notify.models import OutboundMessage
from civicgate.notify.outbox import enqueue

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
# The approved template that reopens a conversation outside the 24-hour window.
FOLLOWUP_TEMPLATE = "chat_followup"
LIST_BUTTON = {"en": "Choose", "bn": "বেছে নিন", "hi": "चुनें"}


def _cut(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse(message: dict[str, Any]) -> dict[str, Any]:
    """The fields of actions.receive() from one Cloud API message object."""
    kind = message.get("type")
    if kind == "text":
        return {"text": str((message.get("text") or {}).get("body", "")), "kind": Message.Kind.TEXT}
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        picked = interactive.get("button_reply") or interactive.get("list_reply") or {}
        return {
            "text": str(picked.get("title", "")),
            "choice": str(picked.get("id", "")),
            "kind": Message.Kind.CHOICE,
        }
    if kind == "button":
        button = message.get("button") or {}
        return {
            "text": str(button.get("text", "")),
            "choice": str(button.get("payload", "")),
            "kind": Message.Kind.CHOICE,
        }
    if kind == "location":
        pin = message.get("location") or {}
        try:
            location = {
                "latitude": float(pin["latitude"]),
                "longitude": float(pin["longitude"]),
                "name": str(pin.get("name", ""))[:200],
                "address": str(pin.get("address", ""))[:300],
            }
        except (KeyError, TypeError, ValueError):
            return {"kind": Message.Kind.OTHER}
        return {"kind": Message.Kind.LOCATION, "payload": {"location": location}}
    if kind == "image":
        image = message.get("image") or {}
        details = {k: str(image.get(k, "")) for k in ("id", "mime_type", "sha256")}
        return {
            "text": str(image.get("caption", "")),
            "kind": Message.Kind.IMAGE,
            "payload": {"image": details},
        }
    return {"kind": Message.Kind.OTHER, "payload": {"type": str(kind or "")[:30]}}


def on_message_received(
    sender: Any,
    *,
    message: dict[str, Any],
    contacts: list[Any] | None = None,
    metadata: dict[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    """Store an incoming message for the worker (connected to whatsapp_message_received)."""
    wa_id = str(message.get("from", ""))
    wamid = str(message.get("id", ""))
    if not wa_id or not wamid:
        logger.warning("An incoming WhatsApp message without from or id was ignored.")
        return
    profile = ""
    for contact in contacts or []:
        if isinstance(contact, dict) and contact.get("wa_id") == wa_id:
            profile = str((contact.get("profile") or {}).get("name", ""))
    try:
        conversation = actions.whatsapp_conversation(wa_id, profile_name=profile)
    except ValidationError:
        logger.warning("A WhatsApp message from a number that is not an Indian mobile was ignored.")
        return
    actions.receive(conversation, provider_message_id=wamid[:200], **parse(message))


def payload(reply: Reply, language: str) -> dict[str, Any]:
    """One WhatsApp message object for a reply, within the API's limits."""
    body = reply.text
    if reply.image_url:
        body = f"{body}\n{reply.image_url}"
    choices = reply.choices
    if not choices:
        return wa.text(body[: wa.TEXT_MAX])
    if len(choices) <= wa.BUTTONS_MAX:
        return wa.buttons(
            body[: wa.INTERACTIVE_BODY_MAX],
            [(c.id, _cut(c.title, wa.BUTTON_TITLE_MAX)) for c in choices],
        )
    if len(choices) <= wa.LIST_ROWS_MAX:
        rows = [
            (c.id, _cut(c.title, wa.ROW_TITLE_MAX), _cut(c.description, wa.ROW_DESCRIPTION_MAX))
            for c in choices
        ]
        return wa.choice_list(
            body[: wa.INTERACTIVE_BODY_MAX], LIST_BUTTON.get(language, "Choose"), [("", rows)]
        )
    numbered = "\n".join(f"{n}. {c.title}" for n, c in enumerate(choices, start=1))
    return wa.text(f"{body}\n\n{numbered}"[: wa.TEXT_MAX])


def in_window(conversation: Conversation) -> bool:
    last = conversation.last_inbound_at
    return last is not None and timezone.now() - last < WINDOW


def send(conversation: Conversation, reply: Reply, *, staff: bool = False) -> OutboundMessage:
    """Queue a reply; outside the 24-hour window only the approved follow-up template."""
    if in_window(conversation):
        return enqueue(
            NotifyChannel.WHATSAPP,
            conversation.mobile,
            "",
            {},
            language=conversation.language,
            payload=payload(reply, conversation.language),
        )
    return enqueue(
        NotifyChannel.WHATSAPP,
        conversation.mobile,
        FOLLOWUP_TEMPLATE,
        {"reply": _cut(reply.text, 900)},
        language=conversation.language,
    )
