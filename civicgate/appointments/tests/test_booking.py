"""Booking rules: capacity, per-citizen limits, notice, holidays, leave with delegate, holds,
request and confirm, reschedule and cancel with the gate pass that follows them."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from civicgate.accounts.models import Citizen
from civicgate.appointments import actions
from civicgate.appointments.models import Appointment, Availability, Holiday, Leave, SlotLoad
from civicgate.appointments.tests.conftest import MONDAY, at
from civicgate.audit.models import AuditRecord
from civicgate.notify.models import OutboundMessage
from civicgate.org.models import Official
from civicgate.passes.models import GatePass, PassPolicy

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + timedelta(days=1)


def book(
    official: Official, citizen: Citizen, hour: int = 10, minute: int = 0, **kw: Any
) -> Appointment:
    return actions.book_appointment(
        official=official,
        start=at(kw.pop("day", TUESDAY), hour, minute),
        citizen=citizen,
        name="Anita Sen",
        purpose="Water connection",
        **kw,
    )


def test_an_instant_booking_is_confirmed_with_a_pass_for_the_slot_and_its_margins(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    # When a citizen books Tuesday 10:00 with an official who confirms at once
    appointment = book(engineer, citizen)
    # Then it is confirmed, with a pass 30 minutes before to 60 after the 30-minute slot
    assert appointment.state == Appointment.State.CONFIRMED
    gate_pass = appointment.gate_pass
    assert gate_pass is not None and gate_pass.state == GatePass.State.ISSUED
    assert gate_pass.valid_from == at(TUESDAY, 9, 30)
    assert gate_pass.valid_until == at(TUESDAY, 11, 30)
    assert gate_pass.host_official == engineer
    assert gate_pass.channel == GatePass.Channel.APPOINTMENT
    # And the citizen hears by SMS and WhatsApp, the official by SMS, and it is audited
    keys = sorted(OutboundMessage.objects.values_list("template_key", "channel"))
    assert ("appointment_confirmed", "sms") in keys
    assert ("appointment_confirmed", "whatsapp") in keys
    assert ("pass_issued", "sms") in keys
    assert ("official_booking_new", "sms") in keys
    assert AuditRecord.objects.filter(action="appointments.booked").count() == 1


def test_a_department_that_approves_passes_does_not_hold_back_an_appointments_pass(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    # Given the official's department has its hosts approve every pass
    PassPolicy.objects.create(department=engineer.employee.department, requires_host_approval=True)
    # When a citizen books with that official, who confirms bookings at once
    appointment = book(engineer, citizen)
    # Then the booking is the host's approval: the pass is valid now, not waiting
    gate_pass = appointment.gate_pass
    assert gate_pass is not None and gate_pass.state == GatePass.State.ISSUED
    issued = AuditRecord.objects.get(action="passes.pass_issued", object_id=gate_pass.code)
    assert issued.data["pre_approved"] is True


def test_messages_go_in_the_citizens_language(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    book(engineer, citizen, language="bn")
    message = OutboundMessage.objects.get(template_key="appointment_confirmed", channel="sms")
    assert message.language == "bn"
    assert "নিশ্চিত" in message.body


def test_a_full_slot_is_refused_with_the_nearest_free_slots(
    clock: Any, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    book(engineer, make_citizen())
    with pytest.raises(actions.SlotTaken) as refused:
        book(engineer, make_citizen())
    starts = [s.start for s in refused.value.alternatives]
    assert starts and at(TUESDAY, 10) not in starts
    assert at(TUESDAY, 10, 30) in starts
    assert Appointment.objects.count() == 1
    assert SlotLoad.objects.get().taken == 1


def test_capacity_lets_exactly_that_many_citizens_share_a_slot(
    clock: Any, make_bookable: Callable[..., Official], make_citizen: Callable[..., Citizen]
) -> None:
    official = make_bookable(capacity=3)
    for _ in range(3):
        book(official, make_citizen())
    with pytest.raises(actions.SlotTaken):
        book(official, make_citizen())
    assert Appointment.objects.filter(state="confirmed").count() == 3


def test_a_citizen_cannot_hold_more_open_appointments_than_the_limit(
    clock: Any, make_bookable: Callable[..., Official], citizen: Citizen
) -> None:
    official = make_bookable(per_citizen_limit=2)
    book(official, citizen, 10)
    book(official, citizen, 11)
    with pytest.raises(actions.LimitReached):
        book(official, citizen, 12)
    # Once one is cancelled, another may be booked
    actions.cancel_appointment(appointment=Appointment.objects.first(), actor=citizen)
    assert book(official, citizen, 12).state == Appointment.State.CONFIRMED


def test_a_slot_inside_the_minimum_notice_cannot_be_booked(
    clock: Any, make_bookable: Callable[..., Official], citizen: Citizen
) -> None:
    official = make_bookable(min_notice_minutes=180)
    with pytest.raises(actions.NotOffered):
        book(official, citizen, 11, day=MONDAY)
    assert book(official, citizen, 12, day=MONDAY).state == Appointment.State.CONFIRMED


def test_a_holiday_refuses_bookings_with_its_reason(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    Holiday.objects.create(date=TUESDAY, name="Doljatra")
    with pytest.raises(actions.NotOffered) as refused:
        book(engineer, citizen)
    assert "holiday" in refused.value.message


def test_a_time_off_the_grid_is_not_offered(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    with pytest.raises(actions.NotOffered):
        book(engineer, citizen, 10, 10)
    with pytest.raises(actions.NotOffered):
        book(engineer, citizen, 15)


def test_on_leave_with_a_delegate_the_delegate_takes_the_booking(
    clock: Any, make_bookable: Callable[..., Official], citizen: Citizen
) -> None:
    # Given an official on leave on Tuesday with a delegate who works the same hours
    official = make_bookable()
    delegate = make_bookable(name="Rina Das")
    Leave.objects.create(official=official, first_day=TUESDAY, last_day=TUESDAY, delegate=delegate)
    # When a citizen books the official on Tuesday
    appointment = book(official, citizen)
    # Then the delegate has the appointment and is the pass's host
    assert appointment.official == delegate
    assert appointment.requested_official == official
    assert appointment.gate_pass.host_official == delegate


def test_on_leave_without_a_delegate_bookings_are_refused(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    Leave.objects.create(official=engineer, first_day=TUESDAY, last_day=TUESDAY)
    with pytest.raises(actions.NotOffered) as refused:
        book(engineer, citizen)
    assert "away" in refused.value.message


def test_a_requested_booking_waits_and_confirmation_issues_the_pass_once(
    clock: Any, make_bookable: Callable[..., Official], citizen: Citizen, make_user: Any
) -> None:
    official = make_bookable(booking_mode="request")
    appointment = book(official, citizen)
    assert appointment.state == Appointment.State.REQUESTED
    assert appointment.gate_pass is None
    assert OutboundMessage.objects.filter(template_key="appointment_requested").exists()
    user = make_user("subrata", "official", employee=official.employee)
    stale = Appointment.objects.get(pk=appointment.pk)
    confirmed = actions.confirm_appointment(appointment, user=user)
    assert confirmed.state == Appointment.State.CONFIRMED
    assert confirmed.gate_pass is not None
    # A second confirmation from a stale copy loses the compare-and-swap
    with pytest.raises(actions.Changed):
        actions.confirm_appointment(stale, user=user)
    assert GatePass.objects.count() == 1


def test_a_declined_request_frees_its_place(
    clock: Any,
    make_bookable: Callable[..., Official],
    make_citizen: Callable[..., Citizen],
    make_user: Any,
) -> None:
    official = make_bookable(booking_mode="request")
    appointment = book(official, make_citizen())
    user = make_user("subrata", "official", employee=official.employee)
    actions.decline_appointment(appointment, user=user, reason="On tour")
    assert book(official, make_citizen()).state == Appointment.State.REQUESTED


def test_a_hold_keeps_the_place_and_turns_into_a_booking(
    clock: Any, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    # Given a chatbot holding Tuesday 10:00 for a citizen
    holder = make_citizen()
    hold = actions.hold_slot(official=engineer, start=at(TUESDAY, 10), citizen=holder)
    # Then nobody else can book it meanwhile
    with pytest.raises(actions.SlotTaken):
        book(engineer, make_citizen())
    # And the holder's booking with the hold confirms the same row
    appointment = book(engineer, holder, hold=hold.code)
    assert appointment.pk == hold.pk
    assert appointment.state == Appointment.State.CONFIRMED
    assert SlotLoad.objects.get().taken == 1


def test_a_lapsed_hold_gives_its_place_to_the_next_citizen(
    clock: Any, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    hold = actions.hold_slot(
        official=engineer, start=at(TUESDAY, 10), citizen=make_citizen(), minutes=5
    )
    clock.shift(timedelta(minutes=6))
    appointment = book(engineer, make_citizen())
    assert appointment.state == Appointment.State.CONFIRMED
    hold.refresh_from_db()
    assert hold.state == Appointment.State.LAPSED
    assert SlotLoad.objects.get().taken == 1


def test_reschedule_moves_the_slot_revokes_the_old_pass_and_issues_a_new_one(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    appointment = book(engineer, citizen)
    old_pass = appointment.gate_pass
    moved = actions.reschedule_appointment(
        appointment=appointment, start=at(TUESDAY, 12), citizen=citizen
    )
    old_pass.refresh_from_db()
    assert old_pass.state == GatePass.State.REVOKED
    assert moved.gate_pass.state == GatePass.State.ISSUED
    assert moved.gate_pass.valid_from == at(TUESDAY, 11, 30)
    assert moved.sequence == 1 and moved.reschedules == 1
    # The old slot is free again, the new one taken
    assert SlotLoad.objects.get(start=at(TUESDAY, 10)).taken == 0
    assert SlotLoad.objects.get(start=at(TUESDAY, 12)).taken == 1
    assert OutboundMessage.objects.filter(template_key="appointment_rescheduled").exists()


def test_reschedules_are_limited(
    clock: Any, make_bookable: Callable[..., Official], citizen: Citizen
) -> None:
    official = make_bookable(reschedule_limit=1)
    appointment = book(official, citizen)
    appointment = actions.reschedule_appointment(
        appointment=appointment, start=at(TUESDAY, 11), citizen=citizen
    )
    with pytest.raises(actions.LimitReached):
        actions.reschedule_appointment(
            appointment=appointment, start=at(TUESDAY, 12), citizen=citizen
        )


def test_cancel_revokes_the_pass_and_respects_the_lead_time(
    clock: Any, make_bookable: Callable[..., Official], citizen: Citizen
) -> None:
    official = make_bookable(cancel_notice_minutes=120)
    late = book(official, citizen, 11, day=MONDAY)
    # Within two hours of the slot the citizen cannot cancel online
    with time_machine.travel(at(MONDAY, 9, 30), tick=False), pytest.raises(actions.TooLate):
        actions.cancel_appointment(appointment=late, actor=citizen)
    appointment = book(official, citizen)
    cancelled = actions.cancel_appointment(appointment=appointment, actor=citizen)
    assert cancelled.state == Appointment.State.CANCELLED
    assert cancelled.sequence == 1
    cancelled.gate_pass.refresh_from_db()
    assert cancelled.gate_pass.state == GatePass.State.REVOKED
    assert OutboundMessage.objects.filter(template_key="official_booking_cancelled").exists()


def test_the_office_may_cancel_inside_the_lead_time(
    clock: Any, engineer: Official, citizen: Citizen, make_user: Any
) -> None:
    appointment = book(engineer, citizen, 11, day=MONDAY)
    user = make_user("clerk", "department_staff", offices=[engineer.office])
    cancelled = actions.cancel_appointment(
        appointment=appointment, actor=user, by_citizen=False, reason="Official called away"
    )
    assert cancelled.close_reason == "Official called away"


def test_seen_and_rating_follow_the_meeting(
    clock: Any, engineer: Official, citizen: Citizen, make_user: Any
) -> None:
    appointment = book(engineer, citizen)
    user = make_user("subrata", "official", employee=engineer.employee)
    with pytest.raises(actions.TooLate):
        actions.mark_visit(appointment, user=user, seen=True)
    clock.move_to(at(TUESDAY, 10, 5))
    actions.mark_visit(appointment, user=user, seen=True)
    with pytest.raises(ValidationError):
        actions.rate_appointment(appointment=appointment, citizen=citizen, rating=6)
    rated = actions.rate_appointment(appointment=appointment, citizen=citizen, rating=4)
    assert rated.rating == 4
    with pytest.raises(actions.Changed):
        actions.rate_appointment(appointment=appointment, citizen=citizen, rating=5)


def test_booking_needs_a_name_and_a_purpose(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    with pytest.raises(ValidationError):
        actions.book_appointment(
            official=engineer, start=at(TUESDAY, 10), citizen=citizen, name=" ", purpose=""
        )
    assert not Availability.objects.filter(
        official=engineer, official__appointments__isnull=False
    ).exists()


def test_a_full_slot_is_seen_full_by_the_one_query_fast_path(
    clock: Any, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    from civicgate.appointments.refusals import seen_full

    assert not seen_full(engineer.code, at(TUESDAY, 10))
    book(engineer, make_citizen())
    assert seen_full(engineer.code, at(TUESDAY, 10))
    assert not seen_full(engineer.code, at(TUESDAY, 10, 30))
    # A place held by a hold that has lapsed is not full: the booking takes it back
    actions.hold_slot(official=engineer, start=at(TUESDAY, 11), citizen=make_citizen())
    assert seen_full(engineer.code, at(TUESDAY, 11))
    clock.shift(timedelta(minutes=6))
    assert not seen_full(engineer.code, at(TUESDAY, 11))
