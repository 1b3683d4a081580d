"""Places of slots and days: the SlotLoad / DayLoad counters, changed inside a transaction.

Take: one statement per counter, written out once, that inserts the row with one place taken
or, when it exists, adds one where taken < capacity (INSERT ... ON CONFLICT DO UPDATE ... WHERE),
returning the count when it took a place. On PostgreSQL concurrent takers wait on the row and
re-check the condition after the winner commits; on SQLite the write transaction is serial.
Either way no more than the capacity is ever taken. Once the transaction commits, the
official's kept nearest free slots (refusals.py) are forgotten, as they may have changed.
"""

from datetime import date, datetime
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from civicgate.appointments.models import Appointment, Availability, DayLoad, SlotLoad
from civicgate.appointments.refusals import forget_nearest
from civicgate.appointments.selectors.slots import zone
from civicgate.org.models import Official


def local_day(official: Official, moment: datetime) -> date:
    return moment.astimezone(zone(official.employee.office.time_zone)).date()


def release_lapsed(official: Official, *, start: datetime | None = None) -> int:
    """Lapse held places whose hold has run out (of one slot, or all of the official's) and
    give their places back. Returns how many were released."""
    now = timezone.now()
    held = Appointment.objects.filter(
        official=official, state=Appointment.State.HELD, hold_expires_at__lte=now
    )
    if start is not None:
        held = held.filter(start=start)
    released = 0
    for appointment_id, slot_start in list(held.values_list("pk", "start")):
        # One row at a time: each lapse gives back exactly the place it held, even when two
        # transactions sweep the same holds at once (the loser updates nothing).
        if Appointment.objects.filter(pk=appointment_id, state=Appointment.State.HELD).update(
            state=Appointment.State.LAPSED, closed_at=now, updated_at=now
        ):
            give_back(official, slot_start)
            released += 1
    return released


def _take_sql(model: Any, key: str, other: str = "", *, limited: bool = True) -> str:
    """INSERT of a counter row with one place taken, or one more place where the row exists
    (limited: while fewer than the statement's last parameter are taken); RETURNING a row only
    when it took the place."""
    q = connection.ops.quote_name
    table, taken = q(model._meta.db_table), q("taken")
    columns = ["official_id", key, *([other] if other else [])]
    condition = f" WHERE {table}.{taken} < %s" if limited else ""
    return (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}, {taken}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}, 1) "
        f"ON CONFLICT ({q('official_id')}, {q(key)}) DO UPDATE SET {taken} = {table}.{taken} + 1"
        f"{condition} RETURNING {taken}"
    )


_TAKE_SLOT = _take_sql(SlotLoad, "start", "end")
_TAKE_DAY = _take_sql(DayLoad, "day")
_COUNT_DAY = _take_sql(DayLoad, "day", limited=False)


def _took(sql: str, params: list[Any]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def take(official: Official, availability: Availability, start: datetime, end: datetime) -> str:
    """Take one place of the slot and of its day. Returns "" or why not: "slot" / "day"."""
    transaction.on_commit(partial(forget_nearest, official.code))
    ops, capacity = connection.ops, availability.capacity
    slot = [official.pk, ops.adapt_datetimefield_value(start), ops.adapt_datetimefield_value(end)]
    # A new row starts at one place taken: a slot of no places takes none.
    if capacity < 1 or not _took(_TAKE_SLOT, [*slot, capacity]):
        if not release_lapsed(official, start=start):
            return "slot"
        if capacity < 1 or not _took(_TAKE_SLOT, [*slot, capacity]):
            return "slot"
    # Every day is counted (so a maximum set later starts right); only a maximum refuses.
    day = [official.pk, ops.adapt_datefield_value(local_day(official, start))]
    limit = availability.max_per_day
    sql, params = (_TAKE_DAY, [*day, limit]) if limit else (_COUNT_DAY, day)
    if not _took(sql, params) and (not release_lapsed(official) or not _took(sql, params)):
        return "day"
    return ""


def give_back(official: Official, start: datetime) -> None:
    """Return one place of the slot and its day (after a cancellation, decline or lapse)."""
    transaction.on_commit(partial(forget_nearest, official.code))
    SlotLoad.objects.filter(official=official, start=start, taken__gt=0).update(
        taken=F("taken") - 1
    )
    DayLoad.objects.filter(official=official, day=local_day(official, start), taken__gt=0).update(
        taken=F("taken") - 1
    )
