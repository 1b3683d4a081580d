"""The guard's gate console in a real browser: passes typed in by a USB scanner, ALLOW or DENY
with the reason, exit at another gate, overrides, and deciding alone while the server is cut off."""

import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from civicgate.conftest import sign_in
from civicgate.org.models import Office
from civicgate.passes.models import GatePass, GateScan
from civicgate.passes.scanning import message_for
from civicgate.passes.tests.test_console_support import (
    MakePass,
    console_pass,
    forged,
    guard,
)

# Fixtures shared with the other console tests; pytest finds them by name in this module.
SHARED_FIXTURES = (console_pass, guard)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_console(page: Any, base_url: str, gate: str = "HQ.G1", direction: str = "in") -> None:
    page.goto(f"{base_url}/passes/console/{gate}/?direction={direction}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#status")).to_have_attribute("data-online", "true")


def scan(page: Any, text: str) -> None:
    """Type the QR text and Enter into the focused page, as a USB 2D scanner does."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def expect_decision(page: Any, decision: str, reason: str, message: str) -> None:
    expect(page.locator("body")).to_have_attribute("data-decision", decision)
    expect(page.locator("body")).to_have_attribute("data-reason", reason)
    expect(page.get_by_test_id("verdict")).to_have_text(decision.upper())
    expect(page.get_by_test_id("reason")).to_have_text(message)


def test_a_guard_picks_a_gate_and_a_direction_and_gets_the_full_screen_console(
    live_server: Any, page: Any, guard: Any
) -> None:
    sign_in(page, live_server.url, "guard")
    page.goto(f"{live_server.url}/passes/console/")

    page.get_by_label("Gate 3").check()
    page.get_by_text("Exit only").click()
    page.get_by_role("button", name="Open the console").click()

    page.wait_for_url(f"{live_server.url}/passes/console/HQ.G3/?direction=out")
    expect(page.get_by_test_id("direction")).to_have_text("OUT")
    expect(page.get_by_test_id("verdict")).to_have_text("Ready: scan a pass")
    expect(page.locator(".topnav")).to_have_count(0)
    expect(page.get_by_test_id("scanner")).to_be_focused()


def test_the_console_admits_a_pass_refuses_a_second_entry_and_lets_it_out_at_another_gate(
    live_server: Any, page: Any, guard: Any, console_pass: MakePass
) -> None:
    gate_pass = console_pass(kind=GatePass.Kind.DAY)
    sign_in(page, live_server.url, "guard")
    open_console(page, live_server.url, "HQ.G1", "in")

    scan(page, gate_pass.token)
    expect_decision(page, "allow", "ok", message_for("ok", "in"))
    expect(page.get_by_test_id("visitor-name")).to_have_text("Anita Sen")
    expect(page.get_by_test_id("host")).to_have_text("Water Supply")
    expect(page.get_by_test_id("pass-code")).to_have_text(gate_pass.code)
    expect(page.locator("#offline-note")).to_be_hidden()

    scan(page, gate_pass.token)
    expect_decision(page, "deny", "already_inside", message_for("already_inside", "in"))
    expect(page.get_by_role("button", name="Override: let through")).to_be_visible()

    open_console(page, live_server.url, "HQ.G4", "out")
    scan(page, gate_pass.token)
    expect_decision(page, "allow", "ok", message_for("ok", "out"))

    gate_pass.refresh_from_db()
    assert (gate_pass.state, gate_pass.entries) == (GatePass.State.OUTSIDE, 1)
    assert gate_pass.last_gate is not None and gate_pass.last_gate.code == "G4"
    assert GateScan.objects.count() == 3


def test_a_toggle_console_switches_between_in_and_out(
    live_server: Any, page: Any, guard: Any, console_pass: MakePass
) -> None:
    gate_pass = console_pass()
    sign_in(page, live_server.url, "guard")
    open_console(page, live_server.url, "HQ.G2", "toggle")
    scan(page, gate_pass.token)
    expect_decision(page, "allow", "ok", message_for("ok", "in"))

    page.get_by_test_id("direction").click()
    expect(page.get_by_test_id("direction")).to_have_text("OUT")
    scan(page, gate_pass.token)

    expect_decision(page, "allow", "ok", message_for("ok", "out"))
    gate_pass.refresh_from_db()
    assert gate_pass.state == GatePass.State.CLOSED


def _forged(make: MakePass, office: Office) -> tuple[str, GatePass | None]:
    return forged(make().token), None


def _expired(make: MakePass, office: Office) -> tuple[str, GatePass | None]:
    with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
        gate_pass = make()
    return gate_pass.token, gate_pass


def _revoked(make: MakePass, office: Office) -> tuple[str, GatePass | None]:
    gate_pass = make()
    GatePass.objects.filter(pk=gate_pass.pk).update(state=GatePass.State.REVOKED)
    return gate_pass.token, gate_pass


def _other_office(make: MakePass, office: Office) -> tuple[str, GatePass | None]:
    gate_pass = make(office=office)
    return gate_pass.token, gate_pass


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_forged, "invalid_signature"),
        (_expired, "expired"),
        (_revoked, "revoked"),
        (_other_office, "wrong_office"),
    ],
    ids=["forged", "expired", "revoked", "another_office"],
)
def test_the_console_refuses_a_bad_pass_and_says_why(
    make: Any,
    reason: str,
    live_server: Any,
    page: Any,
    guard: Any,
    borough: Office,
    console_pass: MakePass,
) -> None:
    token, gate_pass = make(console_pass, borough)
    sign_in(page, live_server.url, "guard")
    open_console(page, live_server.url)

    scan(page, token)

    if gate_pass is not None:
        gate_pass.refresh_from_db()
    expect_decision(page, "deny", reason, message_for(reason, "in", gate_pass))
    refused = GateScan.objects.get()
    assert (refused.decision, refused.reason) == ("deny", reason)


def test_a_guard_overrides_a_refusal_with_a_reason(
    live_server: Any, page: Any, guard: Any, console_pass: MakePass
) -> None:
    gate_pass = console_pass(gates=["G2"])
    sign_in(page, live_server.url, "guard")
    open_console(page, live_server.url)
    scan(page, gate_pass.token)
    expect(page.locator("body")).to_have_attribute("data-reason", "wrong_gate")

    page.get_by_role("button", name="Override: let through").click()
    page.get_by_role("button", name="Let through", exact=True).click()
    expect(page.locator("#override-error")).to_have_text("Give a reason for the override.")
    page.get_by_label("Reason (required)").fill("Gate 2 is closed for repairs")
    page.get_by_role("button", name="Let through", exact=True).click()

    expect(page.locator("body")).to_have_attribute("data-decision", "allow")
    expect(page.get_by_test_id("reason")).to_contain_text("Gate 2 is closed for repairs")
    gate_pass.refresh_from_db()
    assert gate_pass.state == GatePass.State.INSIDE
    assert GateScan.objects.get().override_reason == "Gate 2 is closed for repairs"


def test_the_console_decides_alone_when_the_server_is_cut_off_and_uploads_its_queue_after(
    live_server: Any, page: Any, guard: Any, console_pass: MakePass
) -> None:
    visitor_pass = console_pass(kind=GatePass.Kind.DAY)
    revoked = console_pass(name="Revoked Person", mobile="+919830022222")
    GatePass.objects.filter(pk=revoked.pk).update(state=GatePass.State.REVOKED)
    sign_in(page, live_server.url, "guard")
    open_console(page, live_server.url)

    # The network goes: nothing reaches the server any more.
    page.route(f"{live_server.url}/passes/**", lambda route: route.abort())

    scan(page, visitor_pass.token)
    expect_decision(page, "allow", "ok", message_for("ok", "in"))
    expect(page.locator("#offline-note")).to_have_text("OFFLINE — decided locally")
    expect(page.get_by_test_id("pass-code")).to_have_text(visitor_pass.code)
    expect(page.locator("#status")).to_have_attribute("data-online", "false")

    scan(page, visitor_pass.token)
    expect_decision(page, "deny", "already_inside", message_for("already_inside", "in"))
    expect(page.get_by_role("button", name="Override: let through")).to_be_hidden()

    scan(page, forged(visitor_pass.token))
    expect_decision(page, "deny", "invalid_signature", message_for("invalid_signature", "in"))

    scan(page, revoked.token)
    expect_decision(page, "deny", "revoked", message_for("revoked", "in"))

    expect(page.locator("#queue")).to_have_attribute("data-count", "4")
    assert not GateScan.objects.exists()

    # The network returns, but the first upload's answer is lost on the way back: the
    # console keeps its queue and sends it again; the server must not count anything twice.
    answers_lost = []

    def lose_first_answer(route: Any) -> None:
        if "/upload" in route.request.url and not answers_lost:
            route.fetch()
            answers_lost.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    page.unroute(f"{live_server.url}/passes/**")
    page.route(f"{live_server.url}/passes/**", lose_first_answer)

    expect(page.locator("#queue")).to_have_attribute("data-count", "0", timeout=30_000)
    expect(page.locator("#status")).to_have_attribute("data-online", "true")
    assert answers_lost
    scans = GateScan.objects.order_by("scanned_at")
    assert [(s.decision, s.reason, s.offline) for s in scans] == [
        ("allow", "ok", True),
        ("deny", "already_inside", True),
        ("deny", "invalid_signature", True),
        ("deny", "revoked", True),
    ]
    assert not any(s.conflict for s in scans)
    visitor_pass.refresh_from_db()
    assert (visitor_pass.state, visitor_pass.entries) == (GatePass.State.INSIDE, 1)

    # Online again: the server decides, and knows the visitor is inside.
    scan(page, visitor_pass.token)
    expect_decision(page, "deny", "already_inside", message_for("already_inside", "in"))
    expect(page.locator("#offline-note")).to_be_hidden()


def test_a_queue_survives_a_reload_of_the_console(
    live_server: Any, page: Any, guard: Any, console_pass: MakePass
) -> None:
    gate_pass = console_pass()
    sign_in(page, live_server.url, "guard")
    open_console(page, live_server.url)
    page.route(f"{live_server.url}/passes/**/scan", lambda route: route.abort())
    page.route(f"{live_server.url}/passes/**/upload", lambda route: route.abort())
    scan(page, gate_pass.token)
    expect(page.locator("#queue")).to_have_attribute("data-count", "1")

    page.unroute(f"{live_server.url}/passes/**/scan")
    page.unroute(f"{live_server.url}/passes/**/upload")
    page.reload()

    expect(page.locator("#queue")).to_have_attribute("data-count", "0", timeout=30_000)
    gate_pass.refresh_from_db()
    assert (gate_pass.state, gate_pass.entries) == (GatePass.State.INSIDE, 1)
    assert GateScan.objects.get().offline is True


def test_the_console_shows_the_visitors_photo_to_compare_with_the_face(
    live_server: Any, page: Any, guard: Any, console_pass: MakePass, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    gate_pass = console_pass()
    picture = io.BytesIO()
    Image.new("RGB", (60, 80), "teal").save(picture, "PNG")
    gate_pass.visitor.photo.save("anita.png", ContentFile(picture.getvalue()))
    sign_in(page, live_server.url, "guard")
    open_console(page, live_server.url)

    scan(page, gate_pass.token)

    photo = page.get_by_role("img", name="Anita Sen")
    expect(photo).to_be_visible()
    expect(photo).to_have_attribute(
        "src", f"/passes/security/visitors/{gate_pass.visitor.code}/photo"
    )
    loaded = page.wait_for_function(
        "() => { const img = document.querySelector('#photo');"
        " return img.complete && img.naturalWidth ? img.naturalWidth : null; }"
    )
    assert loaded.json_value() == 60


def test_without_a_camera_the_console_says_so_and_the_usb_scanner_keeps_working(
    live_server: Any, page: Any, guard: Any, console_pass: MakePass
) -> None:
    gate_pass = console_pass()
    sign_in(page, live_server.url, "guard")
    open_console(page, live_server.url)

    page.get_by_role("button", name="Use camera").click()

    expect(page.locator("#camera-note")).to_contain_text("No camera could be opened")
    expect(page.get_by_test_id("scanner")).to_be_focused()
    scan(page, gate_pass.token)
    expect(page.locator("body")).to_have_attribute("data-decision", "allow")
