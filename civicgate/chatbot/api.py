"""The web chat's JSON API under /api/v1/chat: send a message, read what came since.

POST /messages {"conversation": id|null, "text": "...", "choice": "<id>"} answers with the
bot's replies, the intent understood, its confidence and the conversation's language. The
conversation id is long and random: it is the only proof of the thread a widget holds.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import BaseModel, model_validator

from civicgate.accounts.citizen import current_citizen, over_rate_limit
from civicgate.api import ApiError
from civicgate.audit.chain import client_address
from civicgate.chatbot import actions, processing, web_turns
from civicgate.chatbot.flows.base import Reply
from civicgate.chatbot.models import Channel, Conversation, Message

router = Router(tags=["chatbot"])


class ErrorOut(Schema):
    error: str
    message: str


class MessageIn(Schema):
    conversation: str | None = Field(None, max_length=40)
    text: str | None = Field(None, max_length=actions.TEXT_MAX)
    choice: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def text_or_choice(self) -> "MessageIn":
        if not (self.text or "").strip() and not (self.choice or "").strip():
            raise ValueError("send text or a choice")
        return self


# The answer to every message is built from plain values, never from model instances, so
# its schemas are plain pydantic models: a ninja Schema would look each field up through
# attribute getters (for ORM objects), several times slower on a menu of ten choices.
class ChoiceOut(BaseModel):
    id: str
    title: str


class ReplyOut(BaseModel):
    text: str
    choices: list[ChoiceOut]
    image_url: str | None = None


class TurnOut(BaseModel):
    conversation: str
    replies: list[ReplyOut]
    intent: str
    confidence: float = Field(..., ge=0.0, le=1.0)
    language: str


class ThreadMessageOut(Schema):
    id: str
    sender: str
    text: str
    choices: list[ChoiceOut]
    image_url: str | None = None


class ThreadOut(Schema):
    conversation: str
    handed_over: bool
    language: str
    messages: list[ThreadMessageOut]


def _reply(message: Message) -> dict[str, Any]:
    payload = message.payload or {}
    return {
        "text": message.text,
        "choices": [{"id": c["id"], "title": c["title"]} for c in payload.get("choices", [])],
        "image_url": payload.get("image_url") or None,
    }


def _conversation(token: str) -> Conversation:
    found = Conversation.objects.filter(web_token=token, channel=Channel.WEB).first()
    if found is None:
        raise ApiError(
            404, "unknown_conversation", _("This conversation has ended. Please start a new one.")
        )
    return found


@router.post(
    "/messages",
    response={200: TurnOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Send the citizen's message (text or a chosen option) and get the bot's replies",
)
def send_message(request: HttpRequest, payload: MessageIn) -> TurnOut:
    address = client_address(request)
    if over_rate_limit("chat", address, settings.CHAT_RATE_LIMIT_PER_MINUTE, 60):
        raise ApiError(
            429, "rate_limited", _("Too many messages in a minute. Please wait a little.")
        )
    text = (payload.text or "").strip()
    choice = (payload.choice or "").strip()
    kind = Message.Kind.CHOICE if payload.choice else Message.Kind.TEXT
    start: Callable[[], Conversation] | None = None
    if not payload.conversation:
        # A citizen signed in on the site has proved the mobile already.
        citizen = current_citizen(request) if hasattr(request, "session") else None
        # A page already shown in Bengali or Hindi has chosen the language; English may be
        # only the default, so the bot asks.
        language = getattr(request, "LANGUAGE_CODE", "en") or "en"
        start = partial(
            web_turns.new_conversation,
            language=language,
            language_chosen=language in ("bn", "hi"),
            citizen=citizen,
        )
    # The common case in a few statements; a busy or unknown conversation, a message still
    # waiting or an error takes the general path below.
    turn = web_turns.answer(
        payload.conversation or None,
        start=start,
        text=text,
        choice=choice,
        kind=kind,
        client_address=address,
    )
    if turn is not None:
        # A TurnOut is only dumped by ninja; a dict would be validated once more.
        return TurnOut(
            conversation=turn.conversation.web_token,
            replies=[_reply_out(r) for r in turn.replies],
            intent=turn.intent or "fallback",
            confidence=turn.confidence or 0.0,
            language=turn.conversation.language,
        )
    return _send_in_steps(payload.conversation, start, text, choice, kind, address)


def _reply_out(reply: Reply) -> ReplyOut:
    return ReplyOut(
        text=reply.text,
        choices=[ChoiceOut(id=c.id, title=c.title) for c in reply.choices],
        image_url=reply.image_url or None,
    )


def _send_in_steps(
    token: str | None,
    start: Callable[[], Conversation] | None,
    text: str,
    choice: str,
    kind: str,
    address: str | None,
) -> TurnOut:
    """Store the message, then answer it when the conversation's lock allows (waiting for a
    request of the same conversation that holds it), reading the result back."""
    conversation: Conversation | Callable[[], Conversation]
    if token:
        conversation = _conversation(token)
    elif start is not None:
        conversation = start
    else:
        raise ValueError("A new conversation needs start().")
    conversation, inbound = processing.receive_and_answer(
        conversation, text=text, choice=choice, kind=kind, client_address=address
    )
    done = (
        Message.objects.filter(pk=inbound.pk)
        .values("state", "intent", "confidence", "language")
        .get()
    )
    if done["state"] != Message.State.DONE:
        raise ApiError(503, "busy", _("The assistant is busy. Please send your message again."))
    replies = list(Message.objects.filter(in_reply_to=inbound).order_by("id"))
    return TurnOut.model_validate(
        {
            "conversation": conversation.web_token,
            "replies": [_reply(m) for m in replies],
            "intent": done["intent"] or "fallback",
            "confidence": done["confidence"] or 0.0,
            "language": done["language"],
        }
    )


@router.get(
    "/conversations/{conversation}/messages",
    response={200: ThreadOut, 404: ErrorOut, 429: ErrorOut},
    summary="Messages to the citizen that answer none of theirs: the helpdesk's, reminders",
)
def thread(request: HttpRequest, conversation: str, after: str = "") -> dict[str, Any]:
    # The widget asks every 4 seconds; four times that is a client misbehaving.
    if over_rate_limit(
        "chat-poll", client_address(request), 4 * settings.CHAT_RATE_LIMIT_PER_MINUTE, 60
    ):
        raise ApiError(429, "rate_limited", _("Too many requests in a minute. Please wait."))
    found = _conversation(conversation)
    # Answers to the citizen's own messages came back with them; these are the others.
    messages = Message.objects.filter(
        conversation=found, direction=Message.Direction.OUT, in_reply_to__isnull=True
    )
    if after:
        anchor = Message.objects.filter(conversation=found, code=after).first()
        if anchor is not None:
            messages = messages.filter(pk__gt=anchor.pk)
    recent = list(messages.order_by("-id")[:50])[::-1]
    return {
        "conversation": found.web_token,
        "handed_over": found.handed_over,
        "language": found.language,
        "messages": [{"id": m.code, "sender": m.sender, **_reply(m)} for m in recent],
    }
