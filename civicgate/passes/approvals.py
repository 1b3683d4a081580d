"""Host approval: a department may want its officials to approve passes before they are valid.

Each decision is one conditional UPDATE (... WHERE state = 'pending'), so two officials deciding
at once cannot both win: the second finds nothing left to decide.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.audit.chain import record
from civicgate.org.models import Official
from civicgate.passes.citizen_actions import queue_pass_delivery
from civicgate.passes.models import GatePass


class AlreadyDecided(Exception):
    """Someone decided this pass first, or it can no longer be approved."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def official_of(user: Any) -> Official | None:
    """The Official record behind a staff user, through the user's employee."""
    employee = getattr(user, "employee", None)
    if employee is None:
        return None
    return Official.objects.select_related("employee").filter(employee=employee).first()


def hosted_by(user: Any) -> QuerySet[GatePass]:
    """Passes this user hosts: to the user as official, or to the user's department in the
    user's office with no official named."""
    official = official_of(user)
    if official is None:
        return GatePass.objects.none()
    employee = official.employee
    return GatePass.objects.filter(
        Q(host_official=official)
        | Q(
            host_official__isnull=True,
            host_department_id=employee.department_id,
            office_id=employee.office_id,
        )
    )


def pending_for(user: Any) -> QuerySet[GatePass]:
    """The passes waiting for this user's decision, soonest visit first."""
    return (
        hosted_by(user)
        .filter(state=GatePass.State.PENDING)
        .select_related("visitor", "office", "host_official__employee", "host_department")
        .order_by("valid_from", "id")
    )


def pass_to_decide(user: Any, code: str) -> GatePass:
    """One pass this user hosts; 404 for anyone else's, AlreadyDecided once it is not pending."""
    gate_pass = hosted_by(user).select_related("visitor", "office").filter(code=code).first()
    if gate_pass is None:
        raise Http404
    if gate_pass.state != GatePass.State.PENDING:
        raise AlreadyDecided(_("This pass has already been decided."))
    return gate_pass


def _decide(gate_pass: GatePass, *, new_state: str, extra: dict[str, Any]) -> GatePass:
    now = timezone.now()
    changed = GatePass.objects.filter(pk=gate_pass.pk, state=GatePass.State.PENDING).update(
        state=new_state, updated_at=now, **extra
    )
    if changed != 1:
        raise AlreadyDecided(_("This pass has already been decided by someone else."))
    gate_pass.refresh_from_db()
    return gate_pass


def approve_pass(gate_pass: GatePass, *, user: Any, request: Any = None) -> GatePass:
    """Approve a pending pass; the visitor gets the pass by SMS and WhatsApp."""
    if not hosted_by(user).filter(pk=gate_pass.pk).exists():
        raise PermissionDenied
    if gate_pass.valid_until <= timezone.now():
        raise AlreadyDecided(_("The pass's time window has already ended."))
    with transaction.atomic():
        gate_pass = _decide(
            gate_pass,
            new_state=GatePass.State.ISSUED,
            extra={"approved_by": user, "approved_at": timezone.now()},
        )
        record(
            "passes.pass_approved",
            actor=user,
            obj=gate_pass,
            office=gate_pass.office,
            request=request,
            data={"from": GatePass.State.PENDING, "to": GatePass.State.ISSUED},
        )
        queue_pass_delivery(gate_pass, language=gate_pass.visitor.language)
    return gate_pass


def reject_pass(gate_pass: GatePass, *, user: Any, reason: str, request: Any = None) -> GatePass:
    """Refuse a pending pass with a reason; it never becomes valid."""
    if not hosted_by(user).filter(pk=gate_pass.pk).exists():
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the visit is not approved.")})
    with transaction.atomic():
        gate_pass = _decide(
            gate_pass,
            new_state=GatePass.State.REJECTED,
            extra={"revoked_reason": reason[:300]},
        )
        record(
            "passes.pass_rejected",
            actor=user,
            obj=gate_pass,
            office=gate_pass.office,
            request=request,
            data={"from": GatePass.State.PENDING, "to": GatePass.State.REJECTED, "reason": reason},
        )
    return gate_pass
