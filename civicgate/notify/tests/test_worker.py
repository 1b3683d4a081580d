"""The worker's claims: two workers never send one message twice; a dead worker's claim ends."""

import threading
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from civicgate.notify import actions
from civicgate.notify.models import OutboundMessage
from civicgate.notify.outbox import enqueue
from civicgate.notify.worker import backoff, claim, claim_seconds, due_ids, run_once

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 5, 10, 0, tzinfo=UTC)
State = OutboundMessage.State


def queued(count: int = 1) -> list[OutboundMessage]:
    return [
        enqueue("sms", f"+9198300{n:05d}", "otp_code", {"code": "123456", "minutes": 5})
        for n in range(1, count + 1)
    ]


def test_of_two_workers_claiming_one_message_only_one_wins() -> None:
    # Given one queued message seen by two workers
    [message] = queued()

    # When both try to claim it
    first, second = claim(message.pk), claim(message.pk)

    # Then exactly one has it, and it counts as one attempt
    assert first is not None
    assert second is None
    message.refresh_from_db()
    assert message.state == State.SENDING
    assert message.attempts == 1


def test_two_workers_listing_the_same_messages_send_each_once(settings: Any) -> None:
    # Given three queued messages and two workers that listed the same candidates
    settings.SMS_BACKEND = "console"
    queued(3)
    seen_by_first, seen_by_second = due_ids(10), due_ids(10)
    assert seen_by_first == seen_by_second

    # When the first worker sends them all, then the second works through its list
    assert run_once() == {"sent": 3}
    taken_by_second = [claim(pk) for pk in seen_by_second]

    # Then the second worker got none of them
    assert taken_by_second == [None, None, None]
    assert set(OutboundMessage.objects.values_list("attempts", flat=True)) == {1}


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_it_expires() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        [message] = queued()
        # Given a worker that claimed the message and died
        assert claim(message.pk)

        # Then nobody else may take it while the claim lasts
        traveller.shift(timedelta(seconds=claim_seconds() - 1))
        assert due_ids(10) == []
        assert claim(message.pk) is None

        # But once the claim has run out another worker takes it
        traveller.shift(timedelta(seconds=2))
        taken = claim(message.pk)
    assert taken is not None
    assert taken.attempts == 2


def test_a_worker_that_lost_its_claim_cannot_overwrite_the_outcome() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        [message] = queued()
        slow = claim(message.pk)
        assert slow is not None
        # Given the claim ran out and a second worker sent the message
        traveller.shift(timedelta(seconds=claim_seconds() + 1))
        fast = claim(message.pk)
        assert fast is not None
        assert actions.mark_sent(fast, "gw-fast")

        # When the first worker finally reports a failure
        recorded = actions.mark_failed(slow, "timeout")

    # Then the second worker's result stands
    assert recorded is False
    message.refresh_from_db()
    assert message.state == State.SENT
    assert message.provider_message_id == "gw-fast"


def test_a_message_whose_every_attempt_died_mid_send_is_failed(settings: Any) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 2
    with time_machine.travel(T0, tick=False) as traveller:
        [message] = queued()
        for _ in range(2):
            assert claim(message.pk)
            traveller.shift(timedelta(seconds=claim_seconds() + 1))

        assert run_once() == {"failed": 1}

    message.refresh_from_db()
    assert message.state == State.FAILED
    assert "Gave up after 2 attempts" in message.last_error


def test_backoff_doubles_and_is_capped() -> None:
    for attempt, ceiling in [(1, 30), (2, 60), (3, 120), (8, 3600), (20, 3600)]:
        delays = {backoff(attempt).total_seconds() for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered


def test_the_worker_command_sends_what_is_due_once(settings: Any) -> None:
    settings.SMS_BACKEND = "console"
    messages = queued(2)
    out = StringIO()

    call_command("notify_worker", "--once", "--batch", "5", stdout=out)

    assert "2 sent" in out.getvalue()
    assert {m.state for m in OutboundMessage.objects.filter(pk__in=[m.pk for m in messages])} == {
        State.SENT
    }


def test_the_worker_command_respects_its_batch_size(settings: Any) -> None:
    settings.SMS_BACKEND = "console"
    queued(3)

    call_command("notify_worker", "--once", "--batch", "2", stdout=StringIO())

    assert OutboundMessage.objects.filter(state=State.SENT).count() == 2
    assert OutboundMessage.objects.filter(state=State.QUEUED).count() == 1


def test_a_misconfigured_backend_keeps_the_message_for_later(settings: Any) -> None:
    settings.SMS_BACKEND = "carrier-pigeon"
    [message] = queued()

    assert run_once() == {"queued": 1}

    message.refresh_from_db()
    assert "SMS_BACKEND" in message.last_error


@pytest.mark.django_db(transaction=True)
def test_two_workers_in_parallel_send_every_message_exactly_once(sms_gateway: Any) -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("in-memory SQLite refuses a second writer at once (table is locked)")
    # Given twenty queued messages and two workers started at the same moment
    for n in range(20):
        OutboundMessage.objects.create(
            channel="sms",
            recipient=f"+9198300{n:05d}",
            body="Your gate pass is ready.",
            payload={"dlt_template_id": "1107000000000000001"},
            next_attempt_at=timezone.now(),
        )
    start = threading.Barrier(2)
    outcomes: list[dict[str, int]] = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.append(run_once(batch=50))
        finally:
            connection.close()

    # When both run
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then the gateway got each message once, shared between the workers
    references = [r.body["reference"] for r in sms_gateway.requests]
    assert len(references) == 20
    assert len(set(references)) == 20
    assert sum(o.get("sent", 0) for o in outcomes) == 20
    assert OutboundMessage.objects.filter(state=State.SENT, attempts=1).count() == 20
