"""Places of slots and days: conditional UPDATEs on SlotLoad / DayLoad, inside a transaction.

Take: insert the counter row if missing (ON CONFLICT DO NOTHING), then
UPDATE ... SET taken = taken + 1 WHERE taken < capacity. On PostgreSQL concurrent takers wait on
the row and re-check the condition after the winner commits; on SQLite the write transaction
is serial. Either way no more than the capacity is ever taken. Once the transaction commits,
the official's kept nearest free slots (refusals.py) are forgotten, as they may have changed.
"""

from datetime import date, datetime
from functools import partial

from django.db import transaction
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


def take(official: Official, availability: Availability, start: datetime, end: datetime) -> str:
    """Take one place of the slot and of its day. Returns "" or why not: "slot" / "day"."""
    transaction.on_commit(partial(forget_nearest, official.code))
    SlotLoad.objects.bulk_create(
        [SlotLoad(official=official, start=start, end=end, taken=0)], ignore_conflicts=True
    )
    slot = SlotLoad.objects.filter(official=official, start=start)
    if not slot.filter(taken__lt=availability.capacity).update(taken=F("taken") + 1):
        if not release_lapsed(official, start=start):
            return "slot"
        if not slot.filter(taken__lt=availability.capacity).update(taken=F("taken") + 1):
            return "slot"
    # Every day is counted (so a maximum set later starts right); only a maximum refuses.
    day = local_day(official, start)
    DayLoad.objects.bulk_create(
        [DayLoad(official=official, day=day, taken=0)], ignore_conflicts=True
    )
    counter = DayLoad.objects.filter(official=official, day=day)
    if availability.max_per_day:
        counter = counter.filter(taken__lt=availability.max_per_day)
    if not counter.update(taken=F("taken") + 1) and (
        not release_lapsed(official) or not counter.update(taken=F("taken") + 1)
    ):
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
