"""Writes of the passes app: each one function, one transaction, one audit record."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.audit.chain import record
from civicgate.core.crypto import blind_index
from civicgate.core.phone import mask_mobile, normalize_mobile
from civicgate.org.models import Department, Gate, Office, Official
from civicgate.passes import keys, tokens, touts
from civicgate.passes.models import GatePass, PassPolicy, Visitor

CONSENT_NOTICE_VERSION = "2026-11"


def get_or_create_visitor(
    *, mobile: str, name: str, verified: bool, language: str = "en", actor: Any = None
) -> Visitor:
    """The visitor with this mobile number, created on first visit; the name is kept up to date."""
    e164 = normalize_mobile(mobile)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter the visitor's name.")})
    now = timezone.now()
    visitor, created = Visitor.objects.get_or_create(
        mobile_index=blind_index(e164, "mobile"),
        defaults={"mobile": e164, "name": name, "language": language},
    )
    changed = []
    if not created and visitor.name != name:
        visitor.name = name
        changed.append("name")
    if verified and visitor.mobile_verified_at is None:
        visitor.mobile_verified_at = now
        changed.append("mobile_verified_at")
    if changed:
        visitor.save(update_fields=[*changed, "updated_at"])
    if created:
        record(
            "passes.visitor_created", actor=actor, obj=visitor, data={"mobile": mask_mobile(e164)}
        )
    return visitor


def _needs_approval(host_official: Official | None, host_department: Department | None) -> bool:
    department = host_department or (host_official.employee.department if host_official else None)
    if department is None:
        return False
    return PassPolicy.objects.filter(department=department, requires_host_approval=True).exists()


def _token_for(gate_pass: GatePass, gates: list[Gate]) -> str:
    key = keys.current_signing_key()
    gate_pass.signing_key = key
    claims = tokens.PassClaims(
        kid=key.kid,
        code=gate_pass.code,
        office=gate_pass.office.code,
        gates=tuple(sorted(g.code for g in gates)),
        valid_from=gate_pass.valid_from,
        valid_until=gate_pass.valid_until,
        kind=gate_pass.kind,
    )
    return tokens.encode(claims, keys.private_key_of(key))


def issue_pass(
    *,
    visitor: Visitor,
    office: Office,
    purpose: str,
    valid_from: datetime,
    valid_until: datetime,
    channel: str,
    host_official: Official | None = None,
    host_department: Department | None = None,
    gates: list[Gate] | None = None,
    kind: str = GatePass.Kind.SINGLE,
    actor: Any = None,
    issued_by: Any = None,
    request: Any = None,
    pre_approved: bool = False,
) -> GatePass:
    """Issue a pass (or a pending one where the host's department requires approval).

    The chatbot, the citizen web page, the gate desk, appointments and issue_pass call this.
    pre_approved: the host agreed to this visit beforehand (a confirmed appointment), so the
    pass is issued at once even where the department wants its hosts to approve passes.
    """
    errors: dict[str, str] = {}
    if host_official is None and host_department is None:
        errors["host"] = _("Choose the official or the department to visit.")
    if host_official is not None and host_official.employee.office_id != office.pk:
        errors["host"] = _("That official does not sit in this office.")
    if valid_until <= valid_from:
        errors["valid_until"] = _("The pass must end after it starts.")
    if valid_until <= timezone.now():
        errors["valid_until"] = _("The pass would already have expired.")
    if not office.active:
        errors["office"] = _("This office is not receiving visitors.")
    if kind not in GatePass.Kind.values:
        errors["kind"] = _("Unknown kind of pass.")
    gates = list(gates or [])
    if any(g.office_id != office.pk or not g.active for g in gates):
        errors["gates"] = _("Every gate must be an open gate of this office.")
    if not purpose.strip():
        errors["purpose"] = _("Say what the visit is for.")
    if errors:
        raise ValidationError(errors)
    pending = not pre_approved and _needs_approval(host_official, host_department)
    with transaction.atomic():
        gate_pass = GatePass(
            visitor=visitor,
            office=office,
            host_official=host_official,
            host_department=host_department
            or (host_official.employee.department if host_official else None),
            purpose=purpose.strip()[:300],
            valid_from=valid_from,
            valid_until=valid_until,
            kind=kind,
            channel=channel,
            state=GatePass.State.PENDING if pending else GatePass.State.ISSUED,
            issued_by=issued_by,
        )
        gate_pass.token = _token_for(gate_pass, gates)
        gate_pass.save()
        if gates:
            gate_pass.gates.set(gates)
        record(
            "passes.pass_issued",
            actor=actor,
            obj=gate_pass,
            office=office,
            request=request,
            data={
                "visitor": visitor.code,
                "state": gate_pass.state,
                "kind": kind,
                "channel": channel,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "gates": [g.code for g in gates],
                "pre_approved": pre_approved,
            },
        )
        transaction.on_commit(lambda: touts.check_visitor(visitor))
    return gate_pass


REVOCABLE_STATES = (
    GatePass.State.PENDING,
    GatePass.State.ISSUED,
    GatePass.State.INSIDE,
    GatePass.State.OUTSIDE,
)


def revoke_pass(gate_pass: GatePass, *, reason: str, actor: Any, request: Any = None) -> GatePass:
    """Withdraw a pass: every gate refuses it from now on (consoles with the next revocation list).

    One conditional UPDATE, so a pass that changed meanwhile (closed, already revoked) is reported
    instead of overwritten.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the pass is revoked.")})
    with transaction.atomic():
        was = gate_pass.state
        changed = GatePass.objects.filter(pk=gate_pass.pk, state__in=REVOCABLE_STATES).update(
            state=GatePass.State.REVOKED, revoked_reason=reason[:300], updated_at=timezone.now()
        )
        if not changed:
            raise ValidationError({"reason": _("This pass can no longer be revoked.")})
        record(
            "passes.pass_revoked",
            actor=actor,
            obj=gate_pass,
            office=gate_pass.office,
            request=request,
            data={"reason": reason[:300], "was": was},
        )
    gate_pass.refresh_from_db()
    return gate_pass
