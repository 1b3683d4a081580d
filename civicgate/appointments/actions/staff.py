"""Writes of the official and the office: confirm or decline requests, mark the visit, keep
the availability rules, leave and holidays. Callers check that the user manages the official
(selectors.staff); each write is one transaction with its audit record."""

from datetime import date, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.appointments import gatepass, notices
from civicgate.appointments.actions import places
from civicgate.appointments.actions.errors import Changed, TooLate
from civicgate.appointments.models import (
    Appointment,
    Availability,
    Holiday,
    Leave,
    WeeklyHours,
    new_feed_token,
)
from civicgate.audit.chain import record
from civicgate.org.models import Office, Official


def confirm_appointment(appointment: Appointment, *, user: Any, request: Any = None) -> Appointment:
    """Confirm a requested appointment: compare-and-swap requested -> confirmed, so of two
    confirmations (or a confirmation and a cancellation) racing, only one wins. Issues the
    pass and tells the citizen."""
    now = timezone.now()
    if appointment.end <= now:
        raise TooLate(_("This appointment's time has passed."))
    with transaction.atomic():
        changed = Appointment.objects.filter(
            pk=appointment.pk, state=Appointment.State.REQUESTED, sequence=appointment.sequence
        ).update(
            state=Appointment.State.CONFIRMED,
            confirmed_at=now,
            sequence=appointment.sequence + 1,
            updated_at=now,
        )
        if not changed:
            raise Changed(_("Someone has already decided this request, or it was cancelled."))
        appointment.refresh_from_db()
        appointment.gate_pass = gatepass.issue_for(appointment, actor=user, request=request)
        appointment.save(update_fields=["gate_pass", "updated_at"])
        notices.tell_citizen(appointment, notices.CONFIRMED)
        record(
            "appointments.confirmed",
            actor=user,
            obj=appointment,
            office=appointment.office,
            request=request,
            data={"pass": appointment.gate_pass.code},
        )
    return appointment


def decline_appointment(
    appointment: Appointment, *, user: Any, reason: str, request: Any = None
) -> Appointment:
    """Decline a requested appointment with a reason; the place is freed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the request is declined.")})
    now = timezone.now()
    with transaction.atomic():
        changed = Appointment.objects.filter(
            pk=appointment.pk, state=Appointment.State.REQUESTED, sequence=appointment.sequence
        ).update(
            state=Appointment.State.DECLINED,
            closed_at=now,
            close_reason=reason[:300],
            sequence=appointment.sequence + 1,
            updated_at=now,
        )
        if not changed:
            raise Changed(_("Someone has already decided this request, or it was cancelled."))
        places.give_back(appointment.official, appointment.start)
        appointment.refresh_from_db()
        notices.tell_citizen(appointment, notices.DECLINED)
        record(
            "appointments.declined",
            actor=user,
            obj=appointment,
            office=appointment.office,
            request=request,
            data={"reason": reason[:300]},
        )
    return appointment


def mark_visit(
    appointment: Appointment, *, user: Any, seen: bool, request: Any = None
) -> Appointment:
    """Mark a confirmed appointment seen or not come, once its slot has begun."""
    now = timezone.now()
    if appointment.start > now:
        raise TooLate(_("The appointment has not begun yet."))
    state = Appointment.State.SEEN if seen else Appointment.State.NO_SHOW
    with transaction.atomic():
        changed = Appointment.objects.filter(
            pk=appointment.pk, state=Appointment.State.CONFIRMED
        ).update(state=state, closed_at=now, updated_at=now)
        if not changed:
            raise Changed(_("This appointment has already been marked."))
        record(
            "appointments.marked",
            actor=user,
            obj=appointment,
            office=appointment.office,
            request=request,
            data={"state": state},
        )
    appointment.refresh_from_db()
    return appointment


def save_availability(
    official: Official,
    *,
    values: dict[str, Any],
    hours: list[tuple[int, time, time]],
    user: Any,
    request: Any = None,
) -> Availability:
    """Set an official's rules and weekly hours (replacing the old hours). Bookings already made
    keep their slots; new slots follow the new rules."""
    errors = {}
    for weekday, opens, closes in hours:
        if not 0 <= weekday <= 6 or closes <= opens:
            errors["hours"] = _("Each stretch of hours must end after it starts.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        availability, _created = Availability.objects.get_or_create(official=official)
        before = {k: getattr(availability, k) for k in values}
        for key, value in values.items():
            setattr(availability, key, value)
        availability.full_clean(exclude=["official", "feed_token"])
        availability.save()
        availability.hours.all().delete()
        WeeklyHours.objects.bulk_create(
            WeeklyHours(availability=availability, weekday=d, start=s, end=e) for d, s, e in hours
        )
        record(
            "appointments.availability_changed",
            actor=user,
            obj=official,
            office=official.employee.office,
            request=request,
            data={
                "before": {k: str(v) for k, v in before.items()},
                "after": {k: str(v) for k, v in values.items()},
                "hours": [f"{d} {s:%H:%M}-{e:%H:%M}" for d, s, e in hours],
            },
        )
    return availability


def add_leave(
    official: Official,
    *,
    first_day: date,
    last_day: date,
    reason: str,
    delegate: Official | None,
    user: Any,
    request: Any = None,
) -> Leave:
    """Record days away; with a delegate, new bookings of those days go to the delegate.
    Appointments already booked stay with the official for the office to move or cancel."""
    errors = {}
    if last_day < first_day:
        errors["last_day"] = _("The last day cannot be before the first.")
    if delegate is not None and delegate.pk == official.pk:
        errors["delegate"] = _("An official cannot be their own delegate.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        leave = Leave.objects.create(
            official=official,
            first_day=first_day,
            last_day=last_day,
            reason=(reason or "").strip()[:200],
            delegate=delegate,
        )
        record(
            "appointments.leave_added",
            actor=user,
            obj=leave,
            office=official.employee.office,
            request=request,
            data={
                "official": official.code,
                "first_day": first_day,
                "last_day": last_day,
                "delegate": delegate.code if delegate else None,
            },
        )
    return leave


def remove_leave(leave: Leave, *, user: Any, request: Any = None) -> None:
    with transaction.atomic():
        record(
            "appointments.leave_removed",
            actor=user,
            obj=leave,
            office=leave.official.employee.office,
            request=request,
            data={"first_day": leave.first_day, "last_day": leave.last_day},
        )
        leave.delete()


def add_holiday(
    *, day: date, name: str, office: Office | None, user: Any, request: Any = None
) -> Holiday:
    """Close one day for every office (office None) or one office."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the holiday.")})
    if Holiday.objects.filter(date=day, office=office).exists():
        raise ValidationError({"date": _("That day is already a holiday.")})
    with transaction.atomic():
        holiday = Holiday.objects.create(date=day, name=name[:120], office=office)
        record(
            "appointments.holiday_added",
            actor=user,
            obj=holiday,
            office=office,
            request=request,
            data={"date": day, "name": name[:120]},
        )
    return holiday


def remove_holiday(holiday: Holiday, *, user: Any, request: Any = None) -> None:
    with transaction.atomic():
        record(
            "appointments.holiday_removed",
            actor=user,
            obj=holiday,
            office=holiday.office,
            request=request,
            data={"date": holiday.date, "name": holiday.name},
        )
        holiday.delete()


def renew_feed_token(availability: Availability, *, user: Any, request: Any = None) -> str:
    """A new secret calendar feed address; the old one stops working at once."""
    with transaction.atomic():
        availability.feed_token = new_feed_token()
        availability.save(update_fields=["feed_token", "updated_at"])
        record(
            "appointments.feed_renewed",
            actor=user,
            obj=availability.official,
            office=availability.official.employee.office,
            request=request,
        )
    return availability.feed_token
