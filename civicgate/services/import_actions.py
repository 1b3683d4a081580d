"""Writing imported records and staff updates of plans and permissions; all audited."""

from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.audit.chain import record
from civicgate.core.crypto import blind_index
from civicgate.org.imports import import_all_or_nothing
from civicgate.services.importing import Report, Row, check_file, quarter_due_date
from civicgate.services.models import (
    AdvertisementPermission,
    Assessment,
    AssessmentDue,
    AssessmentPayment,
    PlanApplication,
    StatusEntry,
)


def _index(mobile: str) -> str:
    return blind_index(mobile, "mobile") if mobile else ""


def import_records(
    data: bytes,
    filename: str,
    kind: str,
    *,
    actor: Any,
    request: Any = None,
    dry_run: bool = False,
) -> Report:
    """Check the file and, unless dry_run, write every row; if any row is bad, write nothing.

    The check runs again inside the transaction, so the write is judged on today's data.
    """

    def write(report: Report) -> None:
        writer = _WRITERS[report.kind]
        label = _actor_label(actor)
        for row in report.rows:
            outcome = writer(row, filename, label)
            setattr(report, outcome, getattr(report, outcome) + 1)

    return import_all_or_nothing(
        data,
        filename,
        check=lambda: check_file(data, filename, kind),
        write=write,
        action=f"services.{kind}_imported",
        conflict=lambda: _(
            "The records were changed by someone else during the import. Nothing was written; try again."
        ),
        actor=actor,
        request=request,
        dry_run=dry_run,
    )


def _actor_label(actor: Any) -> str:
    if isinstance(actor, str):
        return actor
    return str(actor.get_full_name() or actor.get_username())


def _apply(obj: Any, values: dict[str, Any]) -> bool:
    dirty = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            dirty = True
    return dirty


def _write_assessment(row: Row, filename: str, label: str) -> str:
    c = row.clean
    values = {
        "owner_name": c["owner_name"],
        "owner_mobile": c["owner_mobile"],
        "owner_mobile_index": _index(c["owner_mobile"]),
        "premises": c["premises"],
        "ward": c["ward"],
        "annual_valuation": c["annual_valuation"],
        "arrears": c["arrears"],
    }
    assessment = Assessment.objects.filter(assessee_no=row.key).first()
    created = assessment is None
    if assessment is None:
        assessment = Assessment(assessee_no=row.key)
    dirty = _apply(assessment, values)
    if dirty or created:
        assessment.imported_from = filename[:200]
        assessment.save()
    for quarter, amount in c["quarters"].items():
        due, made = AssessmentDue.objects.get_or_create(
            assessment=assessment,
            year=c["year"],
            quarter=quarter,
            defaults={"amount": amount, "due_date": quarter_due_date(c["year"], quarter)},
        )
        if not made and due.amount != amount:
            due.amount = amount
            due.save(update_fields=["amount"])
            dirty = True
        dirty = dirty or made
    return "created" if created else ("updated" if dirty else "unchanged")


def _write_receipt(row: Row, filename: str, label: str) -> str:
    c = row.clean
    assessment = Assessment.objects.get(assessee_no=c["assessee_no"])
    payment, created = AssessmentPayment.objects.get_or_create(
        receipt_no=row.key,
        defaults={
            "assessment": assessment,
            "paid_on": c["paid_on"],
            "amount": c["amount"],
            "period": c["period"],
        },
    )
    if created:
        return "created"
    dirty = _apply(payment, {"paid_on": c["paid_on"], "amount": c["amount"], "period": c["period"]})
    if dirty:
        payment.save()
    return "updated" if dirty else "unchanged"


def _status_time(day: Any) -> datetime:
    if day is None:
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _write_status_record(
    model: Any, history_field: str, row: Row, values: dict[str, Any], label: str
) -> str:
    c = row.clean
    obj = model.objects.filter(number=row.key).first()
    created = obj is None
    at = _status_time(c["status_date"])
    if obj is None:
        obj = model(number=row.key, status=c["status"], status_changed_at=at)
    moved = created or obj.status != c["status"]
    dirty = _apply(obj, values)
    if moved:
        obj.status, obj.status_changed_at = c["status"], at
    if dirty or moved:
        obj.save()
    if moved:
        StatusEntry.objects.create(
            **{history_field: obj}, status=c["status"], at=at, note=c["note"], by=label
        )
    return "created" if created else ("updated" if dirty or moved else "unchanged")


def _write_plan(row: Row, filename: str, label: str) -> str:
    c = row.clean
    values = {
        "applicant_name": c["applicant_name"],
        "applicant_mobile": c["applicant_mobile"],
        "applicant_mobile_index": _index(c["applicant_mobile"]),
        "premises": c["premises"],
        "ward": c["ward"],
        "submitted_on": c["submitted_on"],
    }
    return _write_status_record(PlanApplication, "plan", row, values, label)


def _write_permission(row: Row, filename: str, label: str) -> str:
    c = row.clean
    values = {
        "holder_name": c["holder_name"],
        "holder_mobile": c["holder_mobile"],
        "holder_mobile_index": _index(c["holder_mobile"]),
        "kind": c["kind"],
        "site": c["site"],
        "ward": c["ward"],
        "valid_until": c["valid_until"],
    }
    return _write_status_record(AdvertisementPermission, "permission", row, values, label)


# Each writes one checked row and says whether it was created, updated or unchanged.
_WRITERS = {
    "assessments": _write_assessment,
    "receipts": _write_receipt,
    "plans": _write_plan,
    "permissions": _write_permission,
}


def update_status(
    obj: PlanApplication | AdvertisementPermission,
    status: str,
    *,
    actor: Any,
    note: str = "",
    request: Any = None,
) -> StatusEntry:
    """Staff move a plan application or an advertisement permission to a new status."""
    model = type(obj)
    if status not in model.Status.values:
        raise ValueError(f"Unknown status {status!r}.")
    with transaction.atomic():
        fresh = model.objects.select_for_update().get(pk=obj.pk)
        before = fresh.status
        now = timezone.now()
        fresh.status, fresh.status_changed_at = status, now
        fresh.save(update_fields=["status", "status_changed_at", "updated_at"])
        field = "plan" if model is PlanApplication else "permission"
        entry = StatusEntry.objects.create(
            **{field: fresh}, status=status, at=now, note=(note or "")[:300], by=_actor_label(actor)
        )
        record(
            f"services.{field}_status_changed",
            actor=actor,
            obj=fresh,
            request=request,
            data={"from": before, "to": status},
        )
    obj.status, obj.status_changed_at = status, now
    return entry
