"""The organisation screens in a real browser: an administrator imports the HR sheet, finds an
employee by typing, and reveals a mobile number; a guard looks at their gates."""

from pathlib import Path
from typing import Any

import pytest

from civicgate.accounts.roles import Role
from civicgate.conftest import pass_second_factor, sign_in
from civicgate.org.models import Employee
from civicgate.org.tests.conftest import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_imports_the_sheet_finds_an_employee_and_reveals_the_mobile(
    live_server: Any, page: Any, org: Any, make_user: Any, tmp_path: Path
) -> None:
    # given a system administrator and the HR sheet
    make_user("admin", Role.SYSTEM_ADMIN, all_offices=True)
    sheet = tmp_path / "staff.csv"
    sheet.write_bytes(
        csv_bytes(
            [
                [
                    "KMC20001",
                    "Arindam Ghosh",
                    "Executive Engineer",
                    "WS",
                    "HQ",
                    "9830012345",
                    "C-1",
                    "",
                    "yes",
                ],
                [
                    "KMC20002",
                    "Moumita Das",
                    "Assistant Engineer",
                    "BLD",
                    "BR-07",
                    "9831022222",
                    "C-2",
                    "KMC20001",
                    "yes",
                ],
            ]
        )
    )
    sign_in(page, live_server.url, "admin")
    pass_second_factor(page)
    page.wait_for_url(f"{live_server.url}/accounts/home/")

    # when they upload it, read the check and confirm
    page.goto(f"{live_server.url}/org/employees/import/")
    page.set_input_files("#id_file", str(sheet))
    page.click("text=Check the file")
    page.wait_for_selector("text=Every row is correct")
    page.click("text=Import 2 employees")

    # then the employee list shows both, and typing narrows it without a page load
    page.wait_for_selector("text=2 new, 0 updated")
    assert Employee.objects.count() == 2
    page.fill("#id_q", "mouMITA")
    page.wait_for_selector("[data-testid=result-count]:has-text('1 employee')")
    assert page.locator("[data-testid=employees] tbody tr").count() == 1

    # and the employee's page masks the mobile until the admin asks for it
    page.click("text=Moumita Das")
    assert page.inner_text("[data-testid=mobile]").startswith("+91 ******2222")
    page.click("text=Show full mobile")
    page.wait_for_selector("[data-testid=mobile]:has-text('+919831022222')")


def test_a_guard_sees_their_gates(live_server: Any, page: Any, hq: Any, make_user: Any) -> None:
    make_user("guard", Role.GUARD, offices=[hq])
    sign_in(page, live_server.url, "guard")
    page.wait_for_url(f"{live_server.url}/accounts/home/")

    page.goto(f"{live_server.url}/org/my-gates/")

    assert page.locator("[data-testid=gates] section").count() == 4
    assert "No devices at this gate." in page.inner_text("[data-testid=gates]")
