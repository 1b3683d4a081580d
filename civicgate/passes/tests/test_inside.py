"""Who is inside: visitors per office and gate, overdue ones first, refreshed by htmx."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from civicgate.accounts.models import User
from civicgate.org.models import Department, Office, Official
from civicgate.passes.tests.test_security_support import (
    borough_guard,
    give_pass,
    hq_guard,
    hq_security,
    make_overdue,
    put_inside,
    scan_in,
    text,
    visitor,
)

# Fixtures shared with the other security tests; pytest finds them by name in this module.
SHARED_FIXTURES = (borough_guard, hq_guard, hq_security)

INSIDE = "/passes/security/inside/"


def rows(response: object) -> list[str]:
    """The visitors' rows in page order, as text."""
    html = response.content.decode()  # type: ignore[attr-defined]
    found = re.findall(r'<tr data-pass="[^"]+"[^>]*>(.*?)</tr>', html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in found]


def gate_count(response: object, gate_code: str) -> int:
    html = response.content.decode()  # type: ignore[attr-defined]
    match = re.search(rf'<li data-gate="{gate_code}">.*?<strong>(\d+)</strong>', html, re.S)
    assert match, f"no count for gate {gate_code}"
    return int(match.group(1))


def test_it_shows_who_is_inside_with_host_gate_and_since_and_the_overdue_first(
    staff_client: Callable[[User], Client],
    hq_security: User,
    hq: Office,
    borough: Office,
    water: Department,
    make_official: Callable[..., Official],
) -> None:
    # given: three visitors inside HQ (one overdue), one who has left, one at the borough office
    g1, g3 = hq.gates.get(code="G1"), hq.gates.get(code="G3")
    engineer = make_official(name="Subrata Ghosh", title="Executive Engineer")
    anita = give_pass(visitor("Anita Sen", "+919830012345"), hq, department=water)
    scan_in(anita, g1)
    bikash = give_pass(visitor("Bikash Roy", "+919830012346"), hq, official=engineer)
    put_inside(bikash, g3, timezone.now() - timedelta(hours=3))
    make_overdue(bikash, minutes=40)
    chandra = give_pass(visitor("Chandra Pal", "+919830012347"), hq, department=water)
    put_inside(chandra, g1, timezone.now() - timedelta(minutes=10))
    give_pass(visitor("Dipa Das", "+919830012348"), hq, department=water)
    give_pass(visitor("Esha Bose", "+919830012349"), borough, department=water)

    # when
    response = staff_client(hq_security).get(INSIDE)

    # then
    assert response.status_code == 200
    listed = rows(response)
    assert len(listed) == 3
    assert listed[0].startswith("Bikash Roy Overdue")
    assert "Subrata Ghosh, Executive Engineer" in listed[0]
    assert "Gate 3" in listed[0]
    assert "+91 ******2346" in listed[0]
    assert "Overdue" not in listed[1] + listed[2]
    assert "Water Supply" in listed[1]
    page = text(response)
    assert "3 visitors inside" in page
    assert "1 overdue" in page
    assert "Dipa Das" not in page
    assert "Esha Bose" not in page
    assert gate_count(response, "G1") == 2
    assert gate_count(response, "G3") == 1
    assert gate_count(response, "G2") == 0
    assert "9830012345" not in response.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_number_inside(
    staff_client: Callable[[User], Client],
    hq_security: User,
    hq: Office,
    water: Department,
    make_official: Callable[..., Official],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client = staff_client(hq_security)
    g1 = hq.gates.get(code="G1")
    first = give_pass(visitor("Visitor 0", "+919830010000"), hq, department=water)
    put_inside(first, g1, timezone.now())
    client.get(INSIDE)
    with CaptureQueriesContext(connection) as one_inside:
        client.get(INSIDE)

    official = make_official()
    for n in range(1, 12):
        host: dict[str, Any] = {"official": official} if n % 2 else {"department": water}
        gate_pass = give_pass(visitor(f"Visitor {n}", f"+9198300100{n:02d}"), hq, **host)
        put_inside(gate_pass, hq.gates.get(code=f"G{n % 4 + 1}"), timezone.now())

    with django_assert_max_num_queries(len(one_inside)):
        response = client.get(INSIDE)
    assert len(rows(response)) == 12


def test_the_htmx_refresh_returns_only_the_fragment_with_the_latest_state(
    staff_client: Callable[[User], Client], hq_guard: User, hq: Office, water: Department
) -> None:
    client = staff_client(hq_guard)
    page = client.get(INSIDE)
    assert 'hx-trigger="every 10s"' in page.content.decode()
    assert "No visitors inside." in text(page)
    gate_pass = give_pass(visitor("Anita Sen", "+919830012345"), hq, department=water)
    scan_in(gate_pass, hq.gates.get(code="G2"))

    fragment = client.get(INSIDE, HTTP_HX_REQUEST="true")

    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "Anita Sen" in text(fragment)
    assert "1 visitor inside" in text(fragment)


def test_a_pass_becomes_overdue_on_screen_once_its_window_ends(
    staff_client: Callable[[User], Client], hq_guard: User, hq: Office, water: Department
) -> None:
    gate_pass = give_pass(visitor("Anita Sen", "+919830012345"), hq, department=water, hours=1)
    scan_in(gate_pass, hq.gates.get(code="G1"))
    client = staff_client(hq_guard)
    assert "Overdue" not in text(client.get(INSIDE))

    with time_machine.travel(gate_pass.valid_until + timedelta(minutes=5)):
        later = client.get(INSIDE, HTTP_HX_REQUEST="true")

    assert rows(later)[0].startswith("Anita Sen Overdue")


def test_a_gate_filter_counts_and_lists_only_who_came_in_there(
    staff_client: Callable[[User], Client], hq_guard: User, hq: Office, water: Department
) -> None:
    for n, gate in enumerate(["G1", "G2", "G2"]):
        gate_pass = give_pass(visitor(f"Visitor {n}", f"+9198300100{n:02d}"), hq, department=water)
        put_inside(gate_pass, hq.gates.get(code=gate), timezone.now())

    response = staff_client(hq_guard).get(INSIDE, {"office": "HQ", "gate": "G2"})

    assert len(rows(response)) == 2
    assert "2 visitors inside" in text(response)


def test_a_guard_of_another_office_sees_neither_the_visitors_nor_the_office(
    staff_client: Callable[[User], Client],
    borough_guard: User,
    hq: Office,
    borough: Office,
    water: Department,
) -> None:
    gate_pass = give_pass(visitor("Anita Sen", "+919830012345"), hq, department=water)
    scan_in(gate_pass, hq.gates.get(code="G1"))
    client = staff_client(borough_guard)

    own = client.get(INSIDE)
    other = client.get(INSIDE, {"office": "HQ"})

    assert "Anita Sen" not in text(own)
    assert "Borough VII Office" in text(own)
    assert "KMC Headquarters" not in text(own)
    assert other.status_code == 404


def test_people_without_a_security_role_are_refused(
    staff_client: Callable[[User], Client], make_user: Callable[..., User], hq: Office
) -> None:
    clerk = make_user("desk", "desk_operator", offices=[hq])

    assert staff_client(clerk).get(INSIDE).status_code == 403
    assert Client().get(INSIDE).status_code == 302
