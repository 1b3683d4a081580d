"""Answering stored messages: one worker per conversation at a time, in order of arrival.

A worker (the chat_worker command, or a web request answering its own message) first takes
the conversation's lock with a conditional UPDATE that only succeeds when nobody holds it or
the holder's lease ran out. The holder answers the conversation's waiting messages oldest
first, each claimed by a second conditional UPDATE (queued -> processing), so even a worker
whose lease ran out cannot answer a message twice. Plain UPDATEs, no advisory locks: the
same code works on SQLite and PostgreSQL.
"""

import logging
import secrets
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicgate.chatbot import engine
from civicgate.chatbot.channels import deliver
from civicgate.chatbot.flows.base import Incoming, Reply
from civicgate.chatbot.models import Conversation, Message

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
MAX_ATTEMPTS = 3
# A flow left waiting this long gets one polite reminder that it can be resumed.
IDLE_PROMPT_AFTER = timedelta(minutes=15)


def new_token() -> str:
    return secrets.token_hex(8)


def claim(conversation_id: int, token: str) -> bool:
    now = timezone.now()
    held = Conversation.objects.filter(pk=conversation_id)
    if held.filter(locked_until__isnull=True).update(locked_until=now + LEASE, lock_token=token):
        return True
    if not held.filter(locked_until__lt=now).update(locked_until=now + LEASE, lock_token=token):
        return False
    # The last holder's lease ran out: a message it left "processing" goes back to the queue.
    Message.objects.filter(
        conversation_id=conversation_id,
        direction=Message.Direction.IN,
        state=Message.State.PROCESSING,
    ).update(state=Message.State.QUEUED)
    return True


def release(conversation_id: int, token: str) -> None:
    Conversation.objects.filter(pk=conversation_id, lock_token=token).update(
        locked_until=None, lock_token=""
    )


def _renew(conversation_id: int, token: str) -> bool:
    return bool(
        Conversation.objects.filter(pk=conversation_id, lock_token=token).update(
            locked_until=timezone.now() + LEASE
        )
    )


def _incoming(message: Message) -> Incoming:
    payload = message.payload or {}
    return Incoming(
        text=message.text,
        choice=message.choice,
        location=payload.get("location"),
        image=payload.get("image"),
    )


def compute_turn(
    conversation: Conversation, incoming: Incoming, client_address: str | None
) -> engine.Turn:
    """The bot's answer to one message; conversation's attributes change, the caller saves."""
    if conversation.handed_over:
        # The helpdesk answers; the bot keeps quiet and only files the message.
        return engine.Turn([], "human", 1.0)
    if incoming.is_empty:
        with translation.override(conversation.language):
            text = _(
                "I can read text, buttons, location pins and photos. Please type your message."
            )
        return engine.Turn([Reply(text)], "fallback", 1.0)
    return engine.respond(conversation, incoming, client_address=client_address)


def _answer(message: Message, token: str, client_address: str | None) -> None:
    with transaction.atomic():
        conversation = Conversation.objects.get(pk=message.conversation_id)
        if conversation.lock_token != token:
            raise RuntimeError("The conversation's lock was lost.")
        turn = compute_turn(conversation, _incoming(message), client_address)
        Conversation.objects.filter(pk=conversation.pk).update(
            state=conversation.state,
            language=conversation.language,
            language_chosen=conversation.language_chosen,
            mobile=conversation.mobile,
            mobile_index=conversation.mobile_index,
            citizen=conversation.citizen,
            last_activity_at=timezone.now(),
            idle_prompted=False,
            updated_at=timezone.now(),
        )
        with translation.override(conversation.language):
            deliver.bot_turn(conversation, message, turn)
        Message.objects.filter(pk=message.pk).update(
            state=Message.State.DONE,
            intent=turn.intent,
            confidence=turn.confidence,
            language=conversation.language,
        )


def process_conversation(
    conversation_id: int, token: str, client_address: str | None = None
) -> int:
    """Answer the waiting messages of a conversation whose lock token holds. Returns how many."""
    answered = 0
    fresh = True
    while True:
        waiting = (
            Message.objects.filter(
                conversation_id=conversation_id,
                direction=Message.Direction.IN,
                state=Message.State.QUEUED,
            )
            .order_by("id")
            .first()
        )
        # The lease was just taken for the first message; later ones renew it.
        if waiting is None or not (fresh or _renew(conversation_id, token)):
            return answered
        fresh = False
        claimed = Message.objects.filter(pk=waiting.pk, state=Message.State.QUEUED).update(
            state=Message.State.PROCESSING, attempts=F("attempts") + 1
        )
        if not claimed:
            continue
        try:
            _answer(waiting, token, client_address)
            answered += 1
        except Exception:
            logger.exception("Answering chat message %s failed.", waiting.code)
            state = (
                Message.State.FAILED
                if waiting.attempts + 1 >= MAX_ATTEMPTS
                else Message.State.QUEUED
            )
            Message.objects.filter(pk=waiting.pk).update(state=state)
            if state == Message.State.QUEUED:
                return answered


def answer_now(
    message: Message, *, client_address: str | None = None, wait_seconds: float = 5.0
) -> bool:
    """Answer message within the request (web chat): take the lock, or wait while another
    request of the same conversation answers it. Returns whether it was answered."""
    token = new_token()
    deadline = time.monotonic() + wait_seconds
    pause = 0.005
    while True:
        if claim(message.conversation_id, token):
            try:
                process_conversation(message.conversation_id, token, client_address)
            finally:
                release(message.conversation_id, token)
        state = Message.objects.filter(pk=message.pk).values_list("state", flat=True).get()
        if state in (Message.State.DONE, Message.State.FAILED):
            return state == Message.State.DONE
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def receive_and_answer(
    conversation: Conversation | Callable[[], Conversation],
    *,
    text: str,
    choice: str,
    kind: str,
    client_address: str | None = None,
) -> tuple[Conversation, Message]:
    """Store a web message and answer it in the same transaction when the conversation is
    free (one commit per message); otherwise wait for the holder as answer_now() does.
    conversation: the conversation, or a function creating a new one (in the transaction)."""
    from civicgate.chatbot import actions

    token = new_token()
    with transaction.atomic():
        if callable(conversation):
            conversation = conversation()
        inbound = actions.receive(
            conversation, text=text, choice=choice, kind=kind, window=False
        ).message
        if claim(conversation.pk, token):
            try:
                process_conversation(conversation.pk, token, client_address)
            finally:
                release(conversation.pk, token)
            answered = True
        else:
            answered = False
    if not answered:
        answer_now(inbound, client_address=client_address)
    return conversation, inbound


def process_due(limit: int = 50) -> int:
    """One pass of the worker: answer the conversations that have waiting messages."""
    now = timezone.now()
    ids = list(
        Conversation.objects.filter(
            messages__direction=Message.Direction.IN,
            # A message "processing" in a conversation nobody holds was left by a dead worker.
            messages__state__in=[Message.State.QUEUED, Message.State.PROCESSING],
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .values_list("pk", flat=True)
        .distinct()[:limit]
    )
    answered = 0
    for conversation_id in ids:
        token = new_token()
        if not claim(conversation_id, token):
            continue
        try:
            answered += process_conversation(conversation_id, token)
        finally:
            release(conversation_id, token)
    return answered


def prompt_idle(limit: int = 100) -> int:
    """Remind citizens who stopped in the middle of a flow, once, that they can carry on."""
    cutoff = timezone.now() - IDLE_PROMPT_AFTER
    candidates = Conversation.objects.filter(
        last_activity_at__lt=cutoff,
        last_activity_at__gt=cutoff - timedelta(hours=23),
        idle_prompted=False,
        handed_over=False,
        state__has_key="flow",
    ).exclude(channel="cli")[:limit]
    prompted = 0
    for conversation in candidates:
        token = new_token()
        if not claim(conversation.pk, token):
            continue
        try:
            with transaction.atomic():
                if not Conversation.objects.filter(pk=conversation.pk, idle_prompted=False).update(
                    idle_prompted=True
                ):
                    continue
                with translation.override(conversation.language):
                    reply = Reply(
                        _(
                            "Are you still there? Your answers are kept: reply any time to carry "
                            "on, or type menu to start again."
                        )
                    )
                    deliver.bot_turn(conversation, None, engine.Turn([reply], "menu", 1.0))
                prompted += 1
        finally:
            release(conversation.pk, token)
    return prompted
