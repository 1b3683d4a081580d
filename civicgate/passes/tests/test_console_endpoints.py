"""The gate console's pages and JSON endpoints, as the console's script and a guard meet them."""

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.org.models import Office
from civicgate.passes import keys
from civicgate.passes.models import GatePass, GateScan
from civicgate.passes.tests.test_console_support import (
    MakePass,
    console_pass,
    forged,
    guard,
    scan_body,
)

# Fixtures shared with the other console tests; pytest finds them by name in this module.
SHARED_FIXTURES = (console_pass, guard)

StaffClient = Callable[[User], Client]
HQ_G1 = "/passes/console/HQ.G1"


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_guard_chooses_among_the_gates_of_their_own_offices_only(
    guard: User, borough: Office, staff_client: StaffClient
) -> None:
    client = staff_client(guard)

    response = client.get("/passes/console/")

    assert response.status_code == 200
    offered = list(response.context["gates"])
    assert [key for key, _gate in offered] == ["HQ.G1", "HQ.G2", "HQ.G3", "HQ.G4"]
    assert "BR-07.G1" not in response.content.decode()


def test_choosing_a_gate_and_a_direction_opens_that_gates_console(
    guard: User, staff_client: StaffClient
) -> None:
    client = staff_client(guard)

    response = client.get("/passes/console/", {"gate": "HQ.G2", "direction": "out"})

    assert response.status_code == 302
    assert response["Location"] == "/passes/console/HQ.G2/?direction=out"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["config"]["direction"] == "out"
    assert page.context["config"]["urls"]["scan"] == "/passes/console/HQ.G2/scan"
    assert 'class="topnav"' not in page.content.decode()


def test_it_says_so_when_the_chosen_gate_is_not_one_of_the_guards(
    guard: User, borough: Office, staff_client: StaffClient
) -> None:
    response = staff_client(guard).get("/passes/console/", {"gate": "BR-07.G1"})

    assert response.status_code == 200
    assert "Choose one of your gates." in response.content.decode()


def test_another_offices_gate_is_not_found_for_the_guard(
    guard: User, borough: Office, staff_client: StaffClient, console_pass: MakePass
) -> None:
    client = staff_client(guard)
    gate_pass = console_pass()

    page = client.get("/passes/console/BR-07.G1/")
    scan = post(client, "/passes/console/BR-07.G1/scan", scan_body(gate_pass.token))
    bootstrap = client.get("/passes/console/BR-07.G1/bootstrap")

    assert page.status_code == 404
    assert scan.status_code == 404 and scan.json()["error"] == "not_found"
    assert bootstrap.status_code == 404
    assert not GateScan.objects.exists()


def test_staff_who_are_not_guards_cannot_open_a_console(
    hq: Office, make_user: Callable[..., User], staff_client: StaffClient
) -> None:
    clerk = make_user("clerk", Role.DESK_OPERATOR, offices=[hq])
    client = staff_client(clerk)

    assert client.get("/passes/console/HQ.G1/").status_code == 403
    assert client.get(f"{HQ_G1}/bootstrap").json()["error"] == "forbidden"


def test_a_console_whose_session_ended_hears_401_in_json_not_a_login_page(hq: Office) -> None:
    response = Client().get(f"{HQ_G1}/bootstrap")

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_bootstrap_gives_what_the_console_needs_to_decide_offline(
    guard: User, staff_client: StaffClient, console_pass: MakePass
) -> None:
    inside = console_pass(name="Inside Person", mobile="+919830011111")
    revoked = console_pass(name="Revoked Person", mobile="+919830022222")
    GatePass.objects.filter(pk=revoked.pk).update(state=GatePass.State.REVOKED)
    client = staff_client(guard)
    post(client, f"{HQ_G1}/scan", scan_body(inside.token))

    body = client.get(f"{HQ_G1}/bootstrap").json()

    assert body["keys"] == keys.published_keys() and body["keys"]
    assert (body["office"], body["gate"], body["gate_name"]) == ("HQ", "G1", "Gate 1")
    assert body["refused"] == {revoked.code: "revoked"}
    assert list(body["inside"]) == [inside.code]
    assert body["reasons"]["in"]["already_inside"].startswith("Already inside")
    assert body["reasons"]["out"]["ok"] == "Exit recorded."
    assert body["strings"]["offline"] == "OFFLINE — decided locally"


def test_bootstrap_speaks_the_guards_language(guard: User, staff_client: StaffClient) -> None:
    client = staff_client(guard)

    body = client.get(f"{HQ_G1}/bootstrap", HTTP_ACCEPT_LANGUAGE="bn").json()

    assert body["language"] == "bn"
    assert body["strings"]["override_cancel"] != "Cancel"


def test_a_scan_is_decided_and_answered_like_the_device_api(
    guard: User, staff_client: StaffClient, console_pass: MakePass
) -> None:
    gate_pass = console_pass()
    client = staff_client(guard)
    sent = scan_body(gate_pass.token)

    body = post(client, f"{HQ_G1}/scan", sent).json()

    assert (body["decision"], body["reason"], body["message"]) == ("allow", "ok", "Entry allowed.")
    assert body["scan_id"] == sent["scan_id"] and body["duplicate"] is False
    assert body["pass"]["code"] == gate_pass.code and body["pass"]["host"] == "Water Supply"
    assert body["visitor"] == {"name": "Anita Sen", "photo_url": None}
    scan = GateScan.objects.get()
    assert (scan.guard, scan.gate.code, scan.offline) == (guard, "G1", False)


def test_a_second_entry_is_refused_as_already_inside(
    guard: User, staff_client: StaffClient, console_pass: MakePass
) -> None:
    gate_pass = console_pass(kind=GatePass.Kind.DAY)
    client = staff_client(guard)
    post(client, f"{HQ_G1}/scan", scan_body(gate_pass.token))

    body = post(client, "/passes/console/HQ.G3/scan", scan_body(gate_pass.token)).json()

    assert (body["decision"], body["reason"]) == ("deny", "already_inside")


def test_a_scan_without_the_csrf_header_is_refused(guard: User, console_pass: MakePass) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(guard)
    gate_pass = console_pass()

    response = post(client, f"{HQ_G1}/scan", scan_body(gate_pass.token))

    assert response.status_code == 403
    assert not GateScan.objects.exists()


def test_a_scan_with_the_csrf_header_from_the_cookie_is_accepted(
    guard: User, console_pass: MakePass
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(guard)
    client.get(f"{HQ_G1}/")
    token = client.cookies["csrftoken"].value
    gate_pass = console_pass()

    response = client.post(
        f"{HQ_G1}/scan",
        json.dumps(scan_body(gate_pass.token)),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 200 and response.json()["decision"] == "allow"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (json.dumps({"scan_id": "x", "code": "CG1", "direction": "in"}), "scan_id"),
        (json.dumps(scan_body("CG1:x", direction="sideways")), "direction"),
        (json.dumps({**scan_body("CG1:x"), "scanned_at": "2026-12-01T10:00:00"}), "time zone"),
    ],
)
def test_a_bad_request_gets_400_with_an_error_and_a_message(
    body: str, fragment: str, guard: User, staff_client: StaffClient
) -> None:
    response = staff_client(guard).post(f"{HQ_G1}/scan", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert fragment in response.json()["message"]
    assert not GateScan.objects.exists()


def test_an_uploaded_queue_counts_each_scan_once_however_often_it_is_sent(
    guard: User, staff_client: StaffClient, console_pass: MakePass
) -> None:
    gate_pass = console_pass(kind=GatePass.Kind.DAY)
    client = staff_client(guard)
    queue = [
        scan_body(gate_pass.token, "in", local_decision="allow"),
        scan_body(gate_pass.token, "out", local_decision="allow"),
    ]
    queue[1]["scanned_at"] = (timezone.now() + timezone.timedelta(seconds=5)).isoformat()

    first = post(client, f"{HQ_G1}/upload", {"scans": queue}).json()
    again = post(client, f"{HQ_G1}/upload", {"scans": queue}).json()

    assert [r["scan_id"] for r in first["results"]] == [s["scan_id"] for s in queue]
    assert [r["decision"] for r in first["results"]] == ["allow", "allow"]
    assert [r["duplicate"] for r in again["results"]] == [True, True]
    assert GateScan.objects.filter(offline=True).count() == 2
    gate_pass.refresh_from_db()
    assert (gate_pass.entries, gate_pass.state) == (1, GatePass.State.OUTSIDE)


def test_an_upload_with_a_malformed_scan_is_refused_whole(
    guard: User, staff_client: StaffClient, console_pass: MakePass
) -> None:
    gate_pass = console_pass()
    good = scan_body(gate_pass.token, local_decision="allow")
    bad = scan_body(gate_pass.token, local_decision="maybe")

    response = post(staff_client(guard), f"{HQ_G1}/upload", {"scans": [good, bad]})

    assert response.status_code == 400
    assert response.json()["message"].startswith("scans[1]")
    assert not GateScan.objects.exists()


def test_a_guard_lets_a_refused_visitor_through_with_a_reason(
    guard: User, staff_client: StaffClient, console_pass: MakePass
) -> None:
    gate_pass = console_pass(gates=["G2"])
    client = staff_client(guard)
    refused = post(client, f"{HQ_G1}/scan", scan_body(gate_pass.token)).json()
    assert refused["reason"] == "wrong_gate"

    body = post(
        client,
        f"{HQ_G1}/override",
        {"scan_id": refused["scan_id"], "reason": "Gate 2 closed for repairs"},
    ).json()

    assert (body["decision"], body["overridden"]) == ("allow", True)
    assert "Gate 2 closed for repairs" in body["message"]
    gate_pass.refresh_from_db()
    assert gate_pass.state == GatePass.State.INSIDE
    assert AuditRecord.objects.filter(action="passes.scan_overridden").count() == 1


def test_an_override_needs_a_reason_and_a_scan_of_this_gate(
    guard: User, staff_client: StaffClient, console_pass: MakePass
) -> None:
    gate_pass = console_pass(gates=["G2"])
    client = staff_client(guard)
    refused = post(client, f"{HQ_G1}/scan", scan_body(gate_pass.token)).json()

    no_reason = post(client, f"{HQ_G1}/override", {"scan_id": refused["scan_id"], "reason": " "})
    elsewhere = post(
        client, "/passes/console/HQ.G3/override", {"scan_id": refused["scan_id"], "reason": "x"}
    )
    unknown = post(client, f"{HQ_G1}/override", {"scan_id": str(uuid.uuid4()), "reason": "x"})

    assert no_reason.status_code == 400
    assert elsewhere.status_code == 404 and unknown.status_code == 404
    assert GateScan.objects.get().decision == GateScan.Decision.DENY


def test_an_allowed_scan_cannot_be_overridden(
    guard: User, staff_client: StaffClient, console_pass: MakePass
) -> None:
    client = staff_client(guard)
    allowed = post(client, f"{HQ_G1}/scan", scan_body(console_pass().token)).json()

    response = post(client, f"{HQ_G1}/override", {"scan_id": allowed["scan_id"], "reason": "x"})

    assert response.status_code == 409
    assert response.json()["error"] == "not_overridable"


def test_a_forged_pass_is_refused_with_its_reason(
    guard: User, staff_client: StaffClient, console_pass: MakePass
) -> None:
    body = post(
        staff_client(guard), f"{HQ_G1}/scan", scan_body(forged(console_pass().token))
    ).json()

    assert (body["decision"], body["reason"]) == ("deny", "invalid_signature")


def test_the_gate_list_and_bootstrap_take_a_fixed_number_of_queries(
    guard: User,
    staff_client: StaffClient,
    console_pass: MakePass,
    django_assert_max_num_queries: Any,
) -> None:
    client = staff_client(guard)
    for n in range(5):
        made = console_pass(name=f"Visitor {n}", mobile=f"+91983001{n:04d}")
        post(client, f"{HQ_G1}/scan", scan_body(made.token))
    client.get(f"{HQ_G1}/bootstrap")  # the public keys are cached after the first read

    with django_assert_max_num_queries(4):
        choose = client.get("/passes/console/")
    with django_assert_max_num_queries(5):
        bootstrap = client.get(f"{HQ_G1}/bootstrap")

    assert len(choose.context["gates"]) == 4
    assert len(bootstrap.json()["inside"]) == 5
