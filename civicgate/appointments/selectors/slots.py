"""Free slots of officials: working hours less holidays, leave, buffers, notice and bookings.

Everything an official's days need is read in a handful of queries (availability with its
hours, holidays, leave, taken places, lapsed holds, day counts) and the slots are laid out in
memory, so thirty days of one official cost a few milliseconds and a department of twenty
officials a few tens.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicgate.appointments.models import (
    Appointment,
    Availability,
    DayLoad,
    Holiday,
    Leave,
    SlotLoad,
    WeeklyHours,
)
from civicgate.org.models import Department, Office, Official

UTC = ZoneInfo("UTC")
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Slot:
    """A bookable slot: start and end (aware, UTC) and the places still free."""

    official: Official
    start: datetime
    end: datetime
    places_left: int
    delegated_from: Official | None = None

    @property
    def key(self) -> str:
        """What a client sends back to book the slot: official code and start in UTC."""
        return f"{self.official.code}@{self.start.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass
class _Load:
    start: datetime
    end: datetime
    taken: int


@dataclass
class _Context:
    """What the slots of some officials over some days depend on, read once."""

    now: datetime
    availability: dict[int, Availability]
    hours: dict[int, dict[int, list[tuple[time, time]]]]
    holidays: set[tuple[int | None, date]]
    leaves: dict[int, list[Leave]]
    loads: dict[tuple[int, date], list[_Load]] = field(default_factory=dict)
    day_taken: dict[tuple[int, date], int] = field(default_factory=dict)


def _read(officials: list[Official], first: date, last: date, now: datetime) -> _Context:
    ids = [o.pk for o in officials]
    availability = {
        a.official_id: a for a in Availability.objects.filter(official_id__in=ids, accepting=True)
    }
    # The hours as plain rows (cheaper than model instances through a prefetch).
    by_official: dict[int, dict[int, list[tuple[time, time]]]] = {
        official_id: defaultdict(list) for official_id in availability
    }
    for official_id, weekday, opens, closes in WeeklyHours.objects.filter(
        availability__official_id__in=list(availability)
    ).values_list("availability__official_id", "weekday", "start", "end"):
        by_official[official_id][weekday].append((opens, closes))
    hours = {
        official_id: {d: sorted(v) for d, v in by_day.items()}
        for official_id, by_day in by_official.items()
    }
    holidays: set[tuple[int | None, date]] = {
        (office_id, day)
        for office_id, day in Holiday.objects.filter(date__range=(first, last)).values_list(
            "office_id", "date"
        )
    }
    leaves: dict[int, list[Leave]] = defaultdict(list)
    found = list(
        Leave.objects.filter(official_id__in=ids, first_day__lte=last, last_day__gte=first)
    )
    # Delegates (with the office and department their slots need) only when there is leave.
    delegate_ids = {leave.delegate_id for leave in found if leave.delegate_id}
    delegates = (
        Official.objects.select_related("employee__office", "employee__department").in_bulk(
            delegate_ids
        )
        if delegate_ids
        else {}
    )
    for leave in found:
        if leave.delegate_id:
            leave.delegate = delegates[leave.delegate_id]
        leaves[leave.official_id].append(leave)
    context = _Context(now, availability, hours, holidays, leaves)
    # A day either side: UTC starts of slots near midnight fall on the neighbouring local day.
    lo = datetime.combine(first - timedelta(days=1), time.min, tzinfo=UTC)
    hi = datetime.combine(last + timedelta(days=2), time.min, tzinfo=UTC)
    tz_of = {o.pk: zone(o.employee.office.time_zone) for o in officials}
    lapsed: dict[tuple[int, datetime], int] = {
        (r["official_id"], r["start"]): r["n"]
        for r in Appointment.objects.filter(
            official_id__in=ids,
            state=Appointment.State.HELD,
            hold_expires_at__lte=now,
            start__gte=lo,
            start__lt=hi,
        )
        .values("official_id", "start")
        .annotate(n=Count("id"))
        .order_by()
    }
    for official_id, start, end, taken in SlotLoad.objects.filter(
        official_id__in=ids, start__gte=lo, start__lt=hi, taken__gt=0
    ).values_list("official_id", "start", "end", "taken"):
        taken -= lapsed.get((official_id, start), 0)
        if taken > 0:
            day = start.astimezone(tz_of[official_id]).date()
            context.loads.setdefault((official_id, day), []).append(_Load(start, end, taken))
    capped = [i for i, a in availability.items() if a.max_per_day]
    if capped:
        for official_id, day, taken in DayLoad.objects.filter(
            official_id__in=capped, day__range=(first, last), taken__gt=0
        ).values_list("official_id", "day", "taken"):
            context.day_taken[(official_id, day)] = taken
    return context


def _is_holiday(context: _Context, office_id: int, day: date) -> bool:
    return (None, day) in context.holidays or (office_id, day) in context.holidays


def _leave_on(context: _Context, official_id: int, day: date) -> Leave | None:
    for leave in context.leaves.get(official_id, ()):
        if leave.first_day <= day <= leave.last_day:
            return leave
    return None


def _day_slots(
    context: _Context, official: Official, day: date, *, include_full: bool = False
) -> list[Slot]:
    """The slots of one official on one local day, ignoring leave (the caller decides that)."""
    a = context.availability.get(official.pk)
    if a is None:
        return []
    office = official.employee.office
    if _is_holiday(context, office.pk, day):
        return []
    tz = zone(office.time_zone)
    today = context.now.astimezone(tz).date()
    if day > today + timedelta(days=a.horizon_days) or day < today:
        return []
    day_full = a.max_per_day and context.day_taken.get((official.pk, day), 0) >= a.max_per_day
    if day_full and not include_full:
        return []
    earliest = context.now + timedelta(minutes=a.min_notice_minutes)
    length = timedelta(minutes=a.slot_minutes)
    before = timedelta(minutes=a.buffer_before_minutes)
    after = timedelta(minutes=a.buffer_after_minutes)
    step = before + length + after
    loads = context.loads.get((official.pk, day), [])
    out: list[Slot] = []
    for opens, closes in context.hours.get(official.pk, {}).get(day.weekday(), []):
        t = datetime.combine(day, opens, tzinfo=tz) + before
        close = datetime.combine(day, closes, tzinfo=tz)
        while t + length + after <= close:
            start, end = t.astimezone(UTC), (t + length).astimezone(UTC)
            t += step
            if start < earliest:
                continue
            places = a.capacity
            for load in loads:
                if load.start == start and load.end == end:
                    places -= load.taken
                elif load.start - before < end + after and start - before < load.end + after:
                    # A booking off this grid (made before the hours changed) blocks the slot.
                    places = 0
            if places > 0 or include_full:
                out.append(Slot(official, start, end, max(places, 0)))
    return out


def _days(first: date, count: int) -> Iterable[date]:
    return (first + timedelta(days=n) for n in range(count))


def _today(official: Official, now: datetime) -> date:
    return now.astimezone(zone(official.employee.office.time_zone)).date()


def free_slots(
    official: Official,
    *,
    days: int = DEFAULT_DAYS,
    first_day: date | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The free slots of official over `days` days from first_day (default today), soonest first.

    On days the official is on leave with a delegate, the delegate's free slots are offered in
    their place (Slot.delegated_from names the official asked for).
    """
    now = now or timezone.now()
    official = _loaded(official)
    first = first_day or _today(official, now)
    last = first + timedelta(days=days - 1)
    context = _read([official], first, last, now)
    delegate_days: dict[int, tuple[Official, list[date]]] = {}
    out: list[Slot] = []
    for day in _days(first, days):
        leave = _leave_on(context, official.pk, day)
        if leave is None:
            out.extend(_day_slots(context, official, day))
        elif leave.delegate is not None:
            delegate_days.setdefault(leave.delegate.pk, (leave.delegate, []))[1].append(day)
    for delegate, on_days in delegate_days.values():
        d_context = _read([delegate], min(on_days), max(on_days), now)
        for day in on_days:
            if _leave_on(d_context, delegate.pk, day) is None:
                out.extend(
                    Slot(s.official, s.start, s.end, s.places_left, delegated_from=official)
                    for s in _day_slots(d_context, delegate, day)
                )
    out.sort(key=lambda s: s.start)
    return out


def department_free_slots(
    department: Department,
    *,
    office: Office | None = None,
    days: int = DEFAULT_DAYS,
    first_day: date | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The free slots of every official of a department (in one office, if given), soonest
    first. An official on leave offers nothing those days; a delegate's own slots are listed
    under the delegate."""
    now = now or timezone.now()
    qs = bookable_officials().filter(employee__department=department)
    if office is not None:
        qs = qs.filter(employee__office=office)
    officials = list(qs)
    if not officials:
        return []
    first = first_day or _today(officials[0], now)
    last = first + timedelta(days=days - 1)
    context = _read(officials, first, last, now)
    out: list[Slot] = []
    for official in officials:
        for day in _days(first, days):
            if _leave_on(context, official.pk, day) is None:
                out.extend(_day_slots(context, official, day))
    out.sort(key=lambda s: (s.start, s.official.employee.name))
    return out


def bookable_officials() -> QuerySet[Official]:
    """Officials who take appointments: receiving visitors, accepting, active employee."""
    return Official.objects.filter(
        accepts_visitors=True,
        availability__accepting=True,
        employee__active=True,
        employee__office__active=True,
    ).select_related("employee__office", "employee__department")


def _loaded(official: Official) -> Official:
    # The office and department are needed for every slot; read them once if not yet there.
    if "employee" not in official._state.fields_cache:
        return Official.objects.select_related("employee__office", "employee__department").get(
            pk=official.pk
        )
    return official


@dataclass(frozen=True)
class SlotCheck:
    """Where a wanted start stands: the official who would take it (a delegate on leave days),
    the grid slot (None when it is not a slot offered), and why not."""

    official: Official
    slot: Slot | None
    reason: str = ""
    availability: Availability | None = None
    day_full: bool = False


def check_slot(official: Official, start: datetime, *, now: datetime | None = None) -> SlotCheck:
    """Is start one of official's slots now (notice, horizon, hours, holidays, leave)?

    A slot whose places are all taken still counts as a slot: the booking's counter decides.
    """
    now = now or timezone.now()
    official = _loaded(official)
    start = start.astimezone(UTC)
    day = start.astimezone(zone(official.employee.office.time_zone)).date()
    context = _read([official], day, day, now)
    target = official
    leave = _leave_on(context, official.pk, day)
    if leave is not None:
        if leave.delegate is None:
            return SlotCheck(official, None, "leave")
        target = leave.delegate
        context = _read([target], day, day, now)
        if _leave_on(context, target.pk, day) is not None:
            return SlotCheck(official, None, "leave")
    if _is_holiday(context, target.employee.office.pk, day):
        return SlotCheck(target, None, "holiday")
    availability = context.availability.get(target.pk)
    day_full = bool(
        availability
        and availability.max_per_day
        and context.day_taken.get((target.pk, day), 0) >= availability.max_per_day
    )
    for slot in _day_slots(context, target, day, include_full=True):
        if slot.start == start:
            return SlotCheck(target, slot, "", availability, day_full)
    return SlotCheck(target, None, "not_offered", availability)


NEAR_DAYS = 7


def nearest_free(
    official: Official, wanted: datetime, *, count: int = 3, now: datetime | None = None
) -> list[Slot]:
    """The free slots closest in time to wanted (before or after), soonest first.

    Looked for in the week around wanted first, then over the whole horizon.
    """
    now = now or timezone.now()
    official = _loaded(official)
    today = _today(official, now)
    wanted_day = wanted.astimezone(zone(official.employee.office.time_zone)).date()
    first = max(today, wanted_day - timedelta(days=2))
    slots = free_slots(official, first_day=first, days=NEAR_DAYS, now=now)
    if len(slots) < count:
        slots = free_slots(official, now=now)
    slots = [s for s in slots if s.start != wanted]
    slots.sort(key=lambda s: abs((s.start - wanted).total_seconds()))
    return sorted(slots[:count], key=lambda s: s.start)


def open_appointments_with(citizen_id: int, official: Official) -> int:
    now = timezone.now()
    return (
        Appointment.objects.filter(
            Q(official=official) | Q(requested_official=official),
            citizen_id=citizen_id,
            end__gt=now,
        )
        .filter(
            Q(state__in=[Appointment.State.REQUESTED, Appointment.State.CONFIRMED])
            | Q(state=Appointment.State.HELD, hold_expires_at__gt=now)
        )
        .count()
    )
