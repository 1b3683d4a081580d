"""The gate pass that comes with a confirmed appointment, through the passes actions only.

passes knows nothing of appointments: the appointment points at its pass, and arrival is read
from the pass's gate scans.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import DateTimeField, OuterRef, QuerySet, Subquery
from django.utils import timezone

from civicgate.appointments.models import Appointment, Availability
from civicgate.passes.actions import (
    CONSENT_NOTICE_VERSION,
    REVOCABLE_STATES,
    get_or_create_visitor,
    issue_pass,
    revoke_pass,
)
from civicgate.passes.citizen_actions import queue_pass_delivery
from civicgate.passes.models import GatePass, GateScan


def pass_window(appointment: Appointment, availability: Availability) -> tuple[datetime, datetime]:
    """The pass opens margin-before the slot and closes margin-after it ends."""
    return (
        appointment.start - timedelta(minutes=availability.pass_margin_before_minutes),
        appointment.end + timedelta(minutes=availability.pass_margin_after_minutes),
    )


def issue_for(
    appointment: Appointment,
    *,
    actor: Any,
    request: Any = None,
    availability: Availability | None = None,
) -> GatePass:
    """Issue the appointment's pass and queue its delivery; inside the caller's transaction.

    A pass is issued only for a confirmed appointment: the official confirmed it, or accepts
    bookings at once. Either way the host agreed to the visit beforehand, so the pass needs no
    approval step even where the department has its hosts approve passes. availability: the
    official's, when the caller has it already (its pass margins).
    """
    if availability is None or availability.official_id != appointment.official_id:
        availability = Availability.objects.get(official_id=appointment.official_id)
    visitor = get_or_create_visitor(
        mobile=appointment.citizen.mobile,
        name=appointment.name or appointment.citizen.name or appointment.citizen.code,
        verified=True,
        language=appointment.language,
        actor=actor,
    )
    if visitor.consent_notice_version != CONSENT_NOTICE_VERSION:
        visitor.consent_notice_version = CONSENT_NOTICE_VERSION
        visitor.consent_at = timezone.now()
        visitor.save(update_fields=["consent_notice_version", "consent_at", "updated_at"])
    valid_from, valid_until = pass_window(appointment, availability)
    gate_pass = issue_pass(
        visitor=visitor,
        office=appointment.office,
        purpose=f"{appointment.purpose} ({appointment.code})"[:300],
        valid_from=valid_from,
        valid_until=valid_until,
        channel=GatePass.Channel.APPOINTMENT,
        host_official=appointment.official,
        actor=actor,
        request=request,
        pre_approved=True,
    )
    queue_pass_delivery(gate_pass, language=appointment.language)
    return gate_pass


def withdraw(appointment: Appointment, *, reason: str, actor: Any, request: Any = None) -> None:
    """Revoke the appointment's pass if it can still open a gate."""
    gate_pass = appointment.gate_pass
    if gate_pass is None:
        return
    gate_pass.refresh_from_db(fields=["state"])
    if gate_pass.state in REVOCABLE_STATES:
        revoke_pass(gate_pass, reason=reason, actor=actor, request=request)


def with_arrival(queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Annotate arrived_at: the first allowed entry scan of the appointment's pass."""
    first_entry = (
        GateScan.objects.filter(
            gate_pass_id=OuterRef("gate_pass_id"),
            decision=GateScan.Decision.ALLOW,
            direction=GateScan.Direction.IN,
        )
        .order_by("scanned_at")
        .values("scanned_at")[:1]
    )
    return queryset.annotate(arrived_at=Subquery(first_entry, output_field=DateTimeField()))
