"""Keeping the bot's and the staff's replies in the thread, and sending them on the channel.

Web and terminal conversations read their replies from the thread; WhatsApp replies go
through the notify outbox, inside the caller's transaction, so a rolled-back turn sends
nothing.
"""

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicgate.chatbot.engine import Turn, menu_reply
from civicgate.chatbot.flows.base import Reply
from civicgate.chatbot.models import Channel, Conversation, Message
from civicgate.notify.models import OutboundMessage


def _store(
    conversation: Conversation,
    reply: Reply,
    *,
    intent: str,
    confidence: float,
    in_reply_to: Message | None,
) -> Message:
    return Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.OUT,
        sender=Message.Sender.BOT,
        text=reply.text,
        payload={
            "choices": [
                {"id": c.id, "title": c.title, "description": c.description} for c in reply.choices
            ],
            "image_url": reply.image_url,
        },
        language=conversation.language,
        intent=intent,
        confidence=confidence,
        in_reply_to=in_reply_to,
    )


def _link(message: Message, outbound: OutboundMessage) -> None:
    """Keep the outbox message's code: its delivery status (sent, delivered, read, failed),
    reported by WhatsApp's status callbacks to notify, shows in the helpdesk's thread."""
    message.payload = {**(message.payload or {}), "outbox": outbound.code}
    Message.objects.filter(pk=message.pk).update(payload=message.payload)


def reply_of(message: Message) -> Reply:
    from civicgate.chatbot.flows.base import Choice

    payload = message.payload or {}
    return Reply(
        message.text,
        [
            Choice(str(c["id"]), str(c["title"]), str(c.get("description", "")))
            for c in payload.get("choices", [])
        ],
        str(payload.get("image_url") or ""),
    )


def bot_turn(conversation: Conversation, inbound: Message | None, turn: Turn) -> list[Message]:
    stored = [
        _store(conversation, r, intent=turn.intent, confidence=turn.confidence, in_reply_to=inbound)
        for r in turn.replies
    ]
    if conversation.channel == Channel.WHATSAPP:
        from civicgate.chatbot.channels import whatsapp

        for message in stored:
            _link(message, whatsapp.send(conversation, reply_of(message)))
    return stored


def staff_message(conversation: Conversation, message: Message) -> None:
    if conversation.channel != Channel.WHATSAPP:
        return
    from civicgate.chatbot.channels import whatsapp

    _link(message, whatsapp.send(conversation, Reply(message.text), staff=True))


def bot_back(conversation: Conversation) -> None:
    """After a hand-back: tell the citizen the assistant is answering again, with the menu."""
    with translation.override(conversation.language):
        reply = menu_reply(
            _("You are back with the KMC assistant. Is there anything else I can help with?")
        )
    turn = Turn([reply], "menu", 1.0)
    bot_turn(conversation, None, turn)
    Conversation.objects.filter(pk=conversation.pk).update(
        state={"offered": [c.id for c in reply.choices]}, last_activity_at=timezone.now()
    )
