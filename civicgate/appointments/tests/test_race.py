"""Many citizens at once on the last place: exactly the capacity is booked, on both databases.

Real threads, each with its own database connection, released together by a barrier. The
in-memory SQLite test database cannot hold two writers at once, so on SQLite the race runs in a
child pytest against a SQLite file, as production SQLite runs.
"""

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from civicgate.accounts.models import Citizen
from civicgate.appointments import actions
from civicgate.appointments.models import Appointment, DayLoad, SlotLoad
from civicgate.appointments.tests.conftest import MONDAY, at
from civicgate.org.models import Official
from civicgate.passes.models import GatePass

TUESDAY = MONDAY + timedelta(days=1)
RACERS = 16
REMINDER_RACE = (
    str(Path(__file__).with_name("test_reminders.py"))
    + "::test_two_workers_at_once_send_each_reminder_once"
)


def in_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def race(attempts: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run every attempt in its own thread, all released at once; results and errors."""
    barrier = threading.Barrier(len(attempts))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(attempt: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results.append(attempt())
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def booking(official: Official, citizen: Citizen, hour: int = 10) -> Callable[[], Any]:
    return lambda: actions.book_appointment(
        official=official, start=at(TUESDAY, hour), citizen=citizen, name="A", purpose="B"
    )


def needs_real_writers() -> None:
    if in_memory_sqlite():
        pytest.skip("needs PostgreSQL or a file SQLite database (SQLITE_TEST_PATH)")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("capacity", [1, 3])
def test_many_citizens_racing_for_a_slot_book_exactly_its_capacity(
    clock: Any,
    make_bookable: Callable[..., Official],
    make_citizen: Callable[..., Citizen],
    capacity: int,
) -> None:
    needs_real_writers()
    # Given a slot with `capacity` places and many citizens pressing Book at the same moment
    official = make_bookable(capacity=capacity)
    citizens = [make_citizen() for _ in range(RACERS)]
    # When they all book Tuesday 10:00 at once
    results, errors = race([booking(official, c) for c in citizens])
    # Then exactly `capacity` are booked and every other one is told the slot is taken,
    # with the nearest free slots offered
    assert len(results) == capacity
    assert all(isinstance(e, actions.SlotTaken) for e in errors), errors
    assert len(errors) == RACERS - capacity
    assert all(e.alternatives for e in errors if isinstance(e, actions.SlotTaken))
    assert Appointment.objects.filter(state="confirmed").count() == capacity
    assert SlotLoad.objects.get(start=at(TUESDAY, 10)).taken == capacity
    assert GatePass.objects.count() == capacity


@pytest.mark.django_db(transaction=True)
def test_one_citizen_racing_for_many_slots_stays_within_the_limit(
    clock: Any, make_bookable: Callable[..., Official], citizen: Citizen
) -> None:
    needs_real_writers()
    official = make_bookable(per_citizen_limit=2)
    results, errors = race([booking(official, citizen, hour) for hour in (10, 11, 12)] * 2)
    assert len(results) == 2
    assert Appointment.objects.filter(citizen=citizen, state="confirmed").count() == 2
    assert all(isinstance(e, actions.LimitReached | actions.SlotTaken) for e in errors), errors


@pytest.mark.django_db(transaction=True)
def test_racing_for_a_full_day_books_no_more_than_the_daily_maximum(
    clock: Any, make_bookable: Callable[..., Official], make_citizen: Callable[..., Citizen]
) -> None:
    needs_real_writers()
    official = make_bookable(max_per_day=2)
    results, _errors = race(
        [booking(official, make_citizen(), hour) for hour in (10, 10, 11, 11, 12, 12)]
    )
    assert len(results) == 2
    assert DayLoad.objects.get(official=official, day=TUESDAY).taken == 2


@pytest.mark.django_db(transaction=True)
def test_two_officials_confirming_one_request_at_once_confirm_it_once(
    clock: Any, make_bookable: Callable[..., Official], citizen: Citizen, make_user: Any
) -> None:
    needs_real_writers()
    official = make_bookable(booking_mode="request")
    appointment = booking(official, citizen)()
    official_user = make_user("subrata", "official", employee=official.employee)
    clerk = make_user("clerk", "department_staff", offices=[official.office])
    copies = [Appointment.objects.get(pk=appointment.pk) for _ in range(2)]
    results, errors = race(
        [
            lambda: actions.confirm_appointment(copies[0], user=official_user),
            lambda: actions.confirm_appointment(copies[1], user=clerk),
        ]
    )
    assert len(results) == 1
    assert [type(e) for e in errors] == [actions.Changed]
    assert GatePass.objects.count() == 1


def test_the_races_hold_on_a_sqlite_file_database(tmp_path: Any) -> None:
    if not in_memory_sqlite():
        pytest.skip("the races above run on this database directly")
    env = {**os.environ, "SQLITE_TEST_PATH": str(tmp_path / "race.sqlite3")}
    child = subprocess.run(
        [sys.executable, "-m", "pytest", __file__, REMINDER_RACE, "-q", "-k", "not sqlite_file"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == 0, child.stdout[-3000:] + child.stderr[-2000:]
    assert "6 passed" in child.stdout
