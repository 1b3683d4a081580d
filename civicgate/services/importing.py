"""Reading KMC's CSV exports of assessments, receipts, building plans and permissions.

The same shape as the employee import (org.importing): the file is read by core.spreadsheets,
every row is checked alone and against the others and the database, and check_file() returns a
report naming each bad row with its spreadsheet row number and reasons. Nothing here writes;
import_actions.import_records() writes only a clean report, all or nothing.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgate.core.phone import normalize_mobile
from civicgate.core.spreadsheets import (
    ImportFileError,
    ImportReport,
    ImportRow,
    mark_repeats,
    read_sheet,
)
from civicgate.services.models import AdvertisementPermission, Assessment, PlanApplication

MAX_ROWS = 50_000


@dataclass
class Row(ImportRow):
    clean: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return str(self.clean.get("key") or "")


@dataclass
class Report(ImportReport[Row]):
    kind: str = ""


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any
    required: tuple[str, ...]
    optional: tuple[str, ...]
    check: Callable[[Row], None]
    existing: Callable[[list[str]], set[str]]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


# Cell readers: each returns the value or appends a reason to row.errors.


def _text(row: Row, name: str, limit: int = 200, required: bool = True) -> str:
    value = row.values.get(name, "").strip()
    if required and not value:
        row.errors.append(_("%(column)s is missing.") % {"column": name})
    elif len(value) > limit:
        row.errors.append(
            _("%(column)s is longer than %(n)s characters.") % {"column": name, "n": limit}
        )
    return value


def _number_id(row: Row, name: str) -> str:
    value = "".join(row.values.get(name, "").split()).upper()
    if not value:
        row.errors.append(_("%(column)s is missing.") % {"column": name})
    elif not re.fullmatch(r"[A-Z0-9/\-]{3,30}", value):
        row.errors.append(
            _('%(column)s "%(value)s" may have only letters, digits, "/" and "-".')
            % {"column": name, "value": value[:40]}
        )
    return value


def _money(row: Row, name: str, required: bool = True) -> Decimal | None:
    raw = row.values.get(name, "").replace(",", "").strip()
    if not raw:
        if required:
            row.errors.append(_("%(column)s is missing.") % {"column": name})
        return None
    try:
        value = Decimal(raw).quantize(Decimal("0.01"))
    except InvalidOperation:
        row.errors.append(
            _('%(column)s "%(value)s" is not an amount.') % {"column": name, "value": raw[:40]}
        )
        return None
    if value < 0 or value >= Decimal("1e12"):
        row.errors.append(_("%(column)s cannot be negative or that large.") % {"column": name})
        return None
    return value


def _ward(row: Row) -> int | None:
    raw = row.values.get("ward", "").strip()
    if raw.isdigit() and 1 <= int(raw) <= 144:
        return int(raw)
    row.errors.append(_('Ward "%(value)s" is not a ward from 1 to 144.') % {"value": raw[:20]})
    return None


def _date(row: Row, name: str, required: bool = True) -> date | None:
    raw = row.values.get(name, "").strip()
    if not raw:
        if required:
            row.errors.append(_("%(column)s is missing.") % {"column": name})
        return None
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    row.errors.append(
        _('%(column)s "%(value)s" is not a date (use YYYY-MM-DD or DD-MM-YYYY).')
        % {"column": name, "value": raw[:40]}
    )
    return None


def _mobile(row: Row, name: str) -> str:
    raw = row.values.get(name, "").strip()
    if not raw:
        return ""
    try:
        return normalize_mobile(raw)
    except ValidationError as exc:
        row.errors.append(
            _('%(column)s "%(value)s": %(problem)s')
            % {"column": name, "value": raw[:20], "problem": " ".join(exc.messages)}
        )
        return ""


def _choice(row: Row, name: str, choices: Any) -> str:
    raw = row.values.get(name, "").strip().lower().replace(" ", "_")
    by_label = {str(label).lower().replace(" ", "_"): value for value, label in choices.choices}
    value = raw if raw in choices.values else by_label.get(raw, "")
    if not value:
        row.errors.append(
            _('%(column)s "%(value)s" is not one of: %(allowed)s.')
            % {"column": name, "value": raw[:40], "allowed": ", ".join(choices.values)}
        )
    return value


def financial_year(raw: str) -> int | None:
    """'2026-27', '2026-2027' and '2026' all give 2026 (the year the April-March year starts)."""
    found = re.fullmatch(r"(\d{4})(?:\s*[-/]\s*(\d{2}|\d{4}))?", raw.strip())
    if not found:
        return None
    start = int(found.group(1))
    if found.group(2) and int(found.group(2)[-2:]) != (start + 1) % 100:
        return None
    return start if 2000 <= start <= 2100 else None


def quarter_due_date(year: int, quarter: int) -> date:
    """Property tax for a quarter of the April-March year is payable by the quarter's end."""
    return {
        1: date(year, 6, 30),
        2: date(year, 9, 30),
        3: date(year, 12, 31),
        4: date(year + 1, 3, 31),
    }[quarter]


def _check_assessment(row: Row) -> None:
    c = row.clean
    c["key"] = _number_id(row, "assessee_no")
    c["owner_name"] = _text(row, "owner_name")
    c["premises"] = _text(row, "premises", 300)
    c["ward"] = _ward(row)
    c["annual_valuation"] = _money(row, "annual_valuation")
    c["arrears"] = _money(row, "arrears", required=False) or Decimal("0")
    c["owner_mobile"] = _mobile(row, "owner_mobile")
    quarters = {q: _money(row, f"q{q}_due", required=False) for q in range(1, 5)}
    c["quarters"] = {q: v for q, v in quarters.items() if v is not None}
    raw_year = row.values.get("financial_year", "").strip()
    c["year"] = financial_year(raw_year) if raw_year else None
    if c["quarters"] and c["year"] is None:
        row.errors.append(
            _('financial_year "%(value)s" is needed for quarterly dues, e.g. 2026-27.')
            % {"value": raw_year[:20]}
        )


def _check_receipt(row: Row) -> None:
    c = row.clean
    c["key"] = _number_id(row, "receipt_no")
    c["assessee_no"] = _number_id(row, "assessee_no")
    c["paid_on"] = _date(row, "paid_on")
    c["amount"] = _money(row, "amount")
    if c["amount"] == 0:
        row.errors.append(_("amount must be more than zero."))
    c["period"] = _text(row, "period", 40, required=False)


def _check_plan(row: Row) -> None:
    c = row.clean
    c["key"] = _number_id(row, "number")
    c["applicant_name"] = _text(row, "applicant_name")
    c["premises"] = _text(row, "premises", 300)
    c["ward"] = _ward(row)
    c["submitted_on"] = _date(row, "submitted_on")
    c["status"] = _choice(row, "status", PlanApplication.Status)
    c["applicant_mobile"] = _mobile(row, "applicant_mobile")
    c["status_date"] = _date(row, "status_date", required=False)
    c["note"] = _text(row, "note", 300, required=False)


def _check_permission(row: Row) -> None:
    c = row.clean
    c["key"] = _number_id(row, "number")
    c["holder_name"] = _text(row, "holder_name")
    c["kind"] = _choice(row, "kind", AdvertisementPermission.Kind)
    c["site"] = _text(row, "site", 300)
    c["ward"] = _ward(row)
    c["status"] = _choice(row, "status", AdvertisementPermission.Status)
    c["holder_mobile"] = _mobile(row, "holder_mobile")
    c["valid_until"] = _date(row, "valid_until", required=False)
    c["status_date"] = _date(row, "status_date", required=False)
    c["note"] = _text(row, "note", 300, required=False)


def _existing(model: Any, field_name: str) -> Callable[[list[str]], set[str]]:
    def find(keys: list[str]) -> set[str]:
        return set(
            model.objects.filter(**{f"{field_name}__in": keys}).values_list(field_name, flat=True)
        )

    return find


def _existing_receipts(keys: list[str]) -> set[str]:
    from civicgate.services.models import AssessmentPayment

    return set(
        AssessmentPayment.objects.filter(receipt_no__in=keys).values_list("receipt_no", flat=True)
    )


KINDS: dict[str, Kind] = {
    "assessments": Kind(
        "assessments",
        gettext_lazy("Property-tax assessments"),
        ("assessee_no", "owner_name", "premises", "ward", "annual_valuation"),
        ("owner_mobile", "arrears", "financial_year", "q1_due", "q2_due", "q3_due", "q4_due"),
        _check_assessment,
        _existing(Assessment, "assessee_no"),
    ),
    "receipts": Kind(
        "receipts",
        gettext_lazy("Property-tax receipts"),
        ("assessee_no", "receipt_no", "paid_on", "amount"),
        ("period",),
        _check_receipt,
        _existing_receipts,
    ),
    "plans": Kind(
        "plans",
        gettext_lazy("Building plan applications"),
        ("number", "applicant_name", "premises", "ward", "submitted_on", "status"),
        ("applicant_mobile", "status_date", "note"),
        _check_plan,
        _existing(PlanApplication, "number"),
    ),
    "permissions": Kind(
        "permissions",
        gettext_lazy("Advertisement permissions"),
        ("number", "holder_name", "kind", "site", "ward", "status"),
        ("holder_mobile", "valid_until", "status_date", "note"),
        _check_permission,
        _existing(AdvertisementPermission, "number"),
    ),
}


def read_table(data: bytes, filename: str, kind: Kind) -> tuple[list[str], list[Row]]:
    sheet = read_sheet(
        data,
        filename,
        max_rows=MAX_ROWS,
        empty_message=_("The file is empty: it needs a header row and data rows."),
    )
    sheet.require_columns(kind.required, kind.columns)
    sheet.refuse_repeated_columns()
    rows = [Row(number=n, values=values) for n, values in sheet.data_rows(kind.columns)]
    return [name for name in sheet.header if name in kind.columns], rows


def check_file(data: bytes, filename: str, kind_key: str) -> Report:
    kind = KINDS.get(kind_key)
    if kind is None:
        raise ImportFileError(_("Unknown kind of import."))
    columns, rows = read_table(data, filename, kind)
    report = Report(kind=kind.key, filename=filename, columns=columns, rows=rows)
    for row in rows:
        kind.check(row)
    mark_repeats(
        rows,
        lambda row: row.key,
        _("%(value)s is repeated: first in row %(first)s."),
        fold_case=False,
    )
    existing = kind.existing([row.key for row in rows if row.key])
    for row in rows:
        row.existing = row.key in existing
    if kind.key == "receipts":
        _check_receipts_against_database(rows)
    return report


def _check_receipts_against_database(rows: list[Row]) -> None:
    from civicgate.services.models import AssessmentPayment

    wanted = {row.clean.get("assessee_no") for row in rows} - {""}
    known = set(
        Assessment.objects.filter(assessee_no__in=wanted).values_list("assessee_no", flat=True)
    )
    holders = dict(
        AssessmentPayment.objects.filter(receipt_no__in=[r.key for r in rows if r.key]).values_list(
            "receipt_no", "assessment__assessee_no"
        )
    )
    for row in rows:
        assessee = row.clean.get("assessee_no")
        if assessee and assessee not in known:
            row.errors.append(
                _("Assessee number %(value)s is not on the assessment roll.") % {"value": assessee}
            )
        holder = holders.get(row.key)
        if holder and holder != assessee:
            row.errors.append(
                _("Receipt %(value)s already belongs to assessee %(holder)s.")
                % {"value": row.key, "holder": holder}
            )
