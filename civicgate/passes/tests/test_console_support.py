"""Fixtures for the gate console's tests: a guard of HQ and passes to scan at its gates.

Test modules import the fixtures they use from here.
"""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.org.models import Office
from civicgate.passes.models import GatePass

MakePass = Callable[..., GatePass]


@pytest.fixture
def guard(hq: Office, make_user: Callable[..., User]) -> User:
    return make_user("guard", Role.GUARD, offices=[hq])


@pytest.fixture
def console_pass(make_pass: MakePass) -> MakePass:
    """Issue a pass the way the product does; by default a single entry at HQ, valid now."""
    return make_pass


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
