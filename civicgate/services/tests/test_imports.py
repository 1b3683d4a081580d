"""Importing KMC's exports: a dry run lists bad rows with reasons; a bad file writes nothing."""

import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import Workbook

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.org.importing import ImportFileError
from civicgate.org.models import Department, Employee, Office
from civicgate.services.import_actions import import_records, update_status
from civicgate.services.models import (
    Assessment,
    AssessmentDue,
    AssessmentPayment,
    PlanApplication,
    StatusEntry,
)

ASSESSMENTS = (
    "Assessee No,Owner Name,Owner Mobile,Premises,Ward,Annual Valuation,Arrears,Financial Year,Q1 Due,Q2 Due,Q3 Due,Q4 Due\n"
    '110010100011,Anirban Mukherjee,98300 12345,"12, Lake Place",85,36000,1200,2026-27,0,0,1500,1500\n'
    "110060200234,Shreya Banerjee,,4A Ballygunge Circular Road,68,24000,,2026-27,0,0,0,900\n"
)
BAD_ASSESSMENTS = (
    "assessee_no,owner_name,premises,ward,annual_valuation,financial_year,q1_due\n"
    "110010100011,Anirban Mukherjee,12 Lake Place,85,36000,2026-27,100\n"
    "110060200234,,4A Ballygunge,145,abc,2026-27,10\n"
    "110010100011,Someone Else,Elsewhere,10,1000,2026-28,5\n"
)


def test_a_dry_run_lists_every_bad_row_with_its_reasons_and_writes_nothing(db: object) -> None:
    report = import_records(
        BAD_ASSESSMENTS.encode(), "roll.csv", "assessments", actor="t", dry_run=True
    )
    assert not report.ok
    bad = {row.number: row.errors for row in report.bad_rows}
    assert sorted(bad) == [3, 4]
    assert any("owner_name is missing" in e for e in bad[3])
    assert any('Ward "145"' in e for e in bad[3])
    assert any('annual_valuation "abc" is not an amount' in e for e in bad[3])
    assert any("repeated: first in row 2" in e for e in bad[4])
    assert any("financial_year" in e for e in bad[4])
    # And the real import of the same file writes nothing either: all or nothing
    report = import_records(BAD_ASSESSMENTS.encode(), "roll.csv", "assessments", actor="t")
    assert not report.ok
    assert not Assessment.objects.exists()
    assert not AuditRecord.objects.filter(action="services.assessments_imported").exists()


def test_a_clean_file_writes_assessments_with_quarterly_dues_and_is_audited(db: object) -> None:
    report = import_records(ASSESSMENTS.encode(), "roll.csv", "assessments", actor="t")
    assert report.ok and report.created == 2
    first = Assessment.objects.get(assessee_no="110010100011")
    assert first.owner_name == "Anirban Mukherjee" and first.owner_mobile == "+919830012345"
    assert first.arrears == Decimal("1200.00")
    dues = {(d.quarter, d.amount, d.due_date.isoformat()) for d in first.dues.all()}
    assert (3, Decimal("1500.00"), "2026-12-31") in dues
    assert (4, Decimal("1500.00"), "2027-03-31") in dues
    assert AuditRecord.objects.filter(action="services.assessments_imported").count() == 1
    # The same file again changes nothing
    again = import_records(ASSESSMENTS.encode(), "roll.csv", "assessments", actor="t")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AssessmentDue.objects.count() == 8


def test_receipts_for_unknown_assessees_are_refused(db: object) -> None:
    import_records(ASSESSMENTS.encode(), "roll.csv", "assessments", actor="t")
    receipts = (
        "assessee_no,receipt_no,paid_on,amount,period\n"
        "110010100011,R-0001,2026-06-20,1500,2026-27 Q1\n"
        "999999999999,R-0002,2026-06-21,900,2026-27 Q1\n"
        "110010100011,R-0003,31/02/2026,0,\n"
    )
    report = import_records(receipts.encode(), "receipts.csv", "receipts", actor="t")
    bad = {row.number: " ".join(row.errors) for row in report.bad_rows}
    assert "not on the assessment roll" in bad[3]
    assert "is not a date" in bad[4] and "more than zero" in bad[4]
    assert not AssessmentPayment.objects.exists()


def test_a_file_without_the_needed_columns_is_refused_as_a_whole(db: object) -> None:
    with pytest.raises(ImportFileError) as refused:
        import_records(b"number,name\n1,x\n", "plans.csv", "plans", actor="t", dry_run=True)
    assert "lacks these columns" in refused.value.message
    with pytest.raises(ImportFileError):
        import_records(b"%PDF", "plans.pdf", "plans", actor="t", dry_run=True)


def test_plan_imports_and_staff_updates_keep_a_status_history(db: object) -> None:
    plans = (
        "number,applicant_name,applicant_mobile,premises,ward,submitted_on,status,status_date\n"
        "2026070012,Anirban Mukherjee,9830012345,12 Lake Place,85,2026-07-01,received,2026-07-01\n"
    )
    import_records(plans.encode(), "plans.csv", "plans", actor="t")
    moved = plans.replace("received,2026-07-01", "Under scrutiny,2026-08-01")
    report = import_records(moved.encode(), "plans.csv", "plans", actor="t")
    assert report.updated == 1
    plan = PlanApplication.objects.get()
    assert plan.status == "scrutiny"
    update_status(plan, "sanctioned", actor="t", note="Sanction letter issued")
    assert list(StatusEntry.objects.filter(plan=plan).values_list("status", flat=True)) == [
        "received",
        "scrutiny",
        "sanctioned",
    ]


def test_the_import_screen_checks_first_and_imports_on_confirmation(
    client: Client,
    make_user: Callable[..., User],
    make_employee: Callable[..., Employee],
    hq: Office,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    assessment = Department.objects.create(code="AC", name="Assessment-Collection")
    clerk = make_user(
        "acclerk",
        Role.DEPARTMENT_STAFF,
        offices=[hq],
        employee=make_employee(department=assessment),
    )
    client.force_login(clerk)
    bad = client.post(
        "/services/import/",
        {"kind": "assessments", "file": SimpleUploadedFile("roll.csv", BAD_ASSESSMENTS.encode())},
    )
    assert "Nothing will be imported" in bad.content.decode()
    assert "owner_name is missing" in bad.content.decode()
    good = client.post(
        "/services/import/",
        {"kind": "assessments", "file": SimpleUploadedFile("roll.csv", ASSESSMENTS.encode())},
    )
    assert 'data-testid="import-confirm"' in good.content.decode()
    assert not Assessment.objects.exists()
    token = client.session["services_import"]["token"]
    done = client.post("/services/import/", {"step": "confirm", "token": token})
    assert done.status_code == 302
    assert Assessment.objects.count() == 2
    # A Water Supply clerk may not import assessments
    water_clerk = make_user(
        "wsclerk2", Role.DEPARTMENT_STAFF, offices=[hq], employee=make_employee()
    )
    client.force_login(water_clerk)
    assert client.get("/services/import/").status_code == 403


def test_an_excel_export_is_read_up_to_the_services_row_limit_not_the_employee_sheets(
    db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an .xlsx roll of five assessments, longer than a (lowered) employee-sheet limit
    monkeypatch.setattr("civicgate.org.importing.MAX_ROWS", 2)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["assessee_no", "owner_name", "premises", "ward", "annual_valuation"])
    for n in range(5):
        sheet.append([f"11001010001{n}", f"Owner {n}", f"{n} Lake Place", 85, 36000])
    buffer = io.BytesIO()
    book.save(buffer)

    # When it is imported
    report = import_records(buffer.getvalue(), "roll.xlsx", "assessments", actor="t")

    # Then every row is written, none cut off
    assert report.ok and report.created == 5
    assert Assessment.objects.count() == 5
