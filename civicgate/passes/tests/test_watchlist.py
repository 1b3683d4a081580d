"""The watch list: security administrators add, edit and withdraw entries within their offices."""

import re
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from civicgate.accounts.models import User
from civicgate.core.crypto import blind_index
from civicgate.org.models import Department, Office
from civicgate.passes import watchlist
from civicgate.passes.models import WatchlistEntry
from civicgate.passes.tests.test_security_support import (
    audits,
    borough_security,
    chief_security,
    hq_guard,
    hq_security,
    text,
    visitor,
)

# Fixtures shared with the other security tests; pytest finds them by name in this module.
SHARED_FIXTURES = (borough_security, chief_security, hq_guard, hq_security)

WATCHLIST = "/passes/security/watchlist/"
ADD = "/passes/security/watchlist/add/"


def edit_url(entry: WatchlistEntry) -> str:
    return f"/passes/security/watchlist/{entry.code}/"


def listed_codes(response: object) -> list[str]:
    return re.findall(r'<tr data-entry="([^"]+)"', response.content.decode())  # type: ignore[attr-defined]


def entry(office: Office | None, name: str, actor: User, mobile: str = "") -> WatchlistEntry:
    return watchlist.add_entry(
        actor=actor, name=name, mobile=mobile, office=office, reason="Known tout"
    )


def test_an_admin_adds_a_person_by_mobile_stored_encrypted_and_shown_masked(
    staff_client: Callable[[User], Client], hq_security: User, hq: Office
) -> None:
    client = staff_client(hq_security)

    response = client.post(
        ADD,
        {
            "name": " Ratan  Mitra ",
            "aliases": "Ratan-da\nR. Mitra\nratan-da",
            "mobile": "98300 55555",
            "action": "hold",
            "office": "HQ",
            "reason": "Sells places in the queue",
        },
    )

    assert response.status_code == 302
    added = WatchlistEntry.objects.get()
    assert added.name == "Ratan Mitra"
    assert added.aliases == "Ratan-da\nR. Mitra"
    assert added.mobile == "+919830055555"
    assert added.mobile_index == blind_index("+919830055555", "mobile")
    assert added.added_by == hq_security
    assert added.office == hq
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM passes_watchlistentry")
        assert "9830055555" not in cursor.fetchone()[0]
    page = client.get(WATCHLIST)
    assert "+91 ******5555" in text(page)
    assert "9830055555" not in page.content.decode()
    [audit] = audits("passes.watchlist_added")
    assert audit.office_code == "HQ"
    assert audit.data["mobile"] == "+91 ******5555"


def test_a_bad_mobile_number_gets_a_clear_error_and_the_form_keeps_what_was_typed(
    staff_client: Callable[[User], Client], hq_security: User, hq: Office
) -> None:
    response = staff_client(hq_security).post(
        ADD,
        {
            "name": "Ratan Mitra",
            "mobile": "12345",
            "office": "HQ",
            "action": "hold",
            "reason": "Tout",
        },
    )

    assert response.status_code == 200
    assert "Enter a valid 10-digit mobile number." in text(response)
    assert 'value="Ratan Mitra"' in response.content.decode()
    assert not WatchlistEntry.objects.exists()


def test_an_entry_needs_a_name_or_a_mobile_and_a_reason(
    staff_client: Callable[[User], Client], hq_security: User, hq: Office
) -> None:
    response = staff_client(hq_security).post(
        ADD, {"name": "", "mobile": "", "office": "HQ", "action": "hold", "reason": "x"}
    )

    assert "Give a name or a mobile number, or both." in text(response)
    assert not WatchlistEntry.objects.exists()


def test_an_admin_edits_an_entry_and_a_blank_mobile_keeps_the_number(
    staff_client: Callable[[User], Client], hq_security: User, hq: Office
) -> None:
    existing = entry(hq, "Ratan Mitra", hq_security, mobile="+919830055555")
    client = staff_client(hq_security)
    form = client.get(edit_url(existing))
    assert "On file: +91 ******5555" in text(form)
    assert "9830055555" not in form.content.decode()

    response = client.post(
        edit_url(existing),
        {
            "name": "Ratan Mitra",
            "mobile": "",
            "action": "block",
            "office": "HQ",
            "reason": "Threatened a clerk",
        },
    )

    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.action == WatchlistEntry.Action.BLOCK
    assert existing.mobile == "+919830055555"
    assert existing.reason == "Threatened a clerk"
    [audit] = audits("passes.watchlist_changed")
    assert audit.data["before"]["action"] == "hold"
    assert audit.data["after"]["action"] == "block"


def test_a_borough_admin_cannot_see_or_edit_hq_only_entries(
    staff_client: Callable[[User], Client],
    hq_security: User,
    borough_security: User,
    chief_security: User,
    hq: Office,
    borough: Office,
) -> None:
    hq_only = entry(hq, "HQ tout", hq_security)
    everywhere = entry(None, "Everywhere tout", chief_security)
    own = entry(borough, "Borough tout", borough_security)
    client = staff_client(borough_security)

    listing = client.get(WATCHLIST)

    assert set(listed_codes(listing)) == {everywhere.code, own.code}
    assert client.get(edit_url(hq_only)).status_code == 404
    assert client.post(f"{edit_url(hq_only)}active/", {"active": "0"}).status_code == 404
    assert client.get(edit_url(own)).status_code == 200
    # An entry for every office applies at their gates, but only an all-offices admin changes it.
    assert client.get(edit_url(everywhere)).status_code == 403
    assert client.post(f"{edit_url(everywhere)}active/", {"active": "0"}).status_code == 403
    everywhere.refresh_from_db()
    assert everywhere.active


def test_only_an_all_offices_admin_can_list_someone_for_every_office(
    staff_client: Callable[[User], Client],
    borough_security: User,
    chief_security: User,
    hq: Office,
    borough: Office,
) -> None:
    form = staff_client(borough_security).get(ADD)
    assert "All offices" not in text(form)
    refused = staff_client(borough_security).post(
        ADD, {"name": "Ratan Mitra", "action": "hold", "office": "", "reason": "Tout"}
    )
    assert refused.status_code == 200
    assert not WatchlistEntry.objects.exists()
    with pytest.raises(PermissionDenied):
        watchlist.add_entry(actor=borough_security, name="Ratan", reason="Tout", office=None)
    with pytest.raises(PermissionDenied):
        watchlist.add_entry(actor=borough_security, name="Ratan", reason="Tout", office=hq)

    accepted = staff_client(chief_security).post(
        ADD, {"name": "Ratan Mitra", "action": "hold", "office": "", "reason": "Tout"}
    )

    assert accepted.status_code == 302
    assert WatchlistEntry.objects.get().office is None


def test_a_withdrawn_entry_stops_matching_and_can_be_put_back(
    staff_client: Callable[[User], Client],
    hq_security: User,
    hq: Office,
    water: Department,
) -> None:
    person = visitor("Ratan Mitra", "+919830055555")
    listed = entry(hq, "", hq_security, mobile="+919830055555")
    assert [m.entry for m in watchlist.matches_for(person, hq)] == [listed]
    client = staff_client(hq_security)

    client.post(f"{edit_url(listed)}active/", {"active": "0"})

    assert watchlist.matches_for(person, hq) == []
    assert listed_codes(client.get(WATCHLIST)) == []
    assert listed_codes(client.get(WATCHLIST, {"status": "inactive"})) == [listed.code]
    client.post(f"{edit_url(listed)}active/", {"active": "1"})
    assert len(watchlist.matches_for(person, hq)) == 1
    assert len(audits("passes.watchlist_deactivated")) == 1
    assert len(audits("passes.watchlist_reactivated")) == 1


def test_the_list_finds_an_entry_by_mobile_number_or_alias(
    staff_client: Callable[[User], Client],
    hq_security: User,
    hq: Office,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    wanted = watchlist.add_entry(
        actor=hq_security,
        name="Ratan Mitra",
        aliases="Ratan-da",
        mobile="+919830055555",
        office=hq,
        reason="Tout",
    )
    for n in range(20):
        entry(hq, f"Person {n}", hq_security, mobile=f"+9198300600{n:02d}")
    client = staff_client(hq_security)

    by_mobile = client.get(WATCHLIST, {"mobile": "9830055555"}, HTTP_HX_REQUEST="true")
    by_alias = client.get(WATCHLIST, {"q": "ratan-da"})
    with django_assert_max_num_queries(8):
        everyone = client.get(WATCHLIST)

    assert listed_codes(by_mobile) == [wanted.code]
    assert "<html" not in by_mobile.content.decode()
    assert listed_codes(by_alias) == [wanted.code]
    assert len(listed_codes(everyone)) == 21


def test_a_guard_cannot_open_the_watch_list(
    staff_client: Callable[[User], Client], hq_guard: User, hq_security: User, hq: Office
) -> None:
    listed = entry(hq, "Ratan Mitra", hq_security)
    client = staff_client(hq_guard)

    assert client.get(WATCHLIST).status_code == 403
    assert client.get(ADD).status_code == 403
    assert client.get(edit_url(listed)).status_code == 403


def test_a_hold_at_the_gate_matches_by_mobile_and_by_alias(
    hq_security: User, hq: Office, borough: Office, water: Department
) -> None:
    by_mobile = entry(hq, "", hq_security, mobile="+919830055555")
    by_alias = watchlist.add_entry(
        actor=hq_security, name="Ratan Mitra", aliases="Ratan-da", office=hq, reason="Tout"
    )

    same_mobile = watchlist.matches_for(visitor("R Mitra", "+919830055555"), hq)
    alias = watchlist.matches_for(visitor("RATAN-DA", "+919830055556"), hq)
    elsewhere = watchlist.matches_for(visitor("Ratan Mitra", "+919830055557"), borough)

    assert [(m.entry, m.by_mobile) for m in same_mobile] == [(by_mobile, True)]
    assert [(m.entry, m.by_mobile) for m in alias] == [(by_alias, False)]
    assert elsewhere == []
