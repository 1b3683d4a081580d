"""The tout review screen: a security administrator dismisses a flag or watch-lists the visitor."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from civicgate.accounts.models import User
from civicgate.core.crypto import blind_index
from civicgate.org.models import Department, Office
from civicgate.passes import watchlist
from civicgate.passes.models import ToutFlag, Visitor, WatchlistEntry
from civicgate.passes.tests.test_security_support import (
    audits,
    borough_security,
    give_pass,
    hq_guard,
    hq_security,
    text,
    visitor,
)
from civicgate.passes.touts import detect_touts

# Fixtures shared with the other security tests; pytest finds them by name in this module.
SHARED_FIXTURES = (borough_security, hq_guard, hq_security)

TOUTS = "/passes/security/touts/"


@pytest.fixture
def flag(hq: Office, water: Department, settings: object) -> ToutFlag:
    """Ratan Mitra, flagged for five passes at HQ this week."""
    settings.TOUT_MAX_PASSES_PER_WEEK = 4  # type: ignore[attr-defined]
    tout = visitor("Ratan Mitra", "+919830055555")
    for n in range(5):
        give_pass(tout, hq, department=water, start=timezone.now() - timedelta(minutes=n))
    [raised] = detect_touts()
    return raised


def listed_flags(response: object) -> list[str]:
    html = response.content.decode()  # type: ignore[attr-defined]
    section = html.split('data-testid="open-flags"', 1)
    if len(section) == 1:
        return []
    return re.findall(r'<tr data-flag="([^"]+)"', section[1].split("</table>", 1)[0])


def test_the_review_screen_lists_open_flags_with_what_was_found(
    staff_client: Callable[[User], Client],
    hq_security: User,
    flag: ToutFlag,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client = staff_client(hq_security)

    with django_assert_max_num_queries(8):
        listing = client.get(TOUTS)
    review = client.get(f"{TOUTS}{flag.code}/")

    assert listed_flags(listing) == [flag.code]
    assert "Ratan Mitra" in text(listing)
    assert "5 passes in 7 days (more than 4)" in text(listing)
    assert all(code in review.content.decode() for code in flag.details["pass_codes"])


def test_dismissing_needs_a_note_and_closes_the_flag(
    staff_client: Callable[[User], Client], hq_security: User, flag: ToutFlag
) -> None:
    client = staff_client(hq_security)

    refused = client.post(f"{TOUTS}{flag.code}/dismiss/", {"note": "  "})
    done = client.post(f"{TOUTS}{flag.code}/dismiss/", {"note": "Ward councillor's assistant"})

    assert refused.status_code == 200
    assert "This field is required." in text(refused)
    assert done.status_code == 302
    flag.refresh_from_db()
    assert flag.state == ToutFlag.State.DISMISSED
    assert flag.reviewed_by == hq_security
    assert flag.review_note == "Ward councillor's assistant"
    assert listed_flags(client.get(TOUTS)) == []
    assert "Ward councillor's assistant" in text(client.get(TOUTS))
    [audit] = audits("passes.tout_dismissed")
    assert audit.office_code == "HQ"
    assert not WatchlistEntry.objects.exists()


def test_adding_to_the_watch_list_creates_an_entry_by_mobile_and_closes_the_flag(
    staff_client: Callable[[User], Client], hq_security: User, flag: ToutFlag, hq: Office
) -> None:
    client = staff_client(hq_security)
    review = client.get(f"{TOUTS}{flag.code}/")
    assert 'value="HQ" selected' in review.content.decode()

    response = client.post(
        f"{TOUTS}{flag.code}/watchlist/",
        {"action": "hold", "office": "HQ", "reason": "Sells passes outside Gate 2"},
    )

    assert response.status_code == 302
    entry = WatchlistEntry.objects.get()
    assert entry.name == "Ratan Mitra"
    assert entry.mobile_index == blind_index("+919830055555", "mobile")
    assert entry.office == hq
    assert entry.added_by == hq_security
    flag.refresh_from_db()
    assert flag.state == ToutFlag.State.WATCHLISTED
    assert [m.entry for m in watchlist.matches_for(Visitor.objects.get(), hq)] == [entry]
    assert audits("passes.tout_watchlisted")[0].data["entry"] == entry.code
    assert len(audits("passes.watchlist_added")) == 1
    again = client.post(f"{TOUTS}{flag.code}/dismiss/", {"note": "Changed my mind"}, follow=True)
    assert "This flag has already been reviewed." in text(again)
    flag.refresh_from_db()
    assert flag.state == ToutFlag.State.WATCHLISTED


def test_a_borough_admin_cannot_review_a_flag_on_hq_passes(
    staff_client: Callable[[User], Client], borough_security: User, flag: ToutFlag
) -> None:
    client = staff_client(borough_security)

    assert listed_flags(client.get(TOUTS)) == []
    assert client.get(f"{TOUTS}{flag.code}/").status_code == 404
    assert client.post(f"{TOUTS}{flag.code}/dismiss/", {"note": "x"}).status_code == 404
    flag.refresh_from_db()
    assert flag.state == ToutFlag.State.OPEN


def test_a_borough_admin_cannot_watch_list_for_hq_through_the_review_form(
    staff_client: Callable[[User], Client],
    borough_security: User,
    borough: Office,
    water: Department,
    flag: ToutFlag,
) -> None:
    # the tout also had a pass at the borough office, so both offices see the flag
    give_pass(flag.visitor, borough, department=water)
    ToutFlag.objects.filter(pk=flag.pk).update(
        details={**flag.details, "offices": ["BR-07", "HQ"], "office_codes": "|BR-07|HQ|"}
    )
    client = staff_client(borough_security)
    assert listed_flags(client.get(TOUTS)) == [flag.code]

    response = client.post(
        f"{TOUTS}{flag.code}/watchlist/", {"action": "block", "office": "HQ", "reason": "Tout"}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not WatchlistEntry.objects.exists()


def test_a_guard_cannot_open_the_tout_review(
    staff_client: Callable[[User], Client], hq_guard: User, flag: ToutFlag
) -> None:
    assert staff_client(hq_guard).get(TOUTS).status_code == 403
