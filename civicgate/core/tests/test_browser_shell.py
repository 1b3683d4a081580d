"""The staff shell in a real browser: each role signs in and sees its own home, admins pass the
second factor, languages switch, and pages of other roles and offices are refused."""

from typing import Any

import pytest

from civicgate.accounts.roles import Role
from civicgate.conftest import pass_second_factor, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME_TILES = {
    Role.SYSTEM_ADMIN: {
        "Offices and gates",
        "Employees",
        "Import employees",
        "Officials",
        "Devices",
        "Audit trail",
        "Outbox",
        "Appointments",
        "Service catalogue",
        "Import service records",
        "Chat inbox",
        "Chat analytics",
        "My profile",
    },
    Role.SECURITY_ADMIN: {
        "Offices and gates",
        "Employees",
        "Devices",
        "Audit trail",
        "Who is inside",
        "Security alerts",
        "Watch list",
        "Tout review",
        "My profile",
    },
    Role.DESK_OPERATOR: {"Officials", "My profile"},
    Role.GUARD: {"Gate console", "Who is inside", "My gates", "My profile"},
    Role.OFFICIAL: {"Officials", "Visitor approvals", "Appointments", "My profile"},
    Role.SUPERVISOR: {"Employees", "My team", "My profile"},
    Role.EMPLOYEE: {"My profile"},
    Role.DEPARTMENT_STAFF: {"Service requests", "Appointments", "My profile"},
    Role.HELPDESK: {"Chat inbox", "Chat analytics", "My profile"},
}


@pytest.mark.parametrize("role", list(HOME_TILES))
def test_each_role_signs_in_and_sees_its_own_home(
    role: str, live_server: Any, page: Any, hq: Any, make_user: Any
) -> None:
    make_user(f"user_{role}", role, offices=[hq])

    sign_in(page, live_server.url, f"user_{role}")
    if role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        assert "/accounts/2fa/" in page.url
        pass_second_factor(page)

    page.wait_for_url(f"{live_server.url}/accounts/home/")
    tiles = {t.strip() for t in page.locator("[data-testid=home-tiles] .tile h2").all_inner_texts()}
    assert tiles == HOME_TILES[role]


def test_an_admin_who_gives_a_wrong_code_stays_outside(
    live_server: Any, page: Any, hq: Any, make_user: Any
) -> None:
    make_user("admin", Role.SYSTEM_ADMIN, offices=[hq])
    sign_in(page, live_server.url, "admin")

    page.fill("#id_token", "000000")
    page.click("main button[type=submit]")
    page.goto(f"{live_server.url}/org/offices/")

    assert "/accounts/2fa/" in page.url


@pytest.mark.parametrize(
    ("language", "heading"),
    [("bn", "কলকাতা পৌরসংস্থা"), ("hi", "कोलकाता नगर निगम")],
)
def test_the_language_switcher_turns_the_pages_into_bengali_and_hindi(
    language: str, heading: str, live_server: Any, page: Any, hq: Any, make_user: Any
) -> None:
    make_user("guard", Role.GUARD, offices=[hq])
    sign_in(page, live_server.url, "guard")
    page.wait_for_url(f"{live_server.url}/accounts/home/")

    page.select_option("#language-select", language)
    page.wait_for_load_state("networkidle")

    assert page.locator("html").get_attribute("lang") == language
    assert heading in page.inner_text("header")
    assert "Sign out" not in page.inner_text("header")
    page.goto(f"{live_server.url}/accounts/login/")  # the choice sticks across pages
    assert page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.GUARD, "/audit/"),
        (Role.GUARD, "/devices/"),
        (Role.GUARD, "/org/employees/"),
        (Role.DESK_OPERATOR, "/notify/outbox/"),
        (Role.EMPLOYEE, "/org/offices/"),
        (Role.OFFICIAL, "/org/employees/import/"),
    ],
)
def test_pages_of_other_roles_are_refused(
    role: str, path: str, live_server: Any, page: Any, hq: Any, make_user: Any
) -> None:
    make_user("someone", role, offices=[hq])
    sign_in(page, live_server.url, "someone")
    page.wait_for_url(f"{live_server.url}/accounts/home/")

    response = page.goto(f"{live_server.url}{path}")

    assert response.status == 403
    assert page.locator("[data-testid=forbidden]").is_visible()


def test_an_admin_of_one_office_does_not_see_another_offices_devices(
    live_server: Any, page: Any, hq: Any, borough: Any, make_user: Any
) -> None:
    from civicgate.devices.actions import register_device

    hq_device, _ = register_device(
        name="HQ Gate 1 scanner", kind="scanner", office=hq, gate=hq.gates.first()
    )
    register_device(
        name="Borough scanner", kind="scanner", office=borough, gate=borough.gates.first()
    )
    make_user("br_security", Role.SECURITY_ADMIN, offices=[borough])

    sign_in(page, live_server.url, "br_security")
    pass_second_factor(page)
    page.goto(f"{live_server.url}/devices/")
    listing = page.inner_text("main")
    response = page.goto(f"{live_server.url}/devices/{hq_device.code}/")

    assert "Borough scanner" in listing
    assert "HQ Gate 1 scanner" not in listing
    assert response.status == 404
