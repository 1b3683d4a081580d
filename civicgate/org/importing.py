"""Reading the HR department's employee sheet (CSV or XLSX) and checking every row.

Nothing here writes to the database: check_file() returns a report naming every bad row with
its row number and reasons; actions.import_employees() writes only when the report is clean.

The file is the source of truth for the columns it has: a blank cell clears an optional field
(mobile, card number, supervisor), while an optional column left out of the file leaves that
field of existing employees unchanged.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from civicgate.core.phone import normalize_mobile
from civicgate.org.models import Department, Employee, Office

REQUIRED_COLUMNS = ("staff_number", "name", "designation", "department", "office")
OPTIONAL_COLUMNS = ("mobile", "card_number", "supervisor_staff_number", "active")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
# A sheet of a few thousand staff is normal; a cap keeps a hostile file from exhausting memory.
MAX_ROWS = 20_000
MAX_COLUMNS = 50

_TRUE = {"yes", "y", "true", "1", "active"}
_FALSE = {"no", "n", "false", "0", "inactive"}
_MAX_LENGTHS = {"staff_number": 30, "name": 200, "designation": 200, "card_number": 40}


class ImportFileError(Exception):
    """The file as a whole cannot be used: too big, wrong type, unreadable, bad header."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _labels() -> dict[str, str]:
    return {
        "staff_number": _("Staff number"),
        "name": _("Name"),
        "designation": _("Designation"),
        "department": _("Department"),
        "office": _("Office"),
        "mobile": _("Mobile"),
        "card_number": _("Card number"),
        "supervisor_staff_number": _("Supervisor staff number"),
        "active": _("Active"),
    }


@dataclass
class Row:
    """One data row of the sheet, its number as the spreadsheet shows it, and what is wrong."""

    number: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    department: Department | None = None
    office: Office | None = None
    mobile: str = ""
    active: bool = True
    existing: bool = False

    @property
    def staff_number(self) -> str:
        return self.values.get("staff_number", "")


@dataclass
class ImportReport:
    filename: str
    columns: list[str]
    rows: list[Row]
    ignored_columns: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def bad_rows(self) -> list[Row]:
        return [row for row in self.rows if row.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.bad_rows

    @property
    def to_create(self) -> int:
        return sum(1 for row in self.rows if not row.existing and not row.errors)

    @property
    def to_update(self) -> int:
        return sum(1 for row in self.rows if row.existing and not row.errors)

    def has_column(self, name: str) -> bool:
        return name in self.columns


def normalise_header(text: str) -> str:
    """'Staff Number', ' staff-number ' and 'STAFF_NUMBER' all become 'staff_number'."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _read_csv(data: bytes) -> list[list[str]]:
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:4096]:
        raise ImportFileError(_("This file is not a CSV text file. Upload a .csv or .xlsx file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                'This CSV file is not in UTF-8. In the spreadsheet, save it as "CSV UTF-8" and upload it again.'
            )
        ) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise ImportFileError(
            _("This CSV file cannot be read: %(problem)s") % {"problem": exc}
        ) from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            _("This file is not an Excel workbook (.xlsx). Upload a .csv or .xlsx file.")
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise ImportFileError(
            _("This Excel file cannot be read. Open it in a spreadsheet, save it again and retry.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            rows.append([_cell_text(value) for value in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError):
        raise ImportFileError(
            _("This Excel file cannot be read. Open it in a spreadsheet, save it again and retry.")
        ) from None
    finally:
        workbook.close()


def read_table(
    data: bytes, filename: str
) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[str]]:
    """Return (known columns, [(row number, {column: text})], ignored column names)."""
    if len(data) > settings.MAX_IMPORT_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": round(settings.MAX_IMPORT_FILE_BYTES / (1024 * 1024), 1)}
        )
    extension = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ImportFileError(_("Only .csv and .xlsx files can be imported."))
    table = _read_csv(data) if extension == ".csv" else _read_xlsx(data)
    skipped = 0
    while table and not any(table[0]):
        table.pop(0)
        skipped += 1
    if not table:
        raise ImportFileError(
            _("The file is empty: it needs a header row and at least one employee.")
        )
    header = [normalise_header(cell) for cell in table[0]]
    present = [name for name in header if name]
    duplicates = sorted({name for name in present if present.count(name) > 1})
    if duplicates:
        raise ImportFileError(
            _("These columns appear twice: %(columns)s.") % {"columns": ", ".join(duplicates)}
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportFileError(
            _("The header row lacks these columns: %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ", ".join(COLUMNS)}
        )
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(n)s rows. Split it into smaller files.") % {"n": MAX_ROWS}
        )
    known = [name for name in header if name in COLUMNS]
    ignored = [name for name in present if name not in COLUMNS]
    # Row numbers are those the spreadsheet shows (header = row 1), so a clerk can find the row.
    rows: list[tuple[int, dict[str, str]]] = []
    for index, cells in enumerate(table[1:], start=skipped + 2):
        if not any(cells):
            continue
        values = {
            name: (cells[i] if i < len(cells) else "")
            for i, name in enumerate(header)
            if name in COLUMNS
        }
        rows.append((index, values))
    return known, rows, ignored


def check_file(data: bytes, filename: str) -> ImportReport:
    columns, raw_rows, ignored = read_table(data, filename)
    report = check_rows(columns, raw_rows, filename=filename)
    report.ignored_columns = ignored
    return report


def check_rows(
    columns: list[str], raw_rows: list[tuple[int, dict[str, str]]], filename: str = ""
) -> ImportReport:
    """Check each row alone, then against the other rows and the database."""
    labels = _labels()
    rows = [Row(number=number, values=values) for number, values in raw_rows]
    report = ImportReport(filename=filename, columns=columns, rows=rows)
    if not rows:
        return report

    departments = list(Department.objects.all())
    by_department_key = {d.code.lower(): d for d in departments} | {
        d.name.lower(): d for d in departments
    }
    offices = {o.code.lower(): o for o in Office.objects.all()}

    for row in rows:
        _check_fields(row, columns, labels, by_department_key, offices)

    staff_numbers = [row.staff_number for row in rows if row.staff_number]
    existing = set(
        Employee.objects.filter(staff_number__in=staff_numbers).values_list(
            "staff_number", flat=True
        )
    )
    for row in rows:
        row.existing = row.staff_number in existing

    _check_repeats(
        rows, "staff_number", _("Staff number %(value)s is repeated: first in row %(first)s.")
    )
    if "card_number" in columns:
        _check_repeats(
            rows, "card_number", _("Card number %(value)s is repeated: first in row %(first)s.")
        )
        _check_cards_against_database(rows)
    if "supervisor_staff_number" in columns:
        _check_supervisors(rows)
    return report


def _check_fields(
    row: Row,
    columns: list[str],
    labels: dict[str, str],
    departments: dict[str, Department],
    offices: dict[str, Office],
) -> None:
    values = row.values
    for name in REQUIRED_COLUMNS:
        if not values.get(name):
            row.errors.append(_("%(field)s is missing.") % {"field": labels[name]})
    for name, limit in _MAX_LENGTHS.items():
        if len(values.get(name, "")) > limit:
            row.errors.append(
                _("%(field)s is longer than %(n)s characters.")
                % {"field": labels[name], "n": limit}
            )
    if values.get("department"):
        row.department = departments.get(values["department"].lower())
        if row.department is None:
            row.errors.append(
                _('Unknown department "%(value)s".') % {"value": values["department"]}
            )
    if values.get("office"):
        row.office = offices.get(values["office"].lower())
        if row.office is None:
            row.errors.append(_('Unknown office code "%(value)s".') % {"value": values["office"]})
    if values.get("mobile"):
        try:
            row.mobile = normalize_mobile(values["mobile"])
        except ValidationError as exc:
            row.errors.append(
                _('Mobile "%(value)s": %(problem)s')
                % {"value": values["mobile"], "problem": " ".join(exc.messages)}
            )
    if "active" in columns:
        flag = values.get("active", "").strip().lower()
        if flag in _TRUE or flag == "":
            row.active = True
        elif flag in _FALSE:
            row.active = False
        else:
            row.errors.append(
                _('Active must be yes or no, not "%(value)s".') % {"value": values["active"]}
            )


def _check_repeats(rows: list[Row], column: str, message: str) -> None:
    first: dict[str, int] = {}
    for row in rows:
        value = row.values.get(column, "")
        if not value:
            continue
        key = value.lower()
        if key in first:
            row.errors.append(message % {"value": value, "first": first[key]})
        else:
            first[key] = row.number


def _check_cards_against_database(rows: list[Row]) -> None:
    """A card may move between employees in the file; it may not take another employee's card."""
    in_file = {row.staff_number: row for row in rows if row.staff_number}
    cards = [row.values["card_number"] for row in rows if row.values.get("card_number")]
    holders = Employee.objects.filter(card_number__in=cards).values_list(
        "card_number", "staff_number", "name"
    )
    for card, holder_staff, holder_name in holders:
        holder_row = in_file.get(holder_staff)
        if holder_row is not None and holder_row.values.get("card_number", "") != card:
            continue  # the holder's own row gives them another card (or none)
        for row in rows:
            if row.values.get("card_number") == card and row.staff_number != holder_staff:
                row.errors.append(
                    _("Card number %(card)s already belongs to %(name)s (staff number %(staff)s).")
                    % {"card": card, "name": holder_name, "staff": holder_staff}
                )


def _check_supervisors(rows: list[Row]) -> None:
    in_file = {row.staff_number: row for row in rows if row.staff_number}
    wanted = {row.values.get("supervisor_staff_number", "") for row in rows} - {""}
    # The chart after the import: everyone in the database, with the file's rows laid over it.
    chart: dict[str, str] = dict(
        Employee.objects.filter(
            Q(staff_number__in=wanted) | Q(supervisor__isnull=False)
        ).values_list("staff_number", "supervisor__staff_number")
    )
    known_in_database = set(
        Employee.objects.filter(staff_number__in=wanted).values_list("staff_number", flat=True)
    )
    for staff, row in in_file.items():
        chart[staff] = row.values.get("supervisor_staff_number", "")

    for row in rows:
        boss = row.values.get("supervisor_staff_number", "")
        if not boss:
            continue
        if boss == row.staff_number:
            row.errors.append(_("An employee cannot be their own supervisor."))
        elif boss not in in_file and boss not in known_in_database:
            row.errors.append(
                _("Supervisor %(staff)s is neither in the file nor an existing employee.")
                % {"staff": boss}
            )

    for row in rows:
        if not row.staff_number or row.values.get("supervisor_staff_number") in (
            "",
            row.staff_number,
        ):
            continue
        path = [row.staff_number]
        current = chart.get(row.staff_number) or ""
        while current and current not in path and len(path) <= len(chart):
            path.append(current)
            current = chart.get(current) or ""
        if current == row.staff_number:
            loop = " → ".join([*path, row.staff_number])
            row.errors.append(
                _("The supervisor chain loops back to this employee: %(loop)s.") % {"loop": loop}
            )
