"""Reading spreadsheet imports (CSV or XLSX) into numbered rows, and the report of a check.

The apps that import sheets (org's employee sheet, services' records) each check their own
columns; what is the same for every sheet lives here: the size and type limits, the readers,
the header row, the row numbers a clerk sees in the spreadsheet, and the report's counts.
Nothing here touches the database.
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _

ALLOWED_EXTENSIONS = (".csv", ".xlsx")
MAX_COLUMNS = 50


class ImportFileError(Exception):
    """The file as a whole cannot be used: too big, wrong type, unreadable, bad header."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ImportRow:
    """One data row of the sheet, its number as the spreadsheet shows it, and what is wrong."""

    number: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    existing: bool = False


RowT = TypeVar("RowT", bound=ImportRow)


@dataclass
class ImportReport(Generic[RowT]):
    """The rows of a checked file; the counts are filled in when the file is written."""

    filename: str
    columns: list[str]
    rows: list[RowT]
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def bad_rows(self) -> list[RowT]:
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


def imported_message(filename: str, report: ImportReport[Any]) -> str:
    """What the confirmation says once a file is written."""
    return _(
        "Imported %(file)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged."
    ) % {
        "file": filename,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
    }


def normalise_header(text: str) -> str:
    """'Staff Number', ' staff-number ' and 'STAFF_NUMBER' all become 'staff_number'."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def read_csv(data: bytes) -> list[list[str]]:
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


def read_xlsx(data: bytes, max_rows: int) -> list[list[str]]:
    """The first sheet's cells as text; reading stops past max_rows data rows."""
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
            rows.append([cell_text(value) for value in values])
            if len(rows) > max_rows + 1:
                break
        return rows
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError):
        raise ImportFileError(
            _("This Excel file cannot be read. Open it in a spreadsheet, save it again and retry.")
        ) from None
    finally:
        workbook.close()


@dataclass
class Sheet:
    """The normalised header row and the rows under it, with the blank rows above skipped."""

    header: list[str]
    body: list[list[str]]
    skipped: int
    max_rows: int

    def refuse_repeated_columns(self) -> None:
        present = [name for name in self.header if name]
        repeated = sorted({name for name in present if present.count(name) > 1})
        if repeated:
            raise ImportFileError(
                _("These columns appear twice: %(columns)s.") % {"columns": ", ".join(repeated)}
            )

    def require_columns(self, required: Sequence[str], expected: Sequence[str]) -> None:
        missing = [name for name in required if name not in self.header]
        if missing:
            raise ImportFileError(
                _("The header row lacks these columns: %(columns)s. Expected: %(expected)s.")
                % {"columns": ", ".join(missing), "expected": ", ".join(expected)}
            )

    def data_rows(self, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
        """[(row number, {column: text})] of the non-blank rows, only the columns asked for.

        Row numbers are those the spreadsheet shows (header = row 1), so a clerk can find the row.
        """
        if len(self.body) > self.max_rows:
            raise ImportFileError(
                _("The file has more than %(n)s rows. Split it into smaller files.")
                % {"n": self.max_rows}
            )
        rows: list[tuple[int, dict[str, str]]] = []
        for index, cells in enumerate(self.body, start=self.skipped + 2):
            if not any(cells):
                continue
            values = {
                name: (cells[i] if i < len(cells) else "")
                for i, name in enumerate(self.header)
                if name in columns
            }
            rows.append((index, values))
        return rows


def read_sheet(data: bytes, filename: str, *, max_rows: int, empty_message: str) -> Sheet:
    """Read a .csv or .xlsx upload; ImportFileError says why a file cannot be used at all."""
    if len(data) > settings.MAX_IMPORT_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)s MB. Split it into smaller files.")
            % {"limit": round(settings.MAX_IMPORT_FILE_BYTES / (1024 * 1024), 1)}
        )
    extension = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ImportFileError(_("Only .csv and .xlsx files can be imported."))
    table = read_csv(data) if extension == ".csv" else read_xlsx(data, max_rows)
    skipped = 0
    while table and not any(table[0]):
        table.pop(0)
        skipped += 1
    if not table:
        raise ImportFileError(empty_message)
    header = [normalise_header(cell) for cell in table[0]]
    return Sheet(header=header, body=table[1:], skipped=skipped, max_rows=max_rows)


def mark_repeats(
    rows: Sequence[ImportRow], value_of: Callable[[Any], str], message: str, *, fold_case: bool
) -> None:
    """Add message to each row whose value an earlier row already has (blank values pass)."""
    first: dict[str, int] = {}
    for row in rows:
        value = value_of(row)
        if not value:
            continue
        key = value.lower() if fold_case else value
        if key in first:
            row.errors.append(message % {"value": value, "first": first[key]})
        else:
            first[key] = row.number
