"""The outbox worker: claim due messages, send each once, record the outcome.

A claim is one conditional UPDATE per row: it succeeds only while the row is still due (queued
and its time has come, or "sending" with a claim that has run out because a worker died), so
of two workers that pick the same row exactly one wins. Each row is claimed just before it is
sent, and the claim lasts well beyond the HTTP timeout, so a row is taken over only from a
worker that is gone.
"""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F, Q
from django.utils import timezone

from civicgate.notify import actions
from civicgate.notify.backends import SendError, get_backend
from civicgate.notify.models import OutboundMessage

logger = logging.getLogger(__name__)
State = OutboundMessage.State

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
_random = random.SystemRandom()


def claim_seconds() -> int:
    return max(120, 4 * settings.NOTIFY_HTTP_TIMEOUT_SECONDS)


def _due() -> Q:
    now = timezone.now()
    return Q(state=State.QUEUED, next_attempt_at__lte=now) | Q(
        state=State.SENDING, claimed_until__lt=now
    )


def due_ids(limit: int) -> list[int]:
    """Candidates only: another worker may claim any of them first."""
    return list(
        OutboundMessage.objects.filter(_due())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def claim(pk: int) -> OutboundMessage | None:
    """Take one message for sending; None when another worker has it or it is no longer due."""
    now = timezone.now()
    won = OutboundMessage.objects.filter(_due(), pk=pk).update(
        state=State.SENDING,
        claimed_until=now + timedelta(seconds=claim_seconds()),
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return OutboundMessage.objects.get(pk=pk) if won else None


def backoff(attempt: int, retry_after: float | None = None) -> timedelta:
    """Exponential from 30 s, capped at an hour, with the upper half jittered so that many
    messages failing together (a gateway outage) do not all come back at the same second."""
    ceiling = min(BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_CAP_SECONDS)
    seconds = ceiling / 2 + _random.uniform(0, ceiling / 2)
    if retry_after is not None:
        seconds = max(seconds, min(retry_after, BACKOFF_CAP_SECONDS))
    return timedelta(seconds=seconds)


def deliver(message: OutboundMessage) -> str:
    """Send one claimed message; returns the state it was left in."""
    max_attempts = settings.NOTIFY_MAX_ATTEMPTS
    if message.attempts > max_attempts:
        actions.mark_failed(
            message, f"Gave up after {max_attempts} attempts; the last one did not finish."
        )
        return State.FAILED
    try:
        provider_id = get_backend(message.channel).send(message)
    except SendError as exc:
        error = exc
    except ImproperlyConfigured as exc:
        logger.error("Cannot send %s: %s", message.code, exc)
        error = SendError(f"Not configured: {exc}", retryable=True)
    except Exception as exc:
        logger.exception("Unexpected error sending %s", message.code)
        error = SendError(f"Unexpected error: {exc.__class__.__name__}", retryable=True)
    else:
        actions.mark_sent(message, provider_id)
        return State.SENT
    if error.retryable and message.attempts < max_attempts:
        actions.schedule_retry(message, error.reason, backoff(message.attempts, error.retry_after))
        logger.info(
            "Message %s will be retried (attempt %s): %s",
            message.code,
            message.attempts,
            error.reason,
        )
        return State.QUEUED
    actions.mark_failed(message, error.reason)
    logger.warning(
        "Message %s failed after %s attempts: %s", message.code, message.attempts, error.reason
    )
    return State.FAILED


def run_once(batch: int = 50) -> dict[str, int]:
    """Send what is due now, at most batch messages; returns how many ended in each state."""
    outcome: dict[str, int] = {}
    for pk in due_ids(batch):
        message = claim(pk)
        if message is None:
            continue
        state = deliver(message)
        outcome[state] = outcome.get(state, 0) + 1
    return outcome
