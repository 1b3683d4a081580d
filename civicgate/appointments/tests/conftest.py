"""Fixtures of the appointments tests: an official with office hours, citizens, a fixed clock.

The clock stands at Monday 8 March 2027, 09:00 in Kolkata (no seeded holiday that week).
"""

from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from civicgate.accounts.models import Citizen
from civicgate.appointments.models import Availability, WeeklyHours
from civicgate.core.crypto import blind_index
from civicgate.org.models import Official

IST = ZoneInfo("Asia/Kolkata")
MONDAY = date(2027, 3, 8)
NOW = datetime(2027, 3, 8, 9, 0, tzinfo=IST)
MOBILE = "+919830012345"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment in Kolkata as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=IST)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def set_hours(availability: Availability, stretches: list[tuple[int, str, str]]) -> None:
    availability.hours.all().delete()
    for weekday, start, end in stretches:
        WeeklyHours.objects.create(
            availability=availability,
            weekday=weekday,
            start=time.fromisoformat(start),
            end=time.fromisoformat(end),
        )


WEEKDAYS_10_TO_1 = [(d, "10:00", "13:00") for d in range(5)]


@pytest.fixture
def make_bookable(make_official: Callable[..., Official]) -> Callable[..., Official]:
    """An official with Availability (30-minute slots, weekdays 10:00-13:00 unless given)."""

    def make(hours: list[tuple[int, str, str]] | None = None, **rules: Any) -> Official:
        name = rules.pop("name", "Subrata Ghosh")
        office = rules.pop("office", None)
        extra = {"office": office} if office is not None else {}
        official = make_official(name=name, title="Executive Engineer", **extra)
        values = {"slot_minutes": 30, "min_notice_minutes": 60, "horizon_days": 30}
        values.update(rules)
        availability = Availability.objects.create(official=official, **values)
        set_hours(availability, hours if hours is not None else WEEKDAYS_10_TO_1)
        return official

    return make


@pytest.fixture
def engineer(make_bookable: Callable[..., Official]) -> Official:
    return make_bookable()


@pytest.fixture
def make_citizen(db: Any) -> Callable[..., Citizen]:
    counter = iter(range(1, 100_000))

    def make(mobile: str | None = None, name: str = "") -> Citizen:
        mobile = mobile or f"+9198311{next(counter):05d}"
        return Citizen.objects.create(
            mobile=mobile, mobile_index=blind_index(mobile, "mobile"), name=name
        )

    return make


@pytest.fixture
def citizen(make_citizen: Callable[..., Citizen]) -> Citizen:
    return make_citizen(MOBILE, "Anita Sen")
