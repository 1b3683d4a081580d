"""Reading the HR department's employee sheet (CSV or XLSX) and checking every row.

Nothing here writes to the database: check_file() returns a report naming every bad row with
its row number and reasons; actions.import_employees() writes only when the report is clean.

The file is the source of truth for the columns it has: a blank cell clears an optional field
(mobile, card number, supervisor), while an optional column left out of the file leaves that
field of existing employees unchanged.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from civicgate.core import spreadsheets
from civicgate.core.phone import normalize_mobile
from civicgate.core.spreadsheets import (
    ALLOWED_EXTENSIONS,
    ImportFileError,
    ImportRow,
    mark_repeats,
    normalise_header,
    read_sheet,
)
from civicgate.org.models import Department, Employee, Office

__all__ = [
    "ALLOWED_EXTENSIONS",
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportFileError",
    "ImportReport",
    "Row",
    "check_file",
    "check_rows",
    "normalise_header",
    "read_table",
]

REQUIRED_COLUMNS = ("staff_number", "name", "designation", "department", "office")
OPTIONAL_COLUMNS = ("mobile", "card_number", "supervisor_staff_number", "active")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# A sheet of a few thousand staff is normal; a cap keeps a hostile file from exhausting memory.
MAX_ROWS = 20_000

_TRUE = {"yes", "y", "true", "1", "active"}
_FALSE = {"no", "n", "false", "0", "inactive"}
_MAX_LENGTHS = {"staff_number": 30, "name": 200, "designation": 200, "card_number": 40}


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
class Row(ImportRow):
    """One employee row of the sheet and what its cells name."""

    department: Department | None = None
    office: Office | None = None
    mobile: str = ""
    active: bool = True

    @property
    def staff_number(self) -> str:
        return self.values.get("staff_number", "")


@dataclass
class ImportReport(spreadsheets.ImportReport[Row]):
    ignored_columns: list[str] = field(default_factory=list)


def read_table(
    data: bytes, filename: str
) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[str]]:
    """Return (known columns, [(row number, {column: text})], ignored column names)."""
    sheet = read_sheet(
        data,
        filename,
        max_rows=MAX_ROWS,
        empty_message=_("The file is empty: it needs a header row and at least one employee."),
    )
    sheet.refuse_repeated_columns()
    sheet.require_columns(REQUIRED_COLUMNS, COLUMNS)
    rows = sheet.data_rows(COLUMNS)
    known = [name for name in sheet.header if name in COLUMNS]
    ignored = [name for name in sheet.header if name and name not in COLUMNS]
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
    mark_repeats(rows, lambda row: row.values.get(column, ""), message, fold_case=True)


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
