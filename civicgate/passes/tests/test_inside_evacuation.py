"""The evacuation roll call: a printable list of everyone inside, by office, and audited."""

import re
from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.org.models import Department, Office
from civicgate.passes.tests.test_security_support import (
    audits,
    borough_guard,
    chief_security,
    give_pass,
    hq_security,
    put_inside,
    scan_in,
    text,
    visitor,
)

# Fixtures shared with the other security tests; pytest finds them by name in this module.
SHARED_FIXTURES = (borough_guard, chief_security, hq_security)

EVACUATION = "/passes/security/evacuation/"


def roll(response: object, office: str) -> list[str]:
    html = response.content.decode()  # type: ignore[attr-defined]
    section = re.search(rf'data-testid="roll-{office}">(.*?)</section>', html, re.S)
    assert section, f"no roll call for {office}"
    found = re.findall(r"<tr data-pass[^>]*>(.*?)</tr>", section.group(1), re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in found]


def test_one_click_from_the_inside_page_gives_a_printable_roll_call_that_is_audited(
    staff_client: Callable[[User], Client],
    hq_security: User,
    hq: Office,
    water: Department,
) -> None:
    # given: two visitors inside HQ
    client = staff_client(hq_security)
    zoya = give_pass(visitor("Zoya Khan", "+919830012345"), hq, department=water)
    scan_in(zoya, hq.gates.get(code="G4"))
    amit = give_pass(visitor("Amit Paul", "+919830012346"), hq, department=water)
    put_inside(amit, hq.gates.get(code="G1"), timezone.now() - timedelta(hours=1))
    inside = client.get("/passes/security/inside/", {"office": "HQ"}).content.decode()
    link = re.search(r'data-testid="evacuation-link"\s+href="([^"]+)"', inside)
    assert link and link.group(1) == f"{EVACUATION}?office=HQ"

    # when
    response = client.get(link.group(1))

    # then: names in order with host, gate, since and a tick box; print styles hide the chrome
    assert response.status_code == 200
    listed = roll(response, "HQ")
    zoya.refresh_from_db()
    assert listed == [
        f"1 Amit Paul Water Supply Gate 1 {timezone.localtime(amit.entered_at):%H:%M}",
        f"2 Zoya Khan Water Supply Gate 4 {timezone.localtime(zoya.entered_at):%H:%M}",
    ]
    html = response.content.decode()
    assert html.count('class="tickbox"') == 2
    assert "@media print" in html
    assert "2 visitors inside" in text(response)
    assert "no-store" in response["Cache-Control"]
    [audit] = audits("passes.evacuation_list")
    assert audit.actor_label == "hq_security"
    assert audit.office_code == "HQ"
    assert audit.data["visitors"] == 2
    assert sorted(audit.data["passes"]) == sorted([zoya.code, amit.code])


def test_without_an_office_it_lists_every_office_of_the_user_each_audited(
    staff_client: Callable[[User], Client],
    chief_security: User,
    hq: Office,
    borough: Office,
    water: Department,
) -> None:
    gate_pass = give_pass(visitor("Esha Bose", "+919830012349"), borough, department=water)
    scan_in(gate_pass, borough.gates.get())

    response = staff_client(chief_security).get(EVACUATION)

    assert roll(response, "HQ") == []
    assert "Esha Bose" in roll(response, "BR-07")[0]
    assert {a.office_code for a in audits("passes.evacuation_list")} == {"HQ", "BR-07"}


def test_a_guard_cannot_print_another_offices_list(
    staff_client: Callable[[User], Client], borough_guard: User, hq: Office
) -> None:
    response = staff_client(borough_guard).get(EVACUATION, {"office": "HQ"})

    assert response.status_code == 404
    assert audits("passes.evacuation_list") == []


def test_an_official_cannot_print_the_list(
    staff_client: Callable[[User], Client], make_user: Callable[..., User], hq: Office
) -> None:
    official = make_user("official", "official", offices=[hq])

    assert staff_client(official).get(EVACUATION, {"office": "HQ"}).status_code == 403
    assert audits("passes.evacuation_list") == []
