"""Importing the HR sheet: every bad row reported with its number, all or nothing."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from civicgate.audit.models import AuditRecord
from civicgate.org.actions import import_employees
from civicgate.org.importing import ImportFileError, check_file
from civicgate.org.models import Employee
from civicgate.org.tests.conftest import HEADER, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.usefixtures("org")

GOOD = [
    [
        "KMC20001",
        "Arindam Ghosh",
        "Executive Engineer",
        "WS",
        "HQ",
        "98300 12345",
        "C-1001",
        "",
        "yes",
    ],
    [
        "KMC20002",
        "Moumita Das",
        "Assistant Engineer",
        "Water Supply",
        "hq",
        "+91 98310 22222",
        "C-1002",
        "KMC20001",
        "",
    ],
    ["KMC20003", "Sk Rafiqul Islam", "Clerk", "building", "BR-07", "", "", "KMC20002", "no"],
]


def run(data: bytes, name: str = "staff.csv", **kwargs: Any) -> Any:
    return import_employees(data, name, actor="test", **kwargs)


def errors_by_row(report: Any) -> dict[int, list[str]]:
    return {row.number: row.errors for row in report.bad_rows}


def test_it_reports_every_bad_row_with_its_number_and_writes_nothing(
    make_employee: Callable[..., Employee],
) -> None:
    # given an employee already holding card C-9999, and a sheet with one problem per row
    make_employee(staff_number="KMC00001", card_number="C-9999")
    rows = [
        ["KMC30001", "", "Clerk", "WS", "HQ", "", "", "", ""],  # 2: name missing
        [
            "KMC30002",
            "Payel Sen",
            "Clerk",
            "Fisheries",
            "HQ",
            "",
            "",
            "",
            "",
        ],  # 3: unknown department
        ["KMC30003", "Payel Sen", "Clerk", "WS", "BR-99", "", "", "", ""],  # 4: unknown office
        ["KMC30004", "Payel Sen", "Clerk", "WS", "HQ", "12345", "", "", ""],  # 5: bad mobile
        ["KMC30001", "Tapas Roy", "Clerk", "WS", "HQ", "", "", "", ""],  # 6: repeated staff number
        ["KMC30006", "Tapas Roy", "Clerk", "WS", "HQ", "", "C-7", "", ""],  # 7: first holder of C-7
        ["KMC30007", "Tapas Roy", "Clerk", "WS", "HQ", "", "C-7", "", ""],  # 8: repeated card
        [
            "KMC30008",
            "Tapas Roy",
            "Clerk",
            "WS",
            "HQ",
            "",
            "C-9999",
            "",
            "",
        ],  # 9: card of someone else
        [
            "KMC30009",
            "Tapas Roy",
            "Clerk",
            "WS",
            "HQ",
            "",
            "",
            "KMC77777",
            "",
        ],  # 10: unknown supervisor
        ["KMC30010", "Tapas Roy", "Clerk", "WS", "HQ", "", "", "", "maybe"],  # 11: bad active flag
        [
            "KMC30011",
            "Tapas Roy",
            "Clerk",
            "WS",
            "HQ",
            "",
            "",
            "KMC30011",
            "",
        ],  # 12: own supervisor
    ]
    before = AuditRecord.objects.count()

    # when the real import runs
    report = run(csv_bytes(rows))

    # then each bad row is named with its reason, and nothing was written
    found = errors_by_row(report)
    assert found[2] == ["Name is missing."]
    assert found[3] == ['Unknown department "Fisheries".']
    assert found[4] == ['Unknown office code "BR-99".']
    assert found[5][0].startswith('Mobile "12345"')
    assert found[6] == ["Staff number KMC30001 is repeated: first in row 2."]
    assert 7 not in found
    assert found[8] == ["Card number C-7 is repeated: first in row 7."]
    assert found[9] == ["Card number C-9999 already belongs to Employee 1 (staff number KMC00001)."]
    assert found[10] == ["Supervisor KMC77777 is neither in the file nor an existing employee."]
    assert found[11] == ['Active must be yes or no, not "maybe".']
    assert found[12] == ["An employee cannot be their own supervisor."]
    assert not report.ok
    assert Employee.objects.count() == 1
    assert AuditRecord.objects.count() == before


def test_it_creates_and_updates_employees_from_a_csv_by_staff_number(
    make_employee: Callable[..., Employee],
) -> None:
    # given KMC20001 already exists with an old designation
    make_employee(
        staff_number="KMC20001",
        name="A. Ghosh",
        designation="Assistant Engineer",
        card_number="C-1001",
    )

    # when the sheet is imported
    report = run(csv_bytes(GOOD))

    # then one employee is updated, two created, with supervisors, mobiles and flags as in the sheet
    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (2, 1, 0)
    arindam = Employee.objects.get(staff_number="KMC20001")
    assert arindam.name == "Arindam Ghosh"
    assert arindam.designation == "Executive Engineer"
    assert arindam.mobile == "+919830012345"
    moumita = Employee.objects.get(staff_number="KMC20002")
    assert moumita.supervisor == arindam
    assert moumita.department.code == "WS"
    rafiq = Employee.objects.get(staff_number="KMC20003")
    assert rafiq.supervisor == moumita
    assert rafiq.office.code == "BR-07"
    assert rafiq.department.code == "BLD"
    assert rafiq.active is False
    assert rafiq.card_number is None


def test_it_records_one_audit_entry_with_the_counts() -> None:
    run(csv_bytes(GOOD), name="hr-march.csv")

    entry = AuditRecord.objects.get(action="org.employees_imported")
    assert entry.data["file"] == "hr-march.csv"
    assert (entry.data["rows"], entry.data["created"], entry.data["updated"]) == (3, 3, 0)


def test_importing_the_same_sheet_twice_changes_nothing_the_second_time() -> None:
    run(csv_bytes(GOOD))

    report = run(csv_bytes(GOOD))

    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert Employee.objects.count() == 3


def test_it_imports_an_xlsx_sheet_with_numbers_typed_as_numbers(
    make_employee: Callable[..., Employee],
) -> None:
    # given an existing employee, and a workbook where Excel stored mobiles and staff numbers as numbers
    make_employee(staff_number="4411", name="Old Name")
    rows = [
        [4411, "Sudeshna Mitra", "Head Clerk", "WS", "HQ", 9836112345, 550001, None, True],
        [4412, "Partha Saha", "Clerk", "WS", "BR-07", 9433022222, 550002, 4411, "Yes"],
    ]

    # when it is imported
    report = run(xlsx_bytes(rows), name="staff.xlsx")

    # then the numbers read as the clerk typed them
    assert report.ok, errors_by_row(report)
    assert (report.created, report.updated) == (1, 1)
    sudeshna = Employee.objects.get(staff_number="4411")
    assert sudeshna.name == "Sudeshna Mitra"
    assert sudeshna.mobile == "+919836112345"
    assert sudeshna.card_number == "550001"
    assert Employee.objects.get(staff_number="4412").supervisor == sudeshna


def test_a_dry_run_reports_what_would_happen_and_writes_nothing() -> None:
    before = AuditRecord.objects.count()

    report = run(csv_bytes(GOOD), dry_run=True)

    assert report.ok
    assert (report.to_create, report.to_update) == (3, 0)
    assert Employee.objects.count() == 0
    assert AuditRecord.objects.count() == before


def test_it_refuses_a_supervisor_cycle_naming_the_loop(
    make_employee: Callable[..., Employee],
) -> None:
    # given A reports to B in the database, and the sheet makes B report to C and C to A
    b = make_employee(staff_number="B")
    make_employee(staff_number="A", supervisor=b)
    rows = [
        ["B", "Bee", "Clerk", "WS", "HQ", "", "", "C", ""],
        ["C", "Cee", "Clerk", "WS", "HQ", "", "", "A", ""],
    ]

    report = run(csv_bytes(rows))

    found = errors_by_row(report)
    assert found[2] == ["The supervisor chain loops back to this employee: B → C → A → B."]
    assert found[3] == ["The supervisor chain loops back to this employee: C → A → B → C."]
    assert Employee.objects.get(staff_number="B").supervisor is None


def test_cards_may_swap_between_employees_in_one_sheet(
    make_employee: Callable[..., Employee],
) -> None:
    make_employee(staff_number="X", card_number="C-1")
    make_employee(staff_number="Y", card_number="C-2")
    rows = [
        ["X", "Ex", "Clerk", "WS", "HQ", "", "C-2", "", ""],
        ["Y", "Why", "Clerk", "WS", "HQ", "", "C-1", "", ""],
    ]

    report = run(csv_bytes(rows))

    assert report.ok, errors_by_row(report)
    assert Employee.objects.get(staff_number="X").card_number == "C-2"
    assert Employee.objects.get(staff_number="Y").card_number == "C-1"


def test_optional_columns_left_out_keep_what_is_stored(
    make_employee: Callable[..., Employee],
) -> None:
    make_employee(staff_number="KMC1", mobile="+919830012345", card_number="C-1")
    header = ["staff_number", "name", "designation", "department", "office"]

    report = run(csv_bytes([["KMC1", "New Name", "Clerk", "WS", "HQ"]], header=header))

    assert report.ok
    employee = Employee.objects.get(staff_number="KMC1")
    assert (employee.name, employee.mobile, employee.card_number) == (
        "New Name",
        "+919830012345",
        "C-1",
    )


def test_header_names_ignore_case_and_spaces_and_extra_columns_are_listed() -> None:
    header = ["  STAFF number", "name", "Designation ", "department", "OFFICE", "Remarks"]

    report = check_file(
        csv_bytes([["K1", "Ishita Bose", "Clerk", "WS", "HQ", "transferred"]], header=header),
        "a.csv",
    )

    assert report.ok
    assert report.ignored_columns == ["remarks"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"%PDF-1.4 not a sheet", "staff.pdf", "Only .csv and .xlsx files can be imported."),
        (b"PK\x03\x04garbage", "staff.csv", "This file is not a CSV text file"),
        (b"staff_number,name\n", "staff.xlsx", "This file is not an Excel workbook"),
        (b"PK\x03\x04broken zip", "staff.xlsx", "This Excel file cannot be read"),
        (
            "staff_number,name,designation,department,office\nK1,Dép,C,WS,HQ".encode("latin-1"),
            "s.csv",
            "not in UTF-8",
        ),
        (
            b"name,designation\nA,B\n",
            "staff.csv",
            "The header row lacks these columns: staff_number",
        ),
        (b"", "staff.csv", "The file is empty"),
    ],
)
def test_it_refuses_files_it_cannot_use_with_a_clear_reason(
    data: bytes, name: str, message: str
) -> None:
    with pytest.raises(ImportFileError) as caught:
        run(data, name=name)

    assert message in caught.value.message
    assert Employee.objects.count() == 0


def test_it_refuses_a_file_over_the_size_limit(settings: Any) -> None:
    settings.MAX_IMPORT_FILE_BYTES = 1024
    data = csv_bytes([[f"K{n}", "Name", "Clerk", "WS", "HQ", "", "", "", ""] for n in range(100)])

    with pytest.raises(ImportFileError) as caught:
        run(data)

    assert "larger than" in caught.value.message
    assert Employee.objects.count() == 0


def test_the_command_imports_a_sheet_and_its_dry_run_writes_nothing(
    tmp_path: Any, capsys: Any
) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes(GOOD))

    call_command("import_employees", str(path), "--dry-run")
    assert Employee.objects.count() == 0
    assert "Nothing was written" in capsys.readouterr().out

    call_command("import_employees", str(path))
    assert Employee.objects.count() == 3
    assert "3 new" in capsys.readouterr().out


def test_the_command_fails_and_names_the_bad_rows(tmp_path: Any, capsys: Any) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(csv_bytes([["K1", "Name", "Clerk", "Fisheries", "HQ", "", "", "", ""]]))

    with pytest.raises(CommandError, match="1 of 1 rows have problems"):
        call_command("import_employees", str(path))

    assert 'row 2 (K1): Unknown department "Fisheries".' in capsys.readouterr().err
    assert Employee.objects.count() == 0


def test_the_header_constant_matches_the_documented_columns() -> None:
    from civicgate.org.importing import COLUMNS, normalise_header

    assert [normalise_header(h) for h in HEADER] == list(COLUMNS)
