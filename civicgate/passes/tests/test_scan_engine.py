"""scanning: concurrent gates, key rotation, offline uploads, overrides and the audit trail."""

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.audit.chain import verify_chain
from civicgate.audit.models import AuditRecord
from civicgate.devices.models import Device
from civicgate.org.models import Office
from civicgate.passes import keys, scanning
from civicgate.passes.actions import _token_for
from civicgate.passes.models import GatePass, GateScan, SecurityAlert
from civicgate.passes.tests.test_scan_support import (
    post_scan,
    scanner,
)

# Fixtures shared with the other scan tests; pytest finds them by name in this module.
SHARED_FIXTURES = (post_scan, scanner)

MakePass = Callable[..., GatePass]


def scan(gate_pass: GatePass | str, direction: str = "in", gate_code: str = "G1", **kw: Any) -> Any:
    code = gate_pass if isinstance(gate_pass, str) else gate_pass.token
    office = Office.objects.get(code="HQ")
    return scanning.record_scan(
        scan_id=kw.pop("scan_id", uuid.uuid4()),
        code=code,
        direction=direction,
        scanned_at=kw.pop("scanned_at", timezone.now()),
        gate=office.gates.get(code=gate_code),
        **kw,
    )


def in_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


@pytest.mark.django_db(transaction=True)
def test_two_gates_scanning_one_pass_at_once_let_it_in_once(
    hq: Office, make_pass: MakePass
) -> None:
    # In-memory SQLite shares one cache between threads and cannot queue writers; a file
    # database (SQLITE_TEST_PATH) or PostgreSQL runs this for real.
    if in_memory_sqlite():
        pytest.skip("needs PostgreSQL or a file SQLite database (SQLITE_TEST_PATH)")
    gate_pass = make_pass(kind=GatePass.Kind.DAY)
    barrier = threading.Barrier(4)
    results: list[str] = []
    errors: list[BaseException] = []

    def at_gate(code: str) -> None:
        try:
            barrier.wait()
            results.append(scan(gate_pass, "in", code).reason)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=at_gate, args=(f"G{n}",)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == ["already_inside"] * 3 + ["ok"]
    gate_pass.refresh_from_db()
    assert (gate_pass.state, gate_pass.entries) == (GatePass.State.INSIDE, 1)
    assert GateScan.objects.filter(decision="allow").count() == 1


def test_the_same_scan_id_sent_from_two_gates_is_recorded_once(
    hq: Office, make_pass: MakePass
) -> None:
    gate_pass = make_pass()
    scan_id = uuid.uuid4()

    first = scan(gate_pass, scan_id=scan_id)
    again = scan(gate_pass, scan_id=scan_id, gate_code="G2")

    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.scan.pk == first.scan.pk
    assert (again.decision, again.reason, again.message) == (
        first.decision,
        first.reason,
        first.message,
    )


def test_rotating_the_key_keeps_passes_already_issued_valid(
    hq: Office, make_pass: MakePass
) -> None:
    old = make_pass(mobile="+919830011111", name="Old Key")
    keys.rotate(actor="t")
    new = make_pass(mobile="+919830022222", name="New Key")

    assert old.token.split(":")[1] != new.token.split(":")[1]
    assert scan(old).reason == "ok"
    assert scan(new).reason == "ok"


def test_a_token_replaced_by_a_newer_one_is_refused(hq: Office, make_pass: MakePass) -> None:
    gate_pass = make_pass()
    stale = gate_pass.token
    keys.rotate(actor="t")
    GatePass.objects.filter(pk=gate_pass.pk).update(token=_token_for(gate_pass, []))

    assert scan(stale).reason == "revoked"


def test_an_allowed_scan_is_audited_and_the_chain_holds(hq: Office, make_pass: MakePass) -> None:
    gate_pass = make_pass()

    result = scan(gate_pass)

    entry = AuditRecord.objects.get(action="passes.scan_allowed")
    assert entry.object_id == gate_pass.code
    assert entry.data["scan_id"] == str(result.scan.scan_id)
    assert entry.office_code == "HQ"
    assert verify_chain()[1] == []


def test_an_offline_queue_with_two_entries_counts_once_and_flags_the_second(
    hq: Office, make_pass: MakePass
) -> None:
    gate_pass = make_pass(kind=GatePass.Kind.DAY)
    t0 = timezone.now()
    queue = [
        {
            "scan_id": uuid.uuid4(),
            "code": gate_pass.token,
            "direction": "in",
            "scanned_at": t0 + timedelta(seconds=s),
            "local_decision": "allow",
        }
        for s in (40, 10)
    ]
    gate = hq.gates.get(code="G1")

    results = scanning.upload_offline_scans(queue, gate=gate)
    again = scanning.upload_offline_scans(queue, gate=gate)

    assert [r.reason for r in results] == ["already_inside", "ok"]
    assert all(r.duplicate for r in again)
    gate_pass.refresh_from_db()
    assert gate_pass.entries == 1
    second = GateScan.objects.get(scan_id=queue[0]["scan_id"])
    assert second.offline and "already_inside" in second.conflict
    alert = SecurityAlert.objects.get()
    assert (alert.kind, alert.scan) == ("offline_conflict", second)


def test_an_offline_refusal_never_moves_the_pass(hq: Office, make_pass: MakePass) -> None:
    gate_pass = make_pass()
    item = {
        "scan_id": uuid.uuid4(),
        "code": gate_pass.token,
        "direction": "in",
        "scanned_at": timezone.now(),
        "local_decision": "deny",
    }

    [result] = scanning.upload_offline_scans([item], gate=hq.gates.get(code="G1"))

    assert (result.decision, result.reason) == ("deny", "refused_offline")
    gate_pass.refresh_from_db()
    assert gate_pass.state == GatePass.State.ISSUED
    assert SecurityAlert.objects.get().kind == "offline_conflict"


@pytest.fixture
def guard(make_user: Callable[..., User], hq: Office) -> User:
    return make_user("guard", "guard", offices=[hq])


def test_a_guard_lets_a_refused_visitor_in_with_a_reason(
    hq: Office, make_pass: MakePass, guard: User
) -> None:
    gate_pass = make_pass(start=timezone.now() + timedelta(minutes=20))
    refused = scan(gate_pass, guard=guard)
    assert refused.reason == "not_yet_valid"

    result = scanning.override_scan(refused.scan, guard=guard, reason="Host came down to fetch him")

    assert (result.decision, result.reason) == ("allow", "ok")
    assert "Host came down" in result.message
    gate_pass.refresh_from_db()
    assert gate_pass.state == GatePass.State.INSIDE
    refused.scan.refresh_from_db()
    assert (refused.scan.decision, refused.scan.reason) == ("allow", "not_yet_valid")
    entry = AuditRecord.objects.get(action="passes.scan_overridden")
    assert entry.data["refused_for"] == "not_yet_valid"
    assert entry.actor_label == "guard"


def test_an_override_needs_a_reason_and_cannot_lift_a_block(
    hq: Office, make_pass: MakePass, guard: User
) -> None:
    from civicgate.passes.models import WatchlistEntry
    from civicgate.passes.tests.test_scan_support import watch

    watch(action=WatchlistEntry.Action.BLOCK, name="Anita Sen")
    blocked = scan(make_pass(), guard=guard)

    with pytest.raises(ValidationError):
        scanning.override_scan(blocked.scan, guard=guard, reason="  ")
    with pytest.raises(ValidationError):
        scanning.override_scan(blocked.scan, guard=guard, reason="He says he is someone else")


def test_a_guard_of_another_office_cannot_override(
    hq: Office, borough: Office, make_pass: MakePass, make_user: Callable[..., User]
) -> None:
    outsider = make_user("outsider", "guard", offices=[borough])
    refused = scan(make_pass(), "out")

    with pytest.raises(PermissionDenied):
        scanning.override_scan(refused.scan, guard=outsider, reason="Let him out")


def test_scans_by_a_device_name_it_in_the_audit(
    hq: Office, make_pass: MakePass, scanner: tuple[Device, str]
) -> None:
    scan(make_pass(), device=scanner[0])

    assert AuditRecord.objects.get(action="passes.scan_allowed").actor_label == "Gate 1 scanner"


def test_two_gates_at_once_on_a_sqlite_file_database_let_the_pass_in_once(
    tmp_path: Any,
) -> None:
    # The in-memory test database cannot hold two writers at once; run the concurrent test
    # in a child pytest against a SQLite file, as production SQLite runs.
    if not in_memory_sqlite():
        pytest.skip("the concurrent test above runs on this database directly")
    env = {**os.environ, "SQLITE_TEST_PATH": str(tmp_path / "concurrency.sqlite3")}
    target = f"{__file__}::test_two_gates_scanning_one_pass_at_once_let_it_in_once"

    child = subprocess.run(
        [sys.executable, "-m", "pytest", target, "-q"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert child.returncode == 0, child.stdout[-2000:] + child.stderr[-2000:]
    assert "1 passed" in child.stdout
