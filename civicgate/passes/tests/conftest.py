"""Fixtures shared by the passes tests."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from civicgate.org.models import Department, Office
from civicgate.passes.actions import get_or_create_visitor, issue_pass
from civicgate.passes.models import GatePass

MOBILE = "+919830012345"


@pytest.fixture
def make_pass(hq: Office, water: Department) -> Callable[..., GatePass]:
    def make(
        *,
        office: Office | None = None,
        mobile: str = MOBILE,
        name: str = "Anita Sen",
        start: datetime | None = None,
        hours: float = 4,
        kind: str = GatePass.Kind.SINGLE,
        gates: list[str] | None = None,
    ) -> GatePass:
        office = office or hq
        visitor = get_or_create_visitor(mobile=mobile, name=name, verified=True, actor="t")
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
            actor="t",
        )

    return make
