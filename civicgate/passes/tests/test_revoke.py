"""A security administrator revokes a pass from the visitor's record; every gate then refuses it."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.passes.actions import get_or_create_visitor, issue_pass
from civicgate.passes.models import GatePass
from civicgate.passes.scanning import record_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def gate_pass(hq: Any, water: Any) -> GatePass:
    visitor = get_or_create_visitor(mobile="+919830012345", name="Anil Das", verified=True)
    now = timezone.now()
    return issue_pass(
        visitor=visitor,
        office=hq,
        purpose="Water bill",
        valid_from=now - timedelta(minutes=5),
        valid_until=now + timedelta(hours=4),
        channel="web",
        host_department=water,
    )


def test_a_revoked_pass_is_refused_at_the_gate(
    gate_pass: GatePass, hq: Any, make_user: Callable[..., Any], staff_client: Callable[..., Client]
) -> None:
    client = staff_client(make_user("security", Role.SECURITY_ADMIN, offices=[hq]))

    response = client.post(
        f"/passes/security/passes/{gate_pass.code}/revoke/", {"reason": "Tout, caught at desk"}
    )
    result = record_scan(
        scan_id=uuid.uuid4(),
        code=gate_pass.token,
        direction="in",
        scanned_at=timezone.now(),
        gate=hq.gates.first(),
    )

    assert response.status_code == 302
    gate_pass.refresh_from_db()
    assert gate_pass.state == GatePass.State.REVOKED
    assert gate_pass.revoked_reason == "Tout, caught at desk"
    assert (result.decision, result.reason) == ("deny", "revoked")
    assert AuditRecord.objects.filter(
        action="passes.pass_revoked", object_id=gate_pass.code
    ).exists()


def test_a_revoke_without_a_reason_changes_nothing(
    gate_pass: GatePass, hq: Any, make_user: Callable[..., Any], staff_client: Callable[..., Client]
) -> None:
    client = staff_client(make_user("security", Role.SECURITY_ADMIN, offices=[hq]))

    client.post(f"/passes/security/passes/{gate_pass.code}/revoke/", {"reason": "  "})

    gate_pass.refresh_from_db()
    assert gate_pass.state == GatePass.State.ISSUED


def test_another_offices_admin_and_a_guard_cannot_revoke(
    gate_pass: GatePass,
    hq: Any,
    borough: Any,
    make_user: Callable[..., Any],
    staff_client: Callable[..., Client],
) -> None:
    other = staff_client(make_user("br_security", Role.SECURITY_ADMIN, offices=[borough]))
    assert (
        other.post(f"/passes/security/passes/{gate_pass.code}/revoke/", {"reason": "x"}).status_code
        == 404
    )
    other.logout()
    guard = staff_client(make_user("guard", Role.GUARD, offices=[hq]))
    assert (
        guard.post(f"/passes/security/passes/{gate_pass.code}/revoke/", {"reason": "x"}).status_code
        == 403
    )

    gate_pass.refresh_from_db()
    assert gate_pass.state == GatePass.State.ISSUED
