"""Reminders the day before and two hours before, each sent once, even with two workers."""

import io
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections

from civicgate.accounts.models import Citizen
from civicgate.appointments import actions
from civicgate.appointments.models import Appointment
from civicgate.appointments.reminders import send_due_reminders, sweep_lapsed_holds
from civicgate.appointments.tests.conftest import MONDAY, at
from civicgate.appointments.tests.test_race import needs_real_writers
from civicgate.notify.models import OutboundMessage
from civicgate.org.models import Official

TUESDAY = MONDAY + timedelta(days=1)


def reminders() -> int:
    return OutboundMessage.objects.filter(
        template_key="appointment_reminder", channel="sms"
    ).count()


def book(official: Official, citizen: Citizen, hour: int, **kw: Any) -> Appointment:
    return actions.book_appointment(
        official=official, start=at(TUESDAY, hour), citizen=citizen, name="A", purpose="B", **kw
    )


@pytest.mark.django_db
def test_the_day_before_and_two_hours_before_reminders_go_once_each(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    # Given an appointment on Tuesday 11:00 booked on Monday 09:00
    book(engineer, citizen, 11)
    # Nothing is due on Monday morning
    assert send_due_reminders() == 0
    # On Monday 11:00 (24 hours before) the day-before reminder goes, once
    clock.move_to(at(MONDAY, 11))
    assert send_due_reminders() == 1
    assert send_due_reminders() == 0
    # On Tuesday 09:00 (2 hours before) the second reminder goes, once
    clock.move_to(at(TUESDAY, 9))
    assert send_due_reminders() == 1
    call_command("appointment_reminders", stdout=io.StringIO())
    assert reminders() == 2
    assert (
        OutboundMessage.objects.filter(
            template_key="appointment_reminder", channel="whatsapp"
        ).count()
        == 2
    )


@pytest.mark.django_db
def test_a_booking_made_within_a_day_skips_the_day_before_reminder(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    clock.move_to(at(MONDAY, 15))
    book(engineer, citizen, 12)
    clock.move_to(at(TUESDAY, 10))
    assert send_due_reminders() == 1
    assert reminders() == 1


@pytest.mark.django_db
def test_cancelled_appointments_get_no_reminder(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    appointment = book(engineer, citizen, 11)
    actions.cancel_appointment(appointment=appointment, actor=citizen)
    clock.move_to(at(TUESDAY, 9))
    assert send_due_reminders() == 0


@pytest.mark.django_db
def test_rescheduling_sends_the_reminders_again_for_the_new_time(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    appointment = book(engineer, citizen, 10)
    clock.move_to(at(MONDAY, 10, 30))
    assert send_due_reminders() == 1
    actions.reschedule_appointment(
        appointment=appointment, start=at(TUESDAY + timedelta(days=1), 12), citizen=citizen
    )
    clock.move_to(at(TUESDAY, 12))
    assert send_due_reminders() == 1


@pytest.mark.django_db
def test_the_sweep_gives_back_places_of_lapsed_holds(
    clock: Any, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    actions.hold_slot(official=engineer, start=at(TUESDAY, 10), citizen=make_citizen())
    clock.shift(timedelta(minutes=10))
    assert sweep_lapsed_holds() == 1
    assert Appointment.objects.get().state == Appointment.State.LAPSED


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once(
    clock: Any, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    needs_real_writers()
    for hour in (10, 11, 12):
        book(engineer, make_citizen(), hour)
    clock.move_to(at(MONDAY, 12, 30))
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def worker() -> None:
        try:
            barrier.wait()
            sent.append(send_due_reminders())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(sent) == 3
    assert reminders() == 3
