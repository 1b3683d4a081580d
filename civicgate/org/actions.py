"""Writes of the organisation app: each one atomic, each one audited."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from civicgate.audit.chain import record
from civicgate.org.importing import ImportReport, Row, check_file
from civicgate.org.imports import import_all_or_nothing
from civicgate.org.models import Employee


def reveal_mobile(employee: Employee, *, actor: Any, request: HttpRequest | None = None) -> str:
    """Give an administrator an employee's full mobile number; every look is audited."""
    with transaction.atomic():
        record(
            "org.employee_mobile_viewed",
            actor=actor,
            obj=employee,
            office=employee.office,
            request=request,
        )
    return employee.mobile


def import_employees(
    data: bytes,
    filename: str,
    *,
    actor: Any,
    request: HttpRequest | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Check the HR sheet and, unless dry_run, create or update employees by staff number.

    All or nothing: if any row is bad the report says why and nothing is written. The check is
    repeated inside the transaction, so a sheet checked minutes ago is judged against today's data.
    """
    return import_all_or_nothing(
        data,
        filename,
        check=lambda: check_file(data, filename),
        write=_write,
        action="org.employees_imported",
        conflict=lambda: _(
            "Employees were changed by someone else during the import. Nothing was written; try again."
        ),
        actor=actor,
        request=request,
        dry_run=dry_run,
    )


def _write(report: ImportReport) -> None:
    rows = report.rows
    existing = {
        e.staff_number: e
        for e in Employee.objects.filter(staff_number__in=[r.staff_number for r in rows])
    }
    changed: set[str] = set()
    if report.has_column("card_number"):
        # Cards may move between employees in one sheet: free the moving ones first so the
        # unique card number constraint never sees two holders mid-way.
        file_cards = {r.staff_number: r.values.get("card_number") or None for r in rows}
        moving = [
            e.pk
            for e in existing.values()
            if e.card_number and e.card_number != file_cards[e.staff_number]
        ]
        if moving:
            Employee.objects.filter(pk__in=moving).update(card_number=None)
            for employee in existing.values():
                if employee.pk in moving:
                    employee.card_number = None
                    changed.add(employee.staff_number)

    saved: dict[str, Employee] = {}
    for row in rows:
        found = existing.get(row.staff_number)
        created = found is None
        employee = found if found is not None else Employee(staff_number=row.staff_number)
        if _apply(employee, row, report) or created:
            employee.save()
            if not created:
                changed.add(row.staff_number)
        if created:
            report.created += 1
        saved[row.staff_number] = employee

    if report.has_column("supervisor_staff_number"):
        wanted = {r.values.get("supervisor_staff_number", "") for r in rows} - {""} - set(saved)
        bosses = saved | {
            e.staff_number: e for e in Employee.objects.filter(staff_number__in=wanted)
        }
        for row in rows:
            employee = saved[row.staff_number]
            boss_staff = row.values.get("supervisor_staff_number", "")
            boss_id = bosses[boss_staff].pk if boss_staff else None
            if employee.supervisor_id != boss_id:
                employee.supervisor_id = boss_id
                employee.save(update_fields=["supervisor", "updated_at"])
                if row.existing:
                    changed.add(row.staff_number)

    report.updated = sum(1 for row in rows if row.existing and row.staff_number in changed)
    report.unchanged = sum(1 for row in rows if row.existing and row.staff_number not in changed)


def _apply(employee: Employee, row: Row, report: ImportReport) -> bool:
    """Set the row's values on employee; True if anything differs from what it had."""
    values: dict[str, Any] = {
        "name": row.values["name"],
        "designation": row.values["designation"],
        "department_id": row.department.pk if row.department else None,
        "office_id": row.office.pk if row.office else None,
    }
    if report.has_column("mobile"):
        values["mobile"] = row.mobile
    if report.has_column("card_number"):
        values["card_number"] = row.values.get("card_number") or None
    if report.has_column("active"):
        values["active"] = row.active
    dirty = False
    for name, value in values.items():
        if getattr(employee, name) != value:
            setattr(employee, name, value)
            dirty = True
    return dirty
