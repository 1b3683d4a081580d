"""Free slots follow working hours, buffers, notice, horizon, holidays, leave and bookings."""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from civicgate.accounts.models import Citizen
from civicgate.appointments.actions import book_appointment, department_free_slots, free_slots
from civicgate.appointments.models import Availability, Holiday, Leave
from civicgate.appointments.tests.conftest import MONDAY, at
from civicgate.org.models import Office, Official

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + timedelta(days=1)


def starts(slots: list[Any], day: date) -> list[str]:
    return [
        f"{s.start.astimezone(at(day, 0).tzinfo):%H:%M}"
        for s in slots
        if s.start.astimezone(at(day, 0).tzinfo).date() == day
    ]


def test_slots_follow_the_weekly_hours_and_skip_the_weekend(clock: Any, engineer: Official) -> None:
    # Given weekdays 10:00-13:00 with 30-minute slots
    # When the slots of the coming week are listed
    slots = free_slots(engineer, days=7)
    # Then each weekday has six slots and Saturday and Sunday none
    assert starts(slots, TUESDAY) == ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30"]
    assert starts(slots, MONDAY + timedelta(days=5)) == []
    assert starts(slots, MONDAY + timedelta(days=6)) == []
    assert all(s.places_left == 1 for s in slots)


def test_minimum_notice_hides_slots_starting_too_soon(
    clock: Any, make_bookable: Callable[..., Official]
) -> None:
    # Given an official who needs two hours' notice, at 09:00 on Monday
    official = make_bookable(min_notice_minutes=120)
    # Then Monday starts at 11:00
    assert starts(free_slots(official, days=1), MONDAY) == ["11:00", "11:30", "12:00", "12:30"]


def test_buffers_space_the_slots_and_keep_them_inside_the_hours(
    clock: Any, make_bookable: Callable[..., Official]
) -> None:
    # Given 20-minute meetings with 5 minutes before and 5 after
    official = make_bookable(slot_minutes=20, buffer_before_minutes=5, buffer_after_minutes=5)
    # Then a slot starts every 30 minutes, 5 minutes in, and the last one ends 5 before 13:00
    slots = [s for s in free_slots(official, days=2) if s.start.date() == TUESDAY]
    assert starts(slots, TUESDAY) == ["10:05", "10:35", "11:05", "11:35", "12:05", "12:35"]
    assert slots[-1].end == at(TUESDAY, 12, 55)


def test_the_horizon_limits_how_far_ahead_slots_are_offered(
    clock: Any, make_bookable: Callable[..., Official]
) -> None:
    official = make_bookable(horizon_days=3)
    days = {s.start.astimezone(at(MONDAY, 0).tzinfo).date() for s in free_slots(official)}
    assert max(days) == MONDAY + timedelta(days=3)


def test_a_holiday_for_every_office_and_one_for_this_office_close_the_day(
    clock: Any, engineer: Official, borough: Office
) -> None:
    # Given a State holiday on Tuesday and an office holiday on Wednesday
    Holiday.objects.create(date=TUESDAY, name="State holiday")
    Holiday.objects.create(date=TUESDAY + timedelta(days=1), name="Office", office=engineer.office)
    Holiday.objects.create(date=TUESDAY + timedelta(days=2), name="Other office", office=borough)
    slots = free_slots(engineer, days=5)
    # Then Tuesday and Wednesday have no slots, Thursday (another office's holiday) has
    assert starts(slots, TUESDAY) == []
    assert starts(slots, TUESDAY + timedelta(days=1)) == []
    assert len(starts(slots, TUESDAY + timedelta(days=2))) == 6


def test_leave_with_a_delegate_offers_the_delegates_slots(
    clock: Any, make_bookable: Callable[..., Official]
) -> None:
    # Given an official on leave Tuesday-Wednesday with a delegate who works 14:00-15:00
    official = make_bookable()
    delegate = make_bookable([(d, "14:00", "15:00") for d in range(5)], name="Rina Das")
    Leave.objects.create(
        official=official,
        first_day=TUESDAY,
        last_day=TUESDAY + timedelta(days=1),
        delegate=delegate,
    )
    slots = free_slots(official, days=4)
    # Then those days offer the delegate's slots, marked as delegated; other days the official's
    tuesday = [s for s in slots if s.start.date() == TUESDAY]
    assert starts(tuesday, TUESDAY) == ["14:00", "14:30"]
    assert {s.official for s in tuesday} == {delegate}
    assert {s.delegated_from for s in tuesday} == {official}
    assert {s.official for s in slots if s.start.date() == MONDAY} == {official}


def test_leave_without_a_delegate_offers_nothing_those_days(clock: Any, engineer: Official) -> None:
    Leave.objects.create(official=engineer, first_day=TUESDAY, last_day=TUESDAY)
    assert starts(free_slots(engineer, days=3), TUESDAY) == []


def test_a_booked_slot_disappears_and_a_shared_slot_shows_places_left(
    clock: Any, make_bookable: Callable[..., Official], make_citizen: Callable[..., Citizen]
) -> None:
    # Given an official hearing three citizens per slot, one of whom booked Tuesday 10:00
    official = make_bookable(capacity=3)
    single = make_bookable(name="Rina Das")
    for who in (official, single):
        book_appointment(
            official=who, start=at(TUESDAY, 10), citizen=make_citizen(), name="A", purpose="B"
        )
    # Then the shared slot has two places left and the single one is gone
    shared = next(s for s in free_slots(official, days=2) if s.start == at(TUESDAY, 10))
    assert shared.places_left == 2
    assert at(TUESDAY, 10) not in {s.start for s in free_slots(single, days=2)}


def test_the_daily_maximum_closes_a_full_day(
    clock: Any, make_bookable: Callable[..., Official], make_citizen: Callable[..., Citizen]
) -> None:
    official = make_bookable(max_per_day=2)
    for hour in (10, 11):
        book_appointment(
            official=official,
            start=at(TUESDAY, hour),
            citizen=make_citizen(),
            name="A",
            purpose="B",
        )
    slots = free_slots(official, days=3)
    assert starts(slots, TUESDAY) == []
    assert len(starts(slots, TUESDAY + timedelta(days=1))) == 6


def test_a_department_lists_the_slots_of_its_bookable_officials_only(
    clock: Any,
    make_bookable: Callable[..., Official],
    make_official: Callable[..., Official],
    water: Any,
) -> None:
    # Given two bookable officials, one not accepting, and one with no availability
    one = make_bookable()
    two = make_bookable(name="Rina Das")
    paused = make_bookable(name="Paused")
    Availability.objects.filter(official=paused).update(accepting=False)
    make_official(name="No rules")
    # When the department's slots are listed
    slots = department_free_slots(water, days=2)
    # Then both bookable officials' slots are there, sorted by time
    assert {s.official for s in slots} == {one, two}
    assert [s.start for s in slots] == sorted(s.start for s in slots)


def test_slots_of_one_official_take_a_fixed_number_of_queries(
    clock: Any, engineer: Official, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(7):
        free_slots(engineer, days=30)
