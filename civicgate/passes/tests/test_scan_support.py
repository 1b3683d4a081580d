"""Fixtures for the scan tests: an office with gates, registered scanners and passes to scan.

Test modules import the fixtures they use from here.
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicgate.core.crypto import blind_index
from civicgate.devices.actions import register_device
from civicgate.devices.models import Device
from civicgate.org.models import Office
from civicgate.passes.models import GatePass, WatchlistEntry

SCANS = "/api/v1/gate/scans"


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def scanner(hq: Office) -> tuple[Device, str]:
    """A scanner at HQ Gate 1 that scans both ways."""
    return register_device(
        name="Gate 1 scanner", kind="scanner", office=hq, gate=hq.gates.get(code="G1"), actor="t"
    )


@pytest.fixture
def scanner_g2(hq: Office) -> tuple[Device, str]:
    return register_device(
        name="Gate 2 scanner", kind="scanner", office=hq, gate=hq.gates.get(code="G2"), actor="t"
    )


@pytest.fixture
def post_scan(client: Client) -> Callable[..., Any]:
    """POST a scan with the device token; returns the response."""

    def post(
        token: str,
        code: str,
        direction: str = "in",
        scan_id: uuid.UUID | None = None,
        scanned_at: datetime | None = None,
        **extra: Any,
    ) -> Any:
        body = {
            "scan_id": str(scan_id or uuid.uuid4()),
            "code": code,
            "direction": direction,
            "scanned_at": (scanned_at or timezone.now()).isoformat(),
        }
        return client.post(SCANS, body, content_type="application/json", **bearer(token), **extra)

    return post


def watch(*, action: str, mobile: str = "", name: str = "", office: Office | None = None) -> Any:
    """A watch-list entry as security would add it."""
    return WatchlistEntry.objects.create(
        name=name,
        mobile=mobile,
        mobile_index=blind_index(mobile, "mobile") if mobile else "",
        action=action,
        office=office,
        reason="Seen forging signatures on applications",
    )


def test_the_fixtures_make_a_pass_that_a_gate_can_scan(
    make_pass: Callable[..., GatePass], scanner: tuple[Device, str]
) -> None:
    gate_pass = make_pass()

    assert gate_pass.state == GatePass.State.ISSUED
    assert gate_pass.token.startswith("CG1:")
    assert scanner[0].gate is not None
