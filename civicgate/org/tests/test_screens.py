"""The organisation screens: who may open each, and that every list keeps to the user's offices."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.devices.actions import register_device
from civicgate.devices.models import Device
from civicgate.org.models import Employee, Office, Official

Login = Callable[[User], Client]


@pytest.fixture
def chart(make_employee: Callable[..., Employee], borough: Office) -> dict[str, Employee]:
    """A head with an officer, the officer's clerk and the clerk's peon; plus an outsider at BR-07."""
    head = make_employee(name="Debasish Head")
    officer = make_employee(name="Kaushik Officer", supervisor=head)
    clerk = make_employee(name="Payel Clerk", supervisor=officer, office=borough)
    peon = make_employee(name="Bikash Peon", supervisor=clerk)
    outsider = make_employee(name="Ishita Outsider", office=borough)
    return {"head": head, "officer": officer, "clerk": clerk, "peon": peon, "outsider": outsider}


def names(response: Any) -> set[str]:
    """Names of the employees the page links to (supervisors named in a column do not count)."""
    codes = set(re.findall(r'href="/org/employees/([0-9A-Z]+)/"', response.content.decode()))
    return set(Employee.objects.filter(code__in=codes).values_list("name", flat=True))


@pytest.mark.parametrize(
    ("url_name", "allowed", "refused"),
    [
        (
            "org:offices",
            [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN],
            [Role.GUARD, Role.SUPERVISOR, Role.DESK_OPERATOR],
        ),
        (
            "org:employees",
            [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SUPERVISOR],
            [Role.GUARD, Role.DESK_OPERATOR, Role.EMPLOYEE],
        ),
        ("org:import", [Role.SYSTEM_ADMIN], [Role.SECURITY_ADMIN, Role.SUPERVISOR, Role.GUARD]),
        (
            "org:officials",
            [Role.SYSTEM_ADMIN, Role.DESK_OPERATOR, Role.OFFICIAL],
            [Role.GUARD, Role.SECURITY_ADMIN, Role.EMPLOYEE],
        ),
        ("org:my_gates", [Role.GUARD], [Role.SYSTEM_ADMIN, Role.DESK_OPERATOR]),
        ("org:my_team", [Role.SUPERVISOR], [Role.SYSTEM_ADMIN, Role.EMPLOYEE]),
    ],
)
def test_each_screen_opens_for_its_roles_and_refuses_the_others(
    url_name: str,
    allowed: list[str],
    refused: list[str],
    hq: Office,
    make_user: Any,
    client: Client,
    staff_client: Login,
) -> None:
    for role in allowed:
        response = staff_client(make_user(f"yes_{role}", role, offices=[hq])).get(reverse(url_name))
        assert response.status_code == 200, role
    for role in refused:
        response = staff_client(make_user(f"no_{role}", role, offices=[hq])).get(reverse(url_name))
        assert response.status_code == 403, role


def test_a_guard_cannot_open_the_employee_list(
    hq: Office, make_user: Any, staff_client: Login
) -> None:
    response = staff_client(make_user("guard", Role.GUARD, offices=[hq])).get(
        reverse("org:employees")
    )

    assert response.status_code == 403


def test_a_sysadmin_limited_to_br07_sees_no_hq_employee(
    chart: dict[str, Employee], borough: Office, make_user: Any, staff_client: Login
) -> None:
    admin = make_user("br07admin", Role.SYSTEM_ADMIN, offices=[borough])

    response = staff_client(admin).get(reverse("org:employees"))

    assert names(response) == {"Payel Clerk", "Ishita Outsider"}


def test_a_sysadmin_limited_to_br07_cannot_open_an_hq_employee(
    chart: dict[str, Employee], borough: Office, make_user: Any, staff_client: Login
) -> None:
    client = staff_client(make_user("br07admin", Role.SYSTEM_ADMIN, offices=[borough]))

    assert client.get(reverse("org:employee", args=[chart["head"].code])).status_code == 404
    assert client.post(reverse("org:employee_mobile", args=[chart["head"].code])).status_code == 404
    assert not AuditRecord.objects.filter(action="org.employee_mobile_viewed").exists()


def test_offices_list_shows_only_the_users_offices_with_gates_and_counts(
    chart: dict[str, Employee], hq: Office, borough: Office, make_user: Any, staff_client: Login
) -> None:
    register_device(
        name="G1 scanner", kind=Device.Kind.SCANNER, office=borough, gate=borough.gates.get()
    )
    client = staff_client(make_user("sec", Role.SECURITY_ADMIN, offices=[borough]))

    response = client.get(reverse("org:offices"))

    html = response.content.decode()
    assert "Borough VII Office" in html and "Main Gate" in html
    assert "KMC Headquarters" not in html
    office = response.context["offices"][0]
    assert (office.gate_count, office.employee_count, office.device_count) == (1, 2, 1)


def test_a_supervisor_sees_only_the_people_below_them(
    chart: dict[str, Employee], hq: Office, make_user: Any, staff_client: Login
) -> None:
    # given the officer signs in as supervisor; their clerk is posted at BR-07 and the peon below her
    supervisor = make_user("officer", Role.SUPERVISOR, offices=[hq], employee=chart["officer"])
    client = staff_client(supervisor)

    # then both the employee list and "my team" show the clerk and the peon, nobody else
    assert names(client.get(reverse("org:employees"))) == {"Payel Clerk", "Bikash Peon"}
    team = client.get(reverse("org:my_team"))
    assert names(team) == {"Payel Clerk", "Bikash Peon"}
    assert "Kaushik Officer" in team.content.decode()  # as the clerk's "reports to"
    # and the head above them cannot be opened
    assert client.get(reverse("org:employee", args=[chart["head"].code])).status_code == 404
    assert client.get(reverse("org:employee", args=[chart["peon"].code])).status_code == 200


def test_a_supervisor_without_an_employee_record_sees_nobody(
    chart: dict[str, Employee], hq: Office, make_user: Any, staff_client: Login
) -> None:
    client = staff_client(make_user("sup", Role.SUPERVISOR, offices=[hq]))

    assert names(client.get(reverse("org:employees"))) == set()
    assert "not linked to an employee record" in client.get(reverse("org:my_team")).content.decode()


def test_employees_are_found_by_name_staff_number_or_card_and_filtered(
    chart: dict[str, Employee],
    hq: Office,
    borough: Office,
    make_user: Any,
    staff_client: Login,
    building: Any,
) -> None:
    chart["outsider"].department = building
    chart["outsider"].save()
    client = staff_client(make_user("admin", Role.SYSTEM_ADMIN, all_offices=True))
    url = reverse("org:employees")

    assert names(client.get(url, {"q": "payel"})) == {"Payel Clerk"}
    assert names(client.get(url, {"q": chart["peon"].staff_number})) == {"Bikash Peon"}
    assert names(client.get(url, {"q": chart["officer"].card_number.lower()})) == {
        "Kaushik Officer"
    }
    assert names(client.get(url, {"office": "BR-07"})) == {"Payel Clerk", "Ishita Outsider"}
    assert names(client.get(url, {"office": "BR-07", "department": "BLD"})) == {"Ishita Outsider"}


def test_the_search_box_answers_htmx_with_the_results_fragment_only(
    chart: dict[str, Employee], make_user: Any, staff_client: Login
) -> None:
    client = staff_client(make_user("admin", Role.SYSTEM_ADMIN, all_offices=True))

    response = client.get(reverse("org:employees"), {"q": "bikash"}, HTTP_HX_REQUEST="true")

    assert names(response) == {"Bikash Peon"}
    assert "<html" not in response.content.decode()


def test_the_employee_list_is_paginated(
    make_employee: Any, make_user: Any, staff_client: Login
) -> None:
    for _ in range(30):
        make_employee()
    client = staff_client(make_user("admin", Role.SYSTEM_ADMIN, all_offices=True))

    first = client.get(reverse("org:employees"))
    second = client.get(reverse("org:employees"), {"page": 2})

    assert len(first.context["page"]) == 25 and len(second.context["page"]) == 5
    assert "Page 1 of 2" in first.content.decode()


QUERY_BUDGET = {"org:employees": 9, "org:officials": 9, "org:offices": 9, "org:my_gates": 9}


@pytest.mark.parametrize("url_name", list(QUERY_BUDGET))
def test_list_screens_use_the_same_few_queries_for_5_or_40_rows(
    url_name: str,
    make_employee: Any,
    make_user: Any,
    staff_client: Login,
    hq: Office,
    django_assert_max_num_queries: Any,
) -> None:
    # given an administrator (also a guard) who sees every office
    boss = make_employee()
    client = staff_client(
        make_user("admin", Role.SYSTEM_ADMIN, Role.GUARD, all_offices=True, employee=boss)
    )
    client.get(reverse("accounts:home"))

    def add_rows(n: int) -> None:
        for _ in range(n):
            employee = make_employee(supervisor=boss)
            Official.objects.create(employee=employee, title="Assistant Engineer")
            gate = hq.gates.all()[Device.objects.count() % 4]
            register_device(
                name=f"Device {Device.objects.count()}",
                kind=Device.Kind.SCANNER,
                office=hq,
                gate=gate,
            )

    used = []
    for n in (5, 35):
        add_rows(n)
        with django_assert_max_num_queries(QUERY_BUDGET[url_name]) as captured:
            assert client.get(reverse(url_name)).status_code == 200
        used.append(len(captured.captured_queries))

    # then forty rows cost no more queries than five
    assert used[0] == used[1]


def test_my_team_uses_one_query_per_level_of_the_chart(
    chart: dict[str, Employee],
    make_user: Any,
    staff_client: Login,
    django_assert_max_num_queries: Any,
) -> None:
    client = staff_client(make_user("head", Role.SUPERVISOR, employee=chart["head"]))
    client.get(reverse("accounts:home"))

    with django_assert_max_num_queries(12):
        response = client.get(reverse("org:my_team"))

    assert names(response) == {"Kaushik Officer", "Payel Clerk", "Bikash Peon"}


def test_officials_are_listed_only_for_the_users_offices(
    make_official: Any, borough: Office, hq: Office, make_user: Any, staff_client: Login
) -> None:
    make_official(name="Sharmistha HQ", title="Executive Engineer")
    make_official(name="Rajib Borough", title="Borough Executive Engineer", office=borough)
    desk = staff_client(make_user("desk", Role.DESK_OPERATOR, offices=[hq]))

    html = desk.get(reverse("org:officials")).content.decode()
    searched = desk.get(reverse("org:officials"), {"q": "rajib"}).content.decode()

    assert "Sharmistha HQ" in html and "Rajib Borough" not in html
    assert "Rajib Borough" not in searched and "0 officials" in searched


def test_a_guard_sees_the_gates_of_their_offices_and_the_devices_at_each(
    hq: Office, borough: Office, make_user: Any, staff_client: Login
) -> None:
    register_device(
        name="Gate 2 scanner", kind=Device.Kind.SCANNER, office=hq, gate=hq.gates.get(code="G2")
    )
    register_device(
        name="BR-07 reader", kind=Device.Kind.CARD_READER, office=borough, gate=borough.gates.get()
    )
    guard = staff_client(make_user("guard", Role.GUARD, offices=[hq]))

    response = guard.get(reverse("org:my_gates"))

    html = response.content.decode()
    assert [g.code for g in response.context["gates"]] == ["G1", "G2", "G3", "G4"]
    assert "Gate 2 scanner" in html
    assert "BR-07 reader" not in html and "Main Gate" not in html


def test_the_employee_page_masks_the_mobile_and_an_admin_may_reveal_it_with_an_audit_record(
    chart: dict[str, Employee], make_user: Any, staff_client: Login
) -> None:
    # given a system administrator opens an employee
    employee = chart["clerk"]
    client = staff_client(make_user("admin", Role.SYSTEM_ADMIN, all_offices=True))
    page = client.get(reverse("org:employee", args=[employee.code])).content.decode()
    assert "+91 ******" + employee.mobile[-4:] in page
    assert employee.mobile not in page

    # when they ask to see the full number
    response = client.post(
        reverse("org:employee_mobile", args=[employee.code]), HTTP_HX_REQUEST="true"
    )

    # then it is shown, and the look is recorded against the employee
    assert employee.mobile in response.content.decode()
    entry = AuditRecord.objects.get(action="org.employee_mobile_viewed")
    assert (entry.object_id, entry.actor_label, entry.office_code) == (
        employee.code,
        "admin",
        "BR-07",
    )


def test_a_security_admin_or_supervisor_cannot_reveal_a_mobile(
    chart: dict[str, Employee], make_user: Any, staff_client: Login
) -> None:
    security = staff_client(make_user("sec", Role.SECURITY_ADMIN, all_offices=True))
    page = security.get(reverse("org:employee", args=[chart["clerk"].code])).content.decode()

    assert "Show full mobile" not in page
    assert (
        security.post(reverse("org:employee_mobile", args=[chart["clerk"].code])).status_code == 403
    )
    assert not AuditRecord.objects.filter(action="org.employee_mobile_viewed").exists()
