"""The passes commands: issue_pass for operations, the daily close-out, key rotation."""

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from civicgate.audit.models import AuditRecord
from civicgate.org.models import Department, Office
from civicgate.passes import scanning
from civicgate.passes.models import GatePass, SigningKey

KOLKATA = ZoneInfo("Asia/Kolkata")


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def scan_in(gate_pass: GatePass | str, office: Office, at: datetime | None = None) -> Any:
    return scanning.record_scan(
        scan_id=uuid.uuid4(),
        code=gate_pass if isinstance(gate_pass, str) else gate_pass.token,
        direction="in",
        scanned_at=at or timezone.now(),
        gate=office.gates.get(code="G1"),
    )


def test_issue_pass_prints_a_qr_text_that_the_gate_accepts(hq: Office, water: Department) -> None:
    out = run(
        "issue_pass",
        "--mobile=+919830012345",
        "--name=Anita Sen",
        "--office=HQ",
        "--department=Water Supply",
        "--hours=4",
    )

    code = out.split()[1]
    qr_text = out.strip().splitlines()[-1]
    gate_pass = GatePass.objects.get(code=code)
    assert qr_text == gate_pass.token
    assert (gate_pass.host_department, gate_pass.kind) == (water, "single")
    assert scan_in(qr_text, hq).reason == "ok"


def test_issue_pass_limits_the_pass_to_the_gates_asked_for(hq: Office, water: Department) -> None:
    out = run(
        "issue_pass",
        "--mobile=9830012345",
        "--name=Anita Sen",
        "--office=hq",
        "--department=WS",
        "--gates=G2,G3",
        "--kind=day",
        "--purpose=Meter complaint",
    )

    gate_pass = GatePass.objects.get(code=out.split()[1])
    assert sorted(g.code for g in gate_pass.gates.all()) == ["G2", "G3"]
    assert (gate_pass.kind, gate_pass.purpose) == ("day", "Meter complaint")
    assert scan_in(gate_pass, hq).reason == "wrong_gate"


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--office=XX", "--department=Water Supply"], "No office 'XX'"),
        (["--office=HQ", "--department=Parks"], "No department 'Parks'"),
        (["--office=HQ"], "Give --department or --official"),
        (["--office=HQ", "--department=WS", "--gates=G9"], "HQ has no gate G9"),
        (["--office=HQ", "--department=WS", "--hours=0"], "--hours must be more than 0"),
    ],
)
def test_issue_pass_explains_what_is_wrong_and_issues_nothing(
    hq: Office, water: Department, args: list[str], complaint: str
) -> None:
    with pytest.raises(CommandError, match=complaint):
        run("issue_pass", "--mobile=+919830012345", "--name=Anita Sen", *args)

    assert not GatePass.objects.exists()


def test_issue_pass_rejects_a_number_that_is_not_a_mobile(hq: Office, water: Department) -> None:
    with pytest.raises(CommandError, match="valid 10-digit mobile"):
        run("issue_pass", "--mobile=12345", "--name=X", "--office=HQ", "--department=WS")


def test_close_out_closes_visits_left_open_and_expires_ended_passes(
    hq: Office, make_pass: Callable[..., GatePass], settings: Any
) -> None:
    settings.PASS_CLOSE_OUT_TIME = "21:00"
    morning = datetime(2026, 12, 1, 10, 0, tzinfo=KOLKATA)
    with time_machine.travel(morning, tick=False):
        stayed = make_pass(mobile="+919830011111", hours=4)
        never_came = make_pass(mobile="+919830022222", hours=4)
        multi = make_pass(mobile="+919830033333", hours=72, kind=GatePass.Kind.MULTI_DAY)
        tomorrow = make_pass(mobile="+919830044444", start=morning + timedelta(days=1))
        scan_in(stayed, hq)
        scan_in(multi, hq)

    with time_machine.travel(morning.replace(hour=21, minute=1), tick=False):
        first = run("close_out_passes")
        second = run("close_out_passes")

    assert "Expired 1 passes" in first and "Closed 2 visits" in first
    assert "Expired 0 passes" in second and "Closed 0 visits" in second
    states = {p.code: (p.state, p.closed_without_exit) for p in GatePass.objects.all()}
    assert states[stayed.code] == (GatePass.State.CLOSED, True)
    assert states[multi.code] == (GatePass.State.OUTSIDE, True)
    assert states[never_came.code] == (GatePass.State.EXPIRED, False)
    assert states[tomorrow.code] == (GatePass.State.ISSUED, False)
    assert AuditRecord.objects.filter(action="passes.visit_closed_out").count() == 2
    assert AuditRecord.objects.filter(action="passes.passes_expired").count() == 1


def test_close_out_leaves_alone_a_visit_that_began_after_close_out_time(
    hq: Office, make_pass: Callable[..., GatePass], settings: Any
) -> None:
    settings.PASS_CLOSE_OUT_TIME = "21:00"
    late = datetime(2026, 12, 1, 21, 10, tzinfo=KOLKATA)
    with time_machine.travel(late, tick=False):
        gate_pass = make_pass(hours=2)
        scan_in(gate_pass, hq)
    with time_machine.travel(late + timedelta(minutes=5), tick=False):
        out = run("close_out_passes")

    assert "Closed 0 visits" in out
    gate_pass.refresh_from_db()
    assert gate_pass.state == GatePass.State.INSIDE


def test_rotate_pass_key_signs_new_passes_with_a_new_key_and_keeps_the_old_one(
    hq: Office, make_pass: Callable[..., GatePass]
) -> None:
    old = make_pass(mobile="+919830011111")

    out = run("rotate_pass_key")

    new_key = SigningKey.objects.get(signs=True)
    assert new_key.kid in out and old.signing_key.kid in out
    assert make_pass(mobile="+919830022222").signing_key == new_key
    assert scan_in(old, hq).reason == "ok"
