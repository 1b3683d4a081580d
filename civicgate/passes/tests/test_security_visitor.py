"""A visitor's record for security: passes, scans, flags, watch-list matches; every look audited."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from civicgate.accounts.models import User
from civicgate.core.crypto import encrypt_bytes
from civicgate.org.models import Department, Office
from civicgate.passes import watchlist
from civicgate.passes.models import GatePass, ToutFlag, Visitor
from civicgate.passes.tests.test_security_support import (
    audits,
    borough_guard,
    borough_security,
    give_pass,
    hq_guard,
    hq_security,
    scan_in,
    text,
    visitor,
)

# Fixtures shared with the other security tests; pytest finds them by name in this module.
SHARED_FIXTURES = (borough_guard, borough_security, hq_guard, hq_security)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def record_url(who: Visitor) -> str:
    return f"/passes/security/visitors/{who.code}/"


@pytest.fixture
def seen(hq: Office, water: Department, hq_security: User) -> Visitor:
    """A visitor with a pass at HQ: let in at Gate 1, refused a second entry at Gate 3."""
    who = visitor("Ratan Mitra", "+919830055555")
    gate_pass = give_pass(who, hq, department=water)
    scan_in(gate_pass, hq.gates.get(code="G1"))
    scan_in(gate_pass, hq.gates.get(code="G3"))
    ToutFlag.objects.create(
        visitor=who,
        rule="many_passes",
        details={"passes": 9, "days": 7, "limit": 5, "offices": ["HQ"], "office_codes": "|HQ|"},
    )
    watchlist.add_entry(actor=hq_security, name="Ratan Mitra", office=hq, reason="Queue seller")
    return who


def test_a_security_admin_sees_passes_scans_flags_and_matches_and_the_look_is_audited(
    staff_client: Callable[[User], Client], hq_security: User, seen: Visitor
) -> None:
    response = staff_client(hq_security).get(record_url(seen))

    assert response.status_code == 200
    page = text(response)
    assert "Ratan Mitra" in page
    assert "+91 ******5555" in page
    assert "9830055555" not in response.content.decode()
    assert "Gate 1 In Allow ok" in page
    assert "Gate 3 In Deny already_inside" in page
    assert "Many passes in a week: 9 passes in 7 days" in page
    assert "by name: check the person" in page
    assert "Queue seller" in page
    assert "Show full number" in page
    [audit] = audits("passes.visitor_viewed")
    assert audit.actor_label == "hq_security"
    assert audit.object_id == seen.code
    assert audit.office_code == "HQ"
    assert "no-store" in response["Cache-Control"]


def test_a_security_admin_can_show_the_full_number_and_that_look_is_audited(
    staff_client: Callable[[User], Client], hq_security: User, seen: Visitor
) -> None:
    response = staff_client(hq_security).post(f"{record_url(seen)}mobile/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "+919830055555" in text(response)
    assert "<html" not in response.content.decode()
    assert len(audits("passes.visitor_mobile_viewed")) == 1


def test_a_guard_sees_the_masked_mobile_only(
    staff_client: Callable[[User], Client], hq_guard: User, seen: Visitor
) -> None:
    client = staff_client(hq_guard)

    response = client.get(record_url(seen))
    reveal = client.post(f"{record_url(seen)}mobile/")

    assert response.status_code == 200
    assert "+91 ******5555" in text(response)
    assert "9830055555" not in response.content.decode()
    assert "Show full number" not in text(response)
    assert "Queue seller" not in text(response)
    assert reveal.status_code == 403
    assert audits("passes.visitor_mobile_viewed") == []
    assert len(audits("passes.visitor_viewed")) == 1


def test_the_record_of_a_visitor_with_no_pass_in_your_offices_is_not_found(
    staff_client: Callable[[User], Client],
    borough_guard: User,
    borough_security: User,
    seen: Visitor,
) -> None:
    assert staff_client(borough_guard).get(record_url(seen)).status_code == 404
    assert staff_client(borough_security).get(record_url(seen)).status_code == 404
    assert audits("passes.visitor_viewed") == []


def test_the_photo_is_shown_to_the_offices_guards_and_audited(
    staff_client: Callable[[User], Client],
    hq_guard: User,
    borough_guard: User,
    seen: Visitor,
    settings: object,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    seen.photo.save("ratan.png", ContentFile(encrypt_bytes(PNG)))
    url = f"{record_url(seen)}photo"

    response = staff_client(hq_guard).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == PNG
    assert "no-store" in response["Cache-Control"]
    [audit] = audits("passes.visitor_photo_viewed")
    assert audit.actor_label == "hq_guard"
    assert staff_client(borough_guard).get(url).status_code == 404
    assert len(audits("passes.visitor_photo_viewed")) == 1


def test_a_visitor_without_a_photo_has_none_to_show(
    staff_client: Callable[[User], Client], hq_guard: User, seen: Visitor
) -> None:
    response = staff_client(hq_guard).get(f"{record_url(seen)}photo")

    assert response.status_code == 404
    assert audits("passes.visitor_photo_viewed") == []


def test_the_record_shows_only_passes_of_your_offices(
    staff_client: Callable[[User], Client],
    borough_guard: User,
    borough: Office,
    water: Department,
    seen: Visitor,
) -> None:
    give_pass(seen, borough, department=water)
    hq_pass = GatePass.objects.get(office__code="HQ")

    response = staff_client(borough_guard).get(record_url(seen))

    assert response.status_code == 200
    assert hq_pass.code not in response.content.decode()
    assert "Borough VII Office" in text(response)
