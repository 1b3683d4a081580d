"""Security alerts: a held visitor reaches the security administrators' screen until acknowledged."""

import re
from collections.abc import Callable

from django.test import Client

from civicgate.accounts.models import User
from civicgate.org.models import Department, Office
from civicgate.passes import watchlist
from civicgate.passes.models import SecurityAlert
from civicgate.passes.tests.test_security_support import (
    audits,
    borough_security,
    give_pass,
    hq_guard,
    hq_security,
    scan_in,
    text,
    visitor,
)

# Fixtures shared with the other security tests; pytest finds them by name in this module.
SHARED_FIXTURES = (borough_security, hq_guard, hq_security)

ALERTS = "/passes/security/alerts/"
BADGE = "/passes/security/alerts/badge/"


def listed_alerts(response: object) -> list[str]:
    return re.findall(r'<tr data-alert="([^"]+)"', response.content.decode())  # type: ignore[attr-defined]


def held_at_gate(hq: Office, water: Department, actor: User) -> SecurityAlert:
    """A watch-listed visitor scans in at HQ Gate 2 and is held."""
    watchlist.add_entry(
        actor=actor, name="", mobile="+919830055555", office=hq, reason="Known tout"
    )
    gate_pass = give_pass(visitor("Ratan Mitra", "+919830055555"), hq, department=water)
    result = scan_in(gate_pass, hq.gates.get(code="G2"))
    assert result.reason == "watchlist_hold"
    return SecurityAlert.objects.get(kind="watchlist_hold")


def test_a_hold_alert_is_listed_and_acknowledged(
    staff_client: Callable[[User], Client], hq_security: User, hq: Office, water: Department
) -> None:
    # given
    alert = held_at_gate(hq, water, hq_security)
    client = staff_client(hq_security)
    listing = client.get(ALERTS)
    assert listed_alerts(listing) == [alert.code]
    assert "Watch list: held" in text(listing)
    assert "Ratan Mitra" in text(listing)
    assert "Gate 2" in text(listing)

    # when
    response = client.post(f"{ALERTS}{alert.code}/acknowledge/")

    # then
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == SecurityAlert.State.ACKNOWLEDGED
    assert alert.acknowledged_by == hq_security
    assert listed_alerts(client.get(ALERTS)) == []
    [audit] = audits("passes.alert_acknowledged")
    assert audit.object_id == alert.code
    assert audit.office_code == "HQ"


def test_alerts_are_newest_first_and_the_badge_counts_the_open_ones(
    staff_client: Callable[[User], Client], hq_security: User, hq: Office, water: Department
) -> None:
    held = held_at_gate(hq, water, hq_security)
    conflict = SecurityAlert.objects.create(
        office=hq, kind="offline_conflict", message="Two entries for one pass at G1 and G3."
    )
    client = staff_client(hq_security)

    listing = client.get(ALERTS)
    badge = client.get(BADGE)

    assert listed_alerts(listing) == [conflict.code, held.code]
    assert 'data-count="2"' in badge.content.decode()
    assert 'hx-trigger="load, every 15s"' in badge.content.decode()
    client.post(f"{ALERTS}{conflict.code}/acknowledge/")
    polled = client.get(BADGE, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-count="1"' in polled
    assert "hx-trigger" not in polled


def test_another_offices_admin_neither_sees_nor_acknowledges_the_alert(
    staff_client: Callable[[User], Client],
    hq_security: User,
    borough_security: User,
    hq: Office,
    water: Department,
) -> None:
    alert = held_at_gate(hq, water, hq_security)
    client = staff_client(borough_security)

    assert listed_alerts(client.get(ALERTS)) == []
    assert "data-count" not in client.get(BADGE).content.decode()
    assert client.post(f"{ALERTS}{alert.code}/acknowledge/").status_code == 404
    alert.refresh_from_db()
    assert alert.state == SecurityAlert.State.OPEN


def test_acknowledging_takes_a_post_and_a_security_admin(
    staff_client: Callable[[User], Client],
    hq_security: User,
    hq_guard: User,
    hq: Office,
    water: Department,
) -> None:
    alert = held_at_gate(hq, water, hq_security)

    assert staff_client(hq_security).get(f"{ALERTS}{alert.code}/acknowledge/").status_code == 405
    assert staff_client(hq_guard).post(f"{ALERTS}{alert.code}/acknowledge/").status_code == 403
    alert.refresh_from_db()
    assert alert.state == SecurityAlert.State.OPEN
