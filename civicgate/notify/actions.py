"""Every change of an outbound message's state: sent, retried, failed, delivered, read.

Results of a send are written only while the worker still holds its claim (the row is still
"sending" with the claimed_until it set), so a worker that lost its claim cannot overwrite the
outcome recorded by the one that took over.
"""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from civicgate.audit.chain import record
from civicgate.notify.models import OutboundMessage

logger = logging.getLogger(__name__)
State = OutboundMessage.State
WORKER = "notify worker"


def _held(message: OutboundMessage) -> Any:
    return OutboundMessage.objects.filter(
        pk=message.pk, state=State.SENDING, claimed_until=message.claimed_until
    )


def mark_sent(message: OutboundMessage, provider_message_id: str) -> bool:
    now = timezone.now()
    done = _held(message).update(
        state=State.SENT,
        provider_message_id=provider_message_id[:120],
        sent_at=now,
        claimed_until=None,
        last_error="",
        updated_at=now,
    )
    if not done:
        logger.warning("Message %s was sent after its claim expired.", message.code)
    return bool(done)


def schedule_retry(message: OutboundMessage, reason: str, delay: timedelta) -> bool:
    now = timezone.now()
    return bool(
        _held(message).update(
            state=State.QUEUED,
            next_attempt_at=now + delay,
            claimed_until=None,
            last_error=reason[:1000],
            updated_at=now,
        )
    )


def mark_failed(message: OutboundMessage, reason: str) -> bool:
    """Give up on a message, and say so in the audit trail."""
    now = timezone.now()
    with transaction.atomic():
        done = _held(message).update(
            state=State.FAILED, claimed_until=None, last_error=reason[:1000], updated_at=now
        )
        if done:
            record(
                "notify.message_failed",
                actor=WORKER,
                obj=message,
                data={
                    "channel": message.channel,
                    "template": message.template_key,
                    "attempts": message.attempts,
                    "reason": reason[:300],
                },
            )
    return bool(done)


def retry_now(message: OutboundMessage, *, actor: Any, request: HttpRequest | None = None) -> bool:
    """Put a failed message back in the queue with a fresh set of attempts."""
    now = timezone.now()
    with transaction.atomic():
        done = OutboundMessage.objects.filter(pk=message.pk, state=State.FAILED).update(
            state=State.QUEUED, attempts=0, next_attempt_at=now, claimed_until=None, updated_at=now
        )
        if done:
            record(
                "notify.message_retried",
                actor=actor,
                request=request,
                obj=message,
                data={"channel": message.channel, "previous_error": message.last_error[:300]},
            )
    if done:
        message.refresh_from_db()
    return bool(done)


# Providers report a message's progress out of order at times; a report never moves it back.
_RANK = {State.QUEUED: 0, State.SENDING: 1, State.SENT: 2, State.DELIVERED: 3, State.READ: 4}


def apply_delivery_status(
    channel: str, provider_message_id: str, status: str, at: datetime, error: str = ""
) -> OutboundMessage | None:
    """Record what the provider says happened to a message it accepted.

    status: sent, delivered, read or failed. Returns the message, or None when no message
    has that provider id.
    """
    if not provider_message_id:
        return None
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update()
            .filter(channel=channel, provider_message_id=provider_message_id)
            .first()
        )
        if message is None:
            return None
        before = message.state
        if status == "failed":
            if before in (State.SENDING, State.SENT):
                message.state = State.FAILED
                message.last_error = (
                    error or "The provider reported the message as not delivered."
                )[:1000]
        elif status in ("sent", "delivered", "read") and before != State.FAILED:
            target = State(status)
            if _RANK[target] > _RANK[State(before)]:
                message.state = target
            if target in (State.DELIVERED, State.READ) and message.delivered_at is None:
                message.delivered_at = at
            if message.sent_at is None:
                message.sent_at = at
        message.save(update_fields=["state", "last_error", "delivered_at", "sent_at", "updated_at"])
        if message.state == State.FAILED and before != State.FAILED:
            record(
                "notify.message_failed",
                actor=f"{channel} delivery report",
                obj=message,
                data={
                    "channel": channel,
                    "template": message.template_key,
                    "reason": message.last_error[:300],
                },
            )
    return message
