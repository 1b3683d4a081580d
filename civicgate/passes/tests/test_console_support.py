"""Fixtures for the gate console's tests: a guard of HQ and passes to scan at its gates.

Test modules import the fixtures they use from here.
"""

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.org.models import Department, Office
from civicgate.passes.actions import get_or_create_visitor, issue_pass
from civicgate.passes.models import GatePass

MakePass = Callable[..., GatePass]


@pytest.fixture
def guard(hq: Office, make_user: Callable[..., User]) -> User:
    return make_user("guard", Role.GUARD, offices=[hq])


@pytest.fixture
def console_pass(hq: Office, water: Department) -> MakePass:
    """Issue a pass the way the product does; by default a single entry at HQ, valid now."""

    def make(
        *,
        office: Office | None = None,
        name: str = "Anita Sen",
        mobile: str = "+919830012345",
        start: datetime | None = None,
        hours: float = 4,
        kind: str = GatePass.Kind.SINGLE,
        gates: list[str] | None = None,
    ) -> GatePass:
        office = office or hq
        visitor = get_or_create_visitor(mobile=mobile, name=name, verified=True, actor="test")
        start = start or timezone.now() - timedelta(minutes=5)
        return issue_pass(
            visitor=visitor,
            office=office,
            purpose="Water connection",
            valid_from=start,
            valid_until=start + timedelta(hours=hours),
            channel=GatePass.Channel.WEB,
            host_department=water,
            gates=[office.gates.get(code=c) for c in gates or []],
            kind=kind,
            actor="test",
        )

    return make


def forged(token: str) -> str:
    """The pass's QR text with its end pushed a day later by hand, the signature left as it was."""
    parts = token.split(":")
    until = int(parts[6], 36) + 86_400
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while until:
        until, rest = divmod(until, 36)
        text = digits[rest] + text
    parts[6] = text
    return ":".join(parts)


def scan_body(code: str, direction: str = "in", **extra: Any) -> dict[str, Any]:
    return {
        "scan_id": str(uuid.uuid4()),
        "code": code,
        "direction": direction,
        "scanned_at": timezone.now().isoformat(),
        **extra,
    }
