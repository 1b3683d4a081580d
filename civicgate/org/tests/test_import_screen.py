"""The import screen: upload, dry-run report, confirm; the confirmed file is the one checked."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.org.models import Employee
from civicgate.org.tests.conftest import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.usefixtures("org")

ROWS = [
    ["KMC20001", "Arindam Ghosh", "Executive Engineer", "WS", "HQ", "9830012345", "C-1", "", "yes"],
    [
        "KMC20002",
        "Moumita Das",
        "Assistant Engineer",
        "WS",
        "BR-07",
        "9831022222",
        "C-2",
        "KMC20001",
        "yes",
    ],
]


@pytest.fixture
def admin(make_user: Any, staff_client: Any) -> Client:
    return staff_client(make_user("admin", Role.SYSTEM_ADMIN, all_offices=True))


def upload(client: Client, data: bytes, name: str = "staff.csv") -> Any:
    return client.post(reverse("org:import"), {"file": SimpleUploadedFile(name, data)})


def test_an_admin_checks_a_sheet_then_confirms_and_the_employees_are_created(
    admin: Client, import_spool: Path
) -> None:
    # when the admin uploads the sheet
    report = upload(admin, csv_bytes(ROWS))

    # then the dry run shows what will happen and nothing is written yet
    assert report.status_code == 200
    assert "Every row is correct" in report.content.decode()
    assert report.context["report"].to_create == 2
    assert Employee.objects.count() == 0
    token = report.context["token"]
    assert len(list(import_spool.iterdir())) == 1

    # when they confirm
    done = admin.post(reverse("org:import"), {"step": "confirm", "token": token}, follow=True)

    # then the employees exist, the spooled file is gone and one audit record carries the counts
    assert "2 new, 0 updated" in done.content.decode()
    assert Employee.objects.count() == 2
    assert list(import_spool.iterdir()) == []
    assert AuditRecord.objects.get(action="org.employees_imported").data["created"] == 2


def test_an_xlsx_sheet_goes_through_the_same_screen(admin: Client) -> None:
    report = upload(admin, xlsx_bytes(ROWS), name="staff.xlsx")

    admin.post(reverse("org:import"), {"step": "confirm", "token": report.context["token"]})

    assert Employee.objects.count() == 2


def test_the_report_lists_each_bad_row_and_offers_no_import(admin: Client) -> None:
    rows = [*ROWS, ["KMC20003", "", "Clerk", "Fisheries", "HQ", "", "", "", ""]]

    response = upload(admin, csv_bytes(rows))

    html = response.content.decode()
    assert "Name is missing." in html and "Unknown department &quot;Fisheries&quot;." in html
    assert response.context["token"] == ""
    assert 'name="step" value="confirm"' not in html
    assert "org_import" not in admin.session
    assert Employee.objects.count() == 0


def test_a_confirmation_with_another_token_imports_nothing(admin: Client) -> None:
    upload(admin, csv_bytes(ROWS))

    response = admin.post(
        reverse("org:import"), {"step": "confirm", "token": "x" * 43}, follow=True
    )

    assert "expired or was already done" in response.content.decode()
    assert Employee.objects.count() == 0


def test_a_file_posted_with_the_confirmation_is_refused(admin: Client) -> None:
    token = upload(admin, csv_bytes(ROWS[:1])).context["token"]

    response = admin.post(
        reverse("org:import"),
        {
            "step": "confirm",
            "token": token,
            "file": SimpleUploadedFile("other.csv", csv_bytes(ROWS)),
        },
        follow=True,
    )

    assert "cannot be sent with the confirmation" in response.content.decode()
    assert Employee.objects.count() == 0


def test_a_confirmation_cannot_be_replayed(admin: Client) -> None:
    token = upload(admin, csv_bytes(ROWS)).context["token"]
    admin.post(reverse("org:import"), {"step": "confirm", "token": token})
    Employee.objects.all().delete()

    response = admin.post(reverse("org:import"), {"step": "confirm", "token": token}, follow=True)

    assert "expired or was already done" in response.content.decode()
    assert Employee.objects.count() == 0


def test_a_spooled_file_changed_on_disk_is_not_imported(admin: Client, import_spool: Path) -> None:
    upload(admin, csv_bytes(ROWS))
    spooled = next(import_spool.iterdir())
    spooled.write_bytes(csv_bytes([["EVIL1", "Someone", "Clerk", "WS", "HQ", "", "", "", ""]]))
    token = admin.session["org_import"]["token"]

    response = admin.post(reverse("org:import"), {"step": "confirm", "token": token}, follow=True)

    assert "expired or was already done" in response.content.decode()
    assert Employee.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("staff.pdf", b"%PDF-1.4", "Only .csv and .xlsx files can be imported."),
        ("staff.xlsx", b"not a workbook", "This file is not an Excel workbook"),
    ],
)
def test_a_wrong_file_type_is_refused_on_the_form(
    admin: Client, name: str, data: bytes, message: str
) -> None:
    response = upload(admin, data, name=name)

    assert message in response.content.decode()
    assert "report" not in response.context


def test_an_oversize_file_is_refused_on_the_form(admin: Client, settings: Any) -> None:
    settings.MAX_IMPORT_FILE_BYTES = 1024

    response = upload(admin, csv_bytes(ROWS * 40))

    assert "larger than" in response.content.decode()
    assert Employee.objects.count() == 0


def test_a_system_admin_without_the_import_permission_is_refused(
    make_user: Any, staff_client: Any
) -> None:
    from django.contrib.auth.models import Group, Permission

    # given the system administrators' group no longer carries org.import_employees
    Group.objects.get(name=Role.SYSTEM_ADMIN).permissions.remove(
        Permission.objects.get(codename="import_employees")
    )
    user = make_user("limited", Role.SYSTEM_ADMIN, all_offices=True)

    response = staff_client(user).get(reverse("org:import"))

    assert response.status_code == 403
