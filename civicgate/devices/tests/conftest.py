"""Fixtures for the devices tests: registered devices with their tokens."""

from collections.abc import Callable
from typing import Any

import pytest

from civicgate.devices.actions import register_device
from civicgate.devices.models import Device
from civicgate.org.models import Office


@pytest.fixture
def make_device(hq: Office) -> Callable[..., tuple[Device, str]]:
    counter = iter(range(1, 10_000))

    def make(
        office: Office | None = None, gate_name: str | None = "Gate 1", **fields: Any
    ) -> tuple[Device, str]:
        office = office or hq
        gate = office.gates.get(name=gate_name) if gate_name else None
        fields.setdefault("name", f"Scanner {next(counter)}")
        fields.setdefault("kind", Device.Kind.SCANNER)
        return register_device(office=office, gate=gate, actor="test setup", **fields)

    return make


@pytest.fixture
def hq_scanner(make_device: Callable[..., tuple[Device, str]]) -> tuple[Device, str]:
    return make_device(name="Gate 1 scanner", direction=Device.Direction.IN)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
