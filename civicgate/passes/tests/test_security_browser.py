"""A security administrator, in a real browser: who is inside, the evacuation list, a tout."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from civicgate.accounts.roles import Role
from civicgate.conftest import sign_in_as_admin
from civicgate.passes.models import ToutFlag, WatchlistEntry
from civicgate.passes.tests.test_security_support import (
    give_pass,
    make_overdue,
    put_inside,
    scan_in,
    visitor,
)
from civicgate.passes.touts import detect_touts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_security_admin_checks_who_is_inside_prints_the_roll_and_watch_lists_a_tout(
    live_server: Any, page: Any, hq: Any, water: Any, make_user: Any, settings: Any
) -> None:
    # given: two visitors inside HQ, one of them overdue, and a tout with five passes this week
    settings.TOUT_MAX_PASSES_PER_WEEK = 4
    make_user("hq_security", Role.SECURITY_ADMIN, offices=[hq])
    anita = give_pass(visitor("Anita Sen", "+919830012345"), hq, department=water)
    scan_in(anita, hq.gates.get(code="G2"))
    bikash = give_pass(visitor("Bikash Roy", "+919830012346"), hq, department=water)
    put_inside(bikash, hq.gates.get(code="G1"), timezone.now() - timedelta(hours=3))
    make_overdue(bikash, minutes=20)
    tout = visitor("Ratan Mitra", "+919830055555")
    for n in range(5):
        give_pass(tout, hq, department=water, start=timezone.now() - timedelta(minutes=n))
    detect_touts()
    [flag] = ToutFlag.objects.filter(visitor=tout)

    # when: the admin opens who is inside
    sign_in_as_admin(page, live_server.url, "hq_security")
    page.goto(f"{live_server.url}/passes/security/inside/")

    # then: the overdue visitor is first, and the counts are there
    rows = page.locator("[data-testid=inside-list] tbody tr")
    assert rows.count() == 2
    assert "Bikash Roy" in rows.nth(0).inner_text()
    assert "Overdue" in rows.nth(0).inner_text()
    assert "2 visitors inside" in page.inner_text("[data-testid=office-HQ]")

    # when: one click gives the evacuation list, laid out for paper
    page.click("[data-testid=evacuation-link]")
    page.wait_for_url("**/passes/security/evacuation/**")
    roll = page.locator("[data-testid=roll-HQ] tbody tr")
    assert roll.count() == 2
    assert "Anita Sen" in roll.nth(0).inner_text()
    page.emulate_media(media="print")
    assert not page.is_visible("header.topbar")
    assert not page.is_visible("[data-testid=print]")
    assert page.is_visible("[data-testid=roll-HQ]")
    page.emulate_media(media="screen")

    # when: the admin reviews the tout flag and adds him to the watch list
    page.goto(f"{live_server.url}/passes/security/touts/")
    page.click(f"tr[data-flag='{flag.code}'] >> text=Review")
    assert "5 passes in 7 days" in page.inner_text("[data-testid=flag-facts]")
    page.select_option("#id_action", "block")
    page.fill("#id_reason", "Sells places in the queue at Gate 2")
    page.click("[data-testid=watchlist-form] button[type=submit]")

    # then
    page.wait_for_selector("[data-testid=no-flags]")
    assert "Ratan Mitra is on the watch list." in page.inner_text(".messages")
    page.goto(f"{live_server.url}/passes/security/watchlist/")
    assert "Ratan Mitra" in page.inner_text("[data-testid=watchlist]")
    assert "+91 ******5555" in page.inner_text("[data-testid=watchlist]")
    entry = WatchlistEntry.objects.get()
    assert entry.action == WatchlistEntry.Action.BLOCK
    assert entry.office == hq
    flag.refresh_from_db()
    assert flag.state == ToutFlag.State.WATCHLISTED
