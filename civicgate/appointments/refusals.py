"""Refusing a booking of a full slot cheaply, for the moments many citizens want one place.

When the last place of a slot goes, hundreds of citizens may have pressed Book at once; all but
one are told it is taken, with the nearest free slots. Each of those answers costs one
hand-written query (building it through the ORM would cost more than running it) and no model
instances: the session row (sessions kept in the database, Django's default engine) together
with whether the slot is seen full, every place taken and no lapsed hold to give one back. A
session already read in this request, or kept by another engine, is read through
request.session, and the slot by a query of its own. The nearest free slots come from a cache kept a few seconds per official and emptied when a
place of the official is taken or given back (places.take / give_back, after the commit). They
are only suggestions: booking one goes through the same checks and conditional UPDATE as any
booking. A slot that does not look full goes on to the booking action, which decides.

That query is also the request's check of a kept database connection
(core.prepared.fetchone_first): Django would otherwise send a `SELECT 1` before it
(CONN_HEALTH_CHECKS), a second round trip for every refusal. On PostgreSQL it is prepared once
per connection.
"""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from civicgate.accounts.citizen import SESSION_KEY
from civicgate.appointments.models import Appointment
from civicgate.appointments.selectors.slots import Slot, nearest_free
from civicgate.core.prepared import fetchone_first
from civicgate.org.models import Official

ALTERNATIVES_SECONDS = 3
KEPT_STARTS = 64  # wanted starts kept per official; more start the official's entry afresh
DB_SESSIONS = "django.contrib.sessions.backends.db"
T = TypeVar("T")

# Written out once: table and column names as the models' migrations create them.
_SESSION_SQL = "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > %s"
# Every place of the slot taken, and no lapsed hold to give one back.
_FULL = """
SELECT 1 FROM appointments_slotload s
JOIN org_official o ON o.id = s.official_id
JOIN appointments_availability a ON a.official_id = s.official_id
WHERE o.code = %s AND s.start = %s AND s.taken >= a.capacity
AND NOT EXISTS (
    SELECT 1 FROM appointments_appointment h
    WHERE h.official_id = s.official_id AND h.start = s.start
    AND h.state = %s AND h.hold_expires_at <= %s
)
"""
_SEEN_FULL_SQL = f"{_FULL} LIMIT 1"
# The same condition, with the session row, in one round trip.
_SESSION_AND_FULL_SQL = (
    f"SELECT session_data, EXISTS({_FULL}) "  # noqa: S608 - no values in the text
    "FROM django_session WHERE session_key = %s AND expire_date > %s"
)


def _moment(value: datetime) -> Any:
    # What the DateTimeField sends for an aware datetime, without the field's own checks.
    return connection.ops.adapt_datetimefield_value(value)


def citizen_code_and_full(
    request: HttpRequest, official_code: str, start: datetime
) -> tuple[str, bool] | None:
    """The signed-in citizen's code (from the session) and whether the slot is seen full, in
    one query; None when no citizen is signed in. The citizen's row is not read: a refusal
    tells nothing the public free slots do not, and anything further reads it."""
    session: Any = request.session
    if session.accessed or settings.SESSION_ENGINE != DB_SESSIONS:
        code = session.get(SESSION_KEY)
        full = bool(code) and seen_full(official_code, start)
    else:
        key = session.session_key
        if not key:
            return None
        now = _moment(timezone.now())
        params = [*_full_params(official_code, start, now), key, now]
        row = fetchone_first(_SESSION_AND_FULL_SQL, params)
        if row is None:
            return None
        code, full = session.decode(row[0]).get(SESSION_KEY), bool(row[1])
    return (code, full) if isinstance(code, str) and code else None


def seen_full(official_code: str, start: datetime, now: datetime | None = None) -> bool:
    """One query: every place of this slot taken, and no lapsed hold to give one back."""
    with connection.cursor() as cursor:
        params = _full_params(official_code, start, _moment(now or timezone.now()))
        cursor.execute(_SEEN_FULL_SQL, params)
        return cursor.fetchone() is not None


def _full_params(official_code: str, start: datetime, now: Any) -> list[Any]:
    # now: as _moment() gives it, once for both of its uses in _SESSION_AND_FULL_SQL.
    return [official_code, _moment(start), Appointment.State.HELD.value, now]


def _nearest_keys(official_code: str) -> tuple[str, str]:
    return (
        f"appointments:nearest:slots:{official_code}",
        f"appointments:nearest:json:{official_code}",
    )


def forget_nearest(official_code: str) -> None:
    """Empty the official's kept nearest free slots (a place was taken or given back)."""
    cache.delete_many(_nearest_keys(official_code))


def _kept(key: str, start: datetime, compute: Callable[[], T | None]) -> T | None:
    """The value kept under key for start if computed in the last few seconds, else
    compute() (None when there is nothing to offer: not kept)."""
    wanted = f"{start.timestamp():.0f}"
    now = time.time()
    entry = cache.get(key) or {}
    at, value = entry.get(wanted, (0.0, None))
    if value is not None and now - at < ALTERNATIVES_SECONDS:
        return value
    value = compute()
    if value is not None:
        if len(entry) >= KEPT_STARTS:
            entry = {}
        entry[wanted] = (now, value)
        cache.set(key, entry, ALTERNATIVES_SECONDS)
    return value


def _nearest(official_code: str, start: datetime, official: Official | None = None) -> Any:
    def compute() -> list[Slot] | None:
        found = official or (
            Official.objects.filter(code=official_code)
            .select_related("employee__office", "employee__department")
            .first()
        )
        return nearest_free(found, start) if found else None

    return _kept(_nearest_keys(official_code)[0], start, compute)


def nearest_slots(official: Official, start: datetime) -> list[Slot]:
    """The official's nearest free slots to start, kept a few seconds (for the actions)."""
    return _nearest(official.code, start, official) or []


def nearest_json(
    official_code: str, start: datetime, render: Callable[[list[Slot]], str]
) -> str | None:
    """The official's nearest free slots to start as render() writes them, kept a few
    seconds (from the same kept slots as nearest_slots); None if there is no such official."""

    def compute() -> str | None:
        slots = _nearest(official_code, start)
        return None if slots is None else render(slots)

    return _kept(_nearest_keys(official_code)[1], start, compute)
