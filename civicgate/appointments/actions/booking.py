"""Booking writes a citizen (web page, chatbot, app) makes: hold, book, reschedule, cancel, rate.

Each is one transaction with its audit record; the citizen is the accounts Citizen whose mobile
number was verified by a one-time code. Locks are taken in one order: citizen, then slot, then
day, so two bookings never wait on each other in a circle.
"""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgate.accounts.models import Citizen
from civicgate.appointments import gatepass, notices
from civicgate.appointments.actions import places
from civicgate.appointments.actions.errors import (
    Changed,
    LimitReached,
    NotOffered,
    SlotTaken,
    TooLate,
)
from civicgate.appointments.models import (
    OPEN_STATES,
    Appointment,
    Availability,
    BookingMode,
)
from civicgate.appointments.refusals import nearest_slots, seen_full
from civicgate.appointments.selectors.slots import (
    Slot,
    SlotCheck,
    check_slot,
    free_slots,
    open_appointments_with,
)
from civicgate.audit.chain import record
from civicgate.core.writers import write_transaction
from civicgate.org.models import Official

HOLD_MINUTES = 5
RATING_DAYS = 30
NOT_OFFERED = {
    "holiday": gettext_lazy(
        "The office is closed that day (a holiday). Please choose another day."
    ),
    "leave": gettext_lazy("The official is away that day. Please choose another day."),
    "not_offered": gettext_lazy(
        "That time is not one of the official's free slots. Please choose a slot."
    ),
}


def _not_offered(reason: str) -> NotOffered:
    return NotOffered(str(NOT_OFFERED.get(reason, NOT_OFFERED["not_offered"])))


def _taken(official: Official, start: datetime, why: str) -> SlotTaken:
    """SlotTaken with the nearest free slots. When many citizens miss one slot at once they
    are offered the same few alternatives, so these are kept for a few seconds (they are only
    suggestions: booking one goes through the same conditional UPDATE)."""
    message = (
        _("The official's day is fully booked. Here are the nearest free slots.")
        if why == "day"
        else _("Sorry, that slot has just been taken. Here are the nearest free slots.")
    )
    return SlotTaken(message, nearest_slots(official, start))


def _clean_text(name: str, purpose: str) -> tuple[str, str]:
    errors = {}
    name, purpose = (name or "").strip(), (purpose or "").strip()
    if not name:
        errors["name"] = _("Enter your name.")
    if not purpose:
        errors["purpose"] = _("Say what the meeting is about.")
    if errors:
        raise ValidationError(errors)
    return name[:200], purpose[:300]


def _lock_citizen(citizen: Citizen) -> None:
    # One booking at a time per citizen, so the per-citizen limit holds under double submits.
    # SQLite has no row locks (Django leaves FOR UPDATE out there): its write transactions
    # already run one at a time, so the statement would lock nothing.
    if connection.features.has_select_for_update:
        Citizen.objects.select_for_update().filter(pk=citizen.pk).exists()


def _check_citizen_limit(citizen: Citizen, official: Official, availability: Availability) -> None:
    if open_appointments_with(citizen.pk, official) >= availability.per_citizen_limit:
        raise LimitReached(
            _(
                "You already have %(count)d open appointments with this official, the most "
                "allowed. Cancel one or wait until it has taken place."
            )
            % {"count": availability.per_citizen_limit}
        )


def _offered(requested: Official, start: datetime, now: datetime) -> SlotCheck:
    """Is start a slot of the official now, with a place? Read before any write transaction,
    so a slot seen full is refused without queueing for the write lock (when many citizens try
    the last place at once, all but the first few are answered from one query); a place that
    looks free is still only taken by the conditional UPDATE."""
    if seen_full(requested.code, start, now):
        raise _taken(requested, start, "slot")
    check = check_slot(requested, start, now=now)
    if check.slot is None or check.availability is None:
        raise _not_offered(check.reason)
    if check.slot.places_left <= 0 or check.day_full:
        raise _taken(requested, start, "day" if check.day_full else "slot")
    return check


def _take_slot(
    requested: Official, check: SlotCheck, citizen: Citizen
) -> tuple[Slot, Availability]:
    """Take a place of the checked slot; raise LimitReached or SlotTaken."""
    assert check.slot is not None and check.availability is not None
    official, slot, availability = check.official, check.slot, check.availability
    _check_citizen_limit(citizen, requested, availability)
    why = places.take(official, availability, slot.start, slot.end)
    if why:
        raise SlotTaken(why)  # replaced by the caller once the transaction is rolled back
    return slot, availability


def hold_slot(
    *,
    official: Official,
    start: datetime,
    citizen: Citizen,
    minutes: int = HOLD_MINUTES,
    channel: str = Appointment.Channel.CHATBOT,
    language: str = "en",
) -> Appointment:
    """Hold one place of a slot for a few minutes while a conversation finishes.

    The hold counts as taken until it lapses; book_appointment(hold=...) turns it into a booking.
    Raises NotOffered, LimitReached or SlotTaken (with the nearest free slots).
    """
    now = timezone.now()
    minutes = max(1, min(minutes, 15))
    check = _offered(official, start, now)
    try:
        with write_transaction():
            if seen_full(official.code, start, now):
                raise SlotTaken("slot")
            _lock_citizen(citizen)
            slot, _availability = _take_slot(official, check, citizen)
            appointment = Appointment.objects.create(
                official=slot.official,
                requested_official=official,
                office=slot.official.employee.office,
                department=slot.official.employee.department,
                citizen=citizen,
                name=citizen.name,
                language=language,
                channel=channel,
                start=slot.start,
                end=slot.end,
                state=Appointment.State.HELD,
                hold_expires_at=now + timedelta(minutes=minutes),
            )
            record(
                "appointments.slot_held",
                actor=citizen,
                obj=appointment,
                office=appointment.office,
                data={"official": slot.official.code, "start": slot.start, "minutes": minutes},
            )
    except SlotTaken as exc:
        raise _taken(official, start, exc.message) from None
    return appointment


def _convert_hold(hold_code: str, citizen: Citizen, now: datetime) -> Appointment | None:
    """The citizen's live hold, or None (a lapsed hold gives its place back first)."""
    held = Appointment.objects.filter(
        code=hold_code, citizen=citizen, state=Appointment.State.HELD
    ).select_related("official__employee__office")
    appointment = held.first()
    if appointment is None:
        return None
    if appointment.hold_expires_at and appointment.hold_expires_at > now:
        return appointment
    places.release_lapsed(appointment.official, start=appointment.start)
    return None


def book_appointment(
    *,
    official: Official,
    start: datetime,
    citizen: Citizen,
    name: str,
    purpose: str,
    language: str = "en",
    channel: str = Appointment.Channel.WEB,
    hold: str = "",
    request: Any = None,
) -> Appointment:
    """Book a slot with an official for a citizen (verified mobile).

    Instant officials: confirmed now, with the gate pass and the messages. Others: requested,
    waiting for the official. On a leave day with a delegate the delegate takes the booking.
    hold: the code of the citizen's hold on this slot (from hold_slot), used if still live.
    Raises ValidationError, NotOffered, LimitReached or SlotTaken (with the nearest free slots).
    """
    name, purpose = _clean_text(name, purpose)
    now = timezone.now()
    check = None if hold else _offered(official, start, now)
    try:
        with write_transaction():
            if check is not None and seen_full(official.code, start, now):
                raise SlotTaken("slot")
            _lock_citizen(citizen)
            held = _convert_hold(hold, citizen, now) if hold else None
            if held is not None and held.start == start:
                appointment = held
                availability = Availability.objects.get(official_id=held.official_id)
            else:
                if check is None:
                    check = check_slot(official, start, now=now)
                    if check.slot is None or check.availability is None:
                        raise _not_offered(check.reason)
                slot, availability = _take_slot(official, check, citizen)
                appointment = Appointment(
                    official=slot.official,
                    requested_official=official,
                    office=slot.official.employee.office,
                    department=slot.official.employee.department,
                    citizen=citizen,
                    start=slot.start,
                    end=slot.end,
                )
            confirm = availability.booking_mode == BookingMode.INSTANT
            appointment.name, appointment.purpose = name, purpose
            appointment.language, appointment.channel = language, channel
            appointment.state = (
                Appointment.State.CONFIRMED if confirm else Appointment.State.REQUESTED
            )
            appointment.hold_expires_at = None
            appointment.confirmed_at = now if confirm else None
            if appointment.pk:
                changed = Appointment.objects.filter(
                    pk=appointment.pk, state=Appointment.State.HELD
                ).update(state=appointment.state)
                if not changed:
                    raise Changed(_("Your hold on this slot has changed. Please start again."))
            if confirm:
                # The pass first (it names the appointment by its code, already drawn), so the
                # appointment is written once, with its pass.
                appointment.gate_pass = gatepass.issue_for(
                    appointment, actor=citizen, request=request, availability=availability
                )
            appointment.save()
            notices.tell_citizen(appointment, notices.CONFIRMED if confirm else notices.REQUESTED)
            notices.tell_official(appointment, notices.OFFICIAL_NEW)
            if citizen.name != name:
                Citizen.objects.filter(pk=citizen.pk).update(name=name, updated_at=now)
            record(
                "appointments.booked",
                actor=citizen,
                obj=appointment,
                office=appointment.office,
                request=request,
                data={
                    "official": appointment.official.code,
                    "asked_for": official.code,
                    "start": appointment.start,
                    "state": appointment.state,
                    "channel": channel,
                    "hold": hold or None,
                },
            )
    except SlotTaken as exc:
        raise _taken(official, start, exc.message) from None
    return appointment


def _open_for_citizen(appointment: Appointment, citizen: Citizen) -> None:
    if appointment.citizen_id != citizen.pk:
        raise Changed(_("This appointment is not yours."))
    if appointment.state not in (Appointment.State.REQUESTED, Appointment.State.CONFIRMED):
        raise Changed(_("This appointment can no longer be changed."))


def _lead_time(appointment: Appointment, now: datetime) -> None:
    availability = Availability.objects.filter(official_id=appointment.official_id).first()
    minutes = availability.cancel_notice_minutes if availability else 0
    if appointment.start - timedelta(minutes=minutes) < now:
        raise TooLate(
            _(
                "It is too close to the appointment to change it online (at least %(minutes)d "
                "minutes before). Please call the office."
            )
            % {"minutes": minutes}
        )


def reschedule_appointment(
    *, appointment: Appointment, start: datetime, citizen: Citizen, request: Any = None
) -> Appointment:
    """Move a citizen's open appointment to another free slot of the same official.

    Limited by the official's reschedule limit and cancellation notice. A confirmed
    appointment's pass is revoked and a new one issued for the new slot. Compare-and-swap on
    the appointment's sequence, so a concurrent change is reported (Changed), not overwritten.
    """
    now = timezone.now()
    _open_for_citizen(appointment, citizen)
    _lead_time(appointment, now)
    requested = appointment.requested_official
    limit = Availability.objects.get(official_id=appointment.official_id).reschedule_limit
    if appointment.reschedules >= limit:
        raise LimitReached(
            _("This appointment has been rescheduled %(count)d times, the most allowed.")
            % {"count": limit}
        )
    if start == appointment.start:
        raise NotOffered(_("The appointment is already at that time."))
    old_start, old_official, old_pass = (
        appointment.start,
        appointment.official,
        appointment.gate_pass,
    )
    try:
        with transaction.atomic():
            _lock_citizen(citizen)
            check = check_slot(requested, start, now=now)
            if check.slot is None:
                raise _not_offered(check.reason)
            slot = check.slot
            availability = Availability.objects.get(official=slot.official)
            why = places.take(slot.official, availability, slot.start, slot.end)
            if why:
                raise SlotTaken(why)
            state = appointment.state
            if slot.official.pk != old_official.pk:
                confirm = availability.booking_mode == BookingMode.INSTANT
                state = Appointment.State.CONFIRMED if confirm else Appointment.State.REQUESTED
            changed = Appointment.objects.filter(
                pk=appointment.pk, sequence=appointment.sequence, state=appointment.state
            ).update(
                official=slot.official,
                office=slot.official.employee.office,
                department=slot.official.employee.department,
                start=slot.start,
                end=slot.end,
                state=state,
                sequence=appointment.sequence + 1,
                reschedules=appointment.reschedules + 1,
                day_reminder_at=None,
                soon_reminder_at=None,
                gate_pass=None,
                updated_at=now,
            )
            if not changed:
                raise Changed(_("The appointment was changed meanwhile. Please look again."))
            places.give_back(old_official, old_start)
            appointment.refresh_from_db()
            if old_pass is not None:
                appointment.gate_pass = old_pass
                gatepass.withdraw(
                    appointment, reason=_("Appointment rescheduled"), actor=citizen, request=request
                )
                appointment.gate_pass = None
            if appointment.state == Appointment.State.CONFIRMED:
                appointment.confirmed_at = appointment.confirmed_at or now
                appointment.gate_pass = gatepass.issue_for(
                    appointment, actor=citizen, request=request
                )
                appointment.save(update_fields=["gate_pass", "confirmed_at", "updated_at"])
            notices.tell_citizen(appointment, notices.RESCHEDULED)
            notices.tell_official(appointment, notices.OFFICIAL_CHANGED)
            record(
                "appointments.rescheduled",
                actor=citizen,
                obj=appointment,
                office=appointment.office,
                request=request,
                data={
                    "from": old_start,
                    "to": appointment.start,
                    "official": appointment.official.code,
                    "sequence": appointment.sequence,
                },
            )
    except SlotTaken as exc:
        raise _taken(requested, start, exc.message) from None
    return appointment


def cancel_appointment(
    *,
    appointment: Appointment,
    actor: Any,
    reason: str = "",
    by_citizen: bool = True,
    request: Any = None,
) -> Appointment:
    """Cancel an open appointment; its place is freed and its pass revoked.

    A citizen (actor is the Citizen) must cancel at least the official's cancellation notice
    before the slot; the official's office may cancel at any time (by_citizen=False).
    """
    now = timezone.now()
    if by_citizen:
        _open_for_citizen(appointment, actor)
        _lead_time(appointment, now)
    elif appointment.state not in OPEN_STATES:
        raise Changed(_("This appointment can no longer be cancelled."))
    reason = (reason or "").strip()[:300] or (
        _("Cancelled by the citizen") if by_citizen else _("Cancelled by the office")
    )
    with transaction.atomic():
        if by_citizen:
            _lock_citizen(actor)
        was = appointment.state
        changed = Appointment.objects.filter(
            pk=appointment.pk, sequence=appointment.sequence, state=was
        ).update(
            state=Appointment.State.CANCELLED,
            sequence=appointment.sequence + 1,
            closed_at=now,
            close_reason=reason,
            updated_at=now,
        )
        if not changed:
            raise Changed(_("The appointment was changed meanwhile. Please look again."))
        places.give_back(appointment.official, appointment.start)
        appointment.refresh_from_db()
        gatepass.withdraw(appointment, reason=reason, actor=actor, request=request)
        if was != Appointment.State.HELD:
            notices.tell_citizen(appointment, notices.CANCELLED)
            notices.tell_official(appointment, notices.OFFICIAL_CANCELLED)
        record(
            "appointments.cancelled",
            actor=actor,
            obj=appointment,
            office=appointment.office,
            request=request,
            data={"was": was, "reason": reason, "by_citizen": by_citizen},
        )
    return appointment


def rate_appointment(
    *, appointment: Appointment, citizen: Citizen, rating: int, comment: str = ""
) -> Appointment:
    """The citizen rates a meeting that took place (1 to 5 stars), once."""
    if appointment.citizen_id != citizen.pk:
        raise Changed(_("This appointment is not yours."))
    if not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": _("Choose from 1 to 5 stars.")})
    if appointment.state != Appointment.State.SEEN:
        raise Changed(_("You can rate a meeting once the official has seen you."))
    with transaction.atomic():
        changed = Appointment.objects.filter(
            pk=appointment.pk, state=Appointment.State.SEEN, rating__isnull=True
        ).update(rating=int(rating), rating_comment=(comment or "").strip()[:500])
        if not changed:
            raise Changed(_("You have already rated this meeting."))
        record(
            "appointments.rated",
            actor=citizen,
            obj=appointment,
            office=appointment.office,
            data={"rating": int(rating)},
        )
    appointment.refresh_from_db()
    return appointment


def free_slots_for(official: Official, *, days: int = 14) -> list[Slot]:
    """Free slots of an official (with a delegate's on leave days): the chatbot's entry."""
    return free_slots(official, days=days)
