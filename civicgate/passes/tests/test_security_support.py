"""Fixtures and helpers for the security tests (who is inside, watch list, alerts, touts).

No tests here: test modules import the fixtures and helpers they use.
"""

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from html import unescape
from typing import Any

import pytest
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.org.models import Department, Gate, Office, Official
from civicgate.passes.actions import get_or_create_visitor, issue_pass
from civicgate.passes.models import GatePass, GateScan, Visitor
from civicgate.passes.scanning import ScanResult, record_scan


def text(response: Any) -> str:
    """The page as a person reads it: tags dropped, spaces collapsed."""
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).replace("\xa0", " ")


def audits(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("seq"))


def visitor(name: str, mobile: str) -> Visitor:
    return get_or_create_visitor(mobile=mobile, name=name, verified=True, actor="test setup")


def give_pass(
    who: Visitor,
    office: Office,
    *,
    department: Department | None = None,
    official: Official | None = None,
    start: datetime | None = None,
    hours: float = 4,
    kind: str = GatePass.Kind.DAY,
) -> GatePass:
    start = start or timezone.now() - timedelta(minutes=30)
    return issue_pass(
        visitor=who,
        office=office,
        purpose="Water connection",
        valid_from=start,
        valid_until=start + timedelta(hours=hours),
        channel=GatePass.Channel.WEB,
        host_department=department,
        host_official=official,
        kind=kind,
        actor="test setup",
    )


def scan_in(gate_pass: GatePass, gate: Gate, guard: User | None = None) -> ScanResult:
    """A guard scans the pass in at gate, through the scan engine."""
    return record_scan(
        scan_id=uuid.uuid4(),
        code=gate_pass.token,
        direction="in",
        scanned_at=timezone.now(),
        gate=gate,
        guard=guard,
    )


def put_inside(gate_pass: GatePass, gate: Gate, since: datetime) -> GatePass:
    """Set the pass inside since a given time, as a scan at gate would have left it."""
    GateScan.objects.create(
        gate_pass=gate_pass,
        office=gate_pass.office,
        gate=gate,
        direction=GateScan.Direction.IN,
        decision=GateScan.Decision.ALLOW,
        reason="ok",
        scanned_at=since,
    )
    GatePass.objects.filter(pk=gate_pass.pk).update(
        state=GatePass.State.INSIDE, entered_at=since, last_gate=gate, last_scan_at=since, entries=1
    )
    gate_pass.refresh_from_db()
    return gate_pass


def make_overdue(gate_pass: GatePass, minutes: int) -> GatePass:
    """Move the pass's window so that it ended minutes ago."""
    until = timezone.now() - timedelta(minutes=minutes)
    GatePass.objects.filter(pk=gate_pass.pk).update(
        valid_from=until - timedelta(hours=2), valid_until=until
    )
    gate_pass.refresh_from_db()
    return gate_pass


@pytest.fixture
def hq_security(make_user: Callable[..., User], hq: Office) -> User:
    return make_user("hq_security", Role.SECURITY_ADMIN, offices=[hq])


@pytest.fixture
def borough_security(make_user: Callable[..., User], borough: Office) -> User:
    return make_user("br_security", Role.SECURITY_ADMIN, offices=[borough])


@pytest.fixture
def chief_security(make_user: Callable[..., User], hq: Office, borough: Office) -> User:
    return make_user("chief_security", Role.SECURITY_ADMIN, all_offices=True)


@pytest.fixture
def hq_guard(make_user: Callable[..., User], hq: Office) -> User:
    return make_user("hq_guard", Role.GUARD, offices=[hq])


@pytest.fixture
def borough_guard(make_user: Callable[..., User], borough: Office) -> User:
    return make_user("br_guard", Role.GUARD, offices=[borough])
