"""Writes of the chatbot: conversations, incoming messages, the hand-over to staff and back."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicgate.accounts.models import Citizen
from civicgate.audit.chain import record
from civicgate.chatbot.models import Channel, Conversation, Message
from civicgate.core.crypto import blind_index
from civicgate.core.phone import mask_mobile, normalize_mobile

# WhatsApp lets a business answer freely for 24 hours after the citizen's last message.
WHATSAPP_WINDOW = timedelta(hours=24)
TEXT_MAX = 2000


def contact_index(channel: str, address: str) -> str:
    return blind_index(f"{channel}:{address}", "chat-contact")


def start_web_conversation(
    *, language: str = "en", language_chosen: bool = False, citizen: Citizen | None = None
) -> Conversation:
    """A new web chat; a citizen signed in on the site brings the verified mobile along."""
    conversation = new_web_conversation(
        language=language, language_chosen=language_chosen, citizen=citizen
    )
    conversation.save()
    return conversation


def new_web_conversation(
    *, language: str = "en", language_chosen: bool = False, citizen: Citizen | None = None
) -> Conversation:
    """A web chat not saved yet (start_web_conversation saves it)."""
    now = timezone.now()
    conversation = Conversation(
        channel=Channel.WEB,
        language=language if language in ("en", "bn", "hi") else "en",
        language_chosen=language_chosen,
        last_activity_at=now,
        state={},
    )
    if citizen is not None:
        conversation.mobile = citizen.mobile
        conversation.mobile_index = citizen.mobile_index
        conversation.citizen = citizen
    return conversation


def start_cli_conversation(*, language: str = "en") -> Conversation:
    return Conversation.objects.create(
        channel=Channel.CLI, language=language, last_activity_at=timezone.now()
    )


def whatsapp_conversation(wa_id: str, *, profile_name: str = "") -> Conversation:
    """The sender's one WhatsApp thread; the sender's number is their verified mobile.

    Raises ValidationError for a number that is not an Indian mobile.
    """
    mobile = normalize_mobile("+" + wa_id.lstrip("+"))
    index = contact_index(Channel.WHATSAPP, mobile)
    found = Conversation.objects.filter(channel=Channel.WHATSAPP, contact_index=index).first()
    if found is not None:
        return found
    with transaction.atomic():
        mobile_index = blind_index(mobile, "mobile")
        citizen, created = Citizen.objects.get_or_create(
            mobile_index=mobile_index,
            defaults={"mobile": mobile, "name": profile_name[:200], "verified_at": timezone.now()},
        )
        if created:
            record(
                "chatbot.citizen_verified_by_whatsapp",
                actor=citizen,
                obj=citizen,
                data={"mobile": mask_mobile(mobile)},
            )
        try:
            with transaction.atomic():
                return Conversation.objects.create(
                    channel=Channel.WHATSAPP,
                    contact_index=index,
                    mobile=mobile,
                    mobile_index=mobile_index,
                    citizen=citizen,
                    last_activity_at=timezone.now(),
                )
        except IntegrityError:
            # Two first messages at once: the other request created it.
            return Conversation.objects.get(channel=Channel.WHATSAPP, contact_index=index)


@dataclass(frozen=True)
class Received:
    message: Message
    created: bool


def receive(
    conversation: Conversation,
    *,
    text: str = "",
    choice: str = "",
    kind: str = Message.Kind.TEXT,
    payload: dict[str, Any] | None = None,
    provider_message_id: str = "",
    window: bool = True,
) -> Received:
    """Store one incoming message, waiting to be answered. A provider id seen before is not
    stored again: the earlier message is returned with created=False. window: note the time
    (it opens WhatsApp's 24-hour window); the web has no such window."""
    if provider_message_id:
        earlier = Message.objects.filter(provider_message_id=provider_message_id).first()
        if earlier is not None:
            return Received(earlier, False)
    now = timezone.now()
    try:
        with transaction.atomic(savepoint=bool(provider_message_id)):
            message = Message.objects.create(
                conversation=conversation,
                direction=Message.Direction.IN,
                sender=Message.Sender.CITIZEN,
                kind=kind,
                text=(text or "")[:TEXT_MAX],
                choice=(choice or "")[:200],
                payload=payload or {},
                language=conversation.language,
                provider_message_id=provider_message_id,
                state=Message.State.QUEUED,
            )
            if window:
                Conversation.objects.filter(pk=conversation.pk).update(
                    last_inbound_at=now, updated_at=now
                )
    except IntegrityError:
        if not provider_message_id:
            raise
        return Received(Message.objects.get(provider_message_id=provider_message_id), False)
    return Received(message, True)


def hand_over(conversation: Conversation, *, reason: str) -> None:
    """Mark the conversation for the helpdesk; the bot stays quiet until staff hand it back."""
    now = timezone.now()
    conversation.handed_over = True
    conversation.handed_over_at = now
    conversation.handover_reason = reason[:300]
    conversation.assigned_to = None
    Conversation.objects.filter(pk=conversation.pk).update(
        handed_over=True,
        handed_over_at=now,
        handover_reason=conversation.handover_reason,
        assigned_to=None,
        updated_at=now,
    )
    record(
        "chatbot.handed_over",
        actor=conversation.citizen,
        obj=conversation,
        data={"channel": conversation.channel},
    )


def staff_reply(
    conversation: Conversation, *, user: Any, text: str, request: Any = None
) -> Message:
    """A helpdesk answer in the conversation's thread, delivered on its channel.

    Raises ValidationError for an empty or too long text, or a conversation not with a person.
    """
    from civicgate.chatbot.channels import deliver

    body = (text or "").strip()
    if not body:
        raise ValidationError("Type a reply.")
    if len(body) > TEXT_MAX:
        raise ValidationError(f"A reply has at most {TEXT_MAX} characters.")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if not locked.handed_over:
            raise ValidationError("The bot is answering this conversation; take it over first.")
        now = timezone.now()
        message = Message.objects.create(
            conversation=locked,
            direction=Message.Direction.OUT,
            sender=Message.Sender.STAFF,
            staff=user,
            text=body,
            language=locked.language,
            intent="human",
            confidence=1.0,
        )
        Conversation.objects.filter(pk=locked.pk).update(
            assigned_to=user, last_activity_at=now, updated_at=now
        )
        deliver.staff_message(locked, message)
        record(
            "chatbot.staff_replied",
            actor=user,
            obj=locked,
            request=request,
            data={"message": message.code, "channel": locked.channel},
        )
    return message


def take_over(conversation: Conversation, *, user: Any, request: Any = None) -> None:
    """Staff join a conversation the bot was handling (for instance one going in circles)."""
    now = timezone.now()
    with transaction.atomic():
        changed = Conversation.objects.filter(pk=conversation.pk, handed_over=False).update(
            handed_over=True,
            handed_over_at=now,
            handover_reason="taken over by staff",
            assigned_to=user,
            updated_at=now,
        )
        if changed:
            record("chatbot.taken_over", actor=user, obj=conversation, request=request)


def hand_back(conversation: Conversation, *, user: Any, request: Any = None) -> bool:
    """Return the conversation to the bot, which greets the citizen with the menu again."""
    from civicgate.chatbot.channels import deliver

    with transaction.atomic():
        now = timezone.now()
        changed = Conversation.objects.filter(pk=conversation.pk, handed_over=True).update(
            handed_over=False, assigned_to=None, state={}, last_activity_at=now, updated_at=now
        )
        if not changed:
            return False
        fresh = Conversation.objects.get(pk=conversation.pk)
        deliver.bot_back(fresh)
        record("chatbot.handed_back", actor=user, obj=fresh, request=request)
    return True
