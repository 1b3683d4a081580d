"""Staff screens for the looked-up records: imports with a dry run, plan and permission status."""

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicgate.accounts.access import has_role, role_required
from civicgate.accounts.roles import Role
from civicgate.core.spreadsheets import ImportFileError, imported_message
from civicgate.org import spool
from civicgate.services import import_actions
from civicgate.services.forms import ImportForm, LookupForm, StatusForm
from civicgate.services.importing import KINDS
from civicgate.services.lookups import clean_number
from civicgate.services.models import AdvertisementPermission, PlanApplication
from civicgate.services.selectors import staff_employee

SESSION_KEY = "services_import"
# Which department keeps which records.
KINDS_BY_DEPARTMENT = {
    "AC": ("assessments", "receipts"),
    "BLD": ("plans",),
    "ADV": ("permissions",),
}
RECORDS_BY_DEPARTMENT: dict[str, Any] = {
    "BLD": PlanApplication,
    "ADV": AdvertisementPermission,
}


def allowed_kinds(user: Any) -> tuple[str, ...]:
    if not user.has_perm("services.import_records"):
        return ()
    if has_role(user, Role.SYSTEM_ADMIN):
        return tuple(KINDS)
    employee = staff_employee(user)
    if employee is None:
        return ()
    return KINDS_BY_DEPARTMENT.get(employee.department.code, ())


@role_required(Role.SYSTEM_ADMIN, Role.DEPARTMENT_STAFF)
@require_http_methods(["GET", "POST"])
def import_records(request: HttpRequest) -> HttpResponse:
    kinds = allowed_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _confirm(request, kinds)
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["kind"].choices = [(k, KINDS[k].label) for k in kinds]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        name = PurePath(upload.name).name[:200]
        data = upload.read()
        try:
            report = import_actions.import_records(
                data, name, kind, actor=request.user, request=request, dry_run=True
            )
        except ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            spool.forget(request, SESSION_KEY)
            token = (
                spool.stash(request, SESSION_KEY, data, name=name, kind=kind) if report.ok else ""
            )
            return render(
                request,
                "services/import_report.html",
                {"report": report, "token": token, "kind": KINDS[kind]},
            )
    return render(
        request,
        "services/import.html",
        {"form": form, "kinds": [KINDS[k] for k in kinds]},
    )


def _confirm(request: HttpRequest, kinds: tuple[str, ...]) -> HttpResponse:
    taken = spool.take(request, SESSION_KEY, lambda pending: pending.get("kind") in kinds)
    if taken is None:
        return redirect("services:import")
    pending, data = taken
    try:
        report = import_actions.import_records(
            data, pending["name"], pending["kind"], actor=request.user, request=request
        )
    except ImportFileError as exc:
        messages.error(request, exc.message)
        return redirect("services:import")
    spool.forget(request, SESSION_KEY)
    if not report.ok:
        messages.error(request, _("The records changed since the check. Nothing was imported."))
        return render(
            request,
            "services/import_report.html",
            {"report": report, "token": "", "kind": KINDS[report.kind]},
        )
    messages.success(request, imported_message(pending["name"], report))
    return redirect("services:import")


@role_required(Role.DEPARTMENT_STAFF)
@require_http_methods(["GET", "POST"])
def records(request: HttpRequest) -> HttpResponse:
    """Find a plan application or a permission by number and move it to a new status."""
    employee = staff_employee(request.user)
    model = RECORDS_BY_DEPARTMENT.get(employee.department.code) if employee else None
    if model is None or not request.user.has_perm(f"services.change_{model._meta.model_name}"):
        raise PermissionDenied
    lookup = LookupForm(request.GET or None)
    found = None
    if lookup.is_valid():
        found = model.objects.filter(number=clean_number(lookup.cleaned_data["number"])).first()
        if found is None:
            lookup.add_error("number", _("No record has that number."))
    status_form = StatusForm(request.POST or None, choices=model.Status.choices)
    if request.method == "POST":
        found = model.objects.filter(number=clean_number(request.POST.get("number", ""))).first()
        if found is None:
            messages.error(request, _("No record has that number."))
            return redirect("services:records")
        if status_form.is_valid():
            import_actions.update_status(
                found,
                status_form.cleaned_data["status"],
                actor=request.user,
                note=status_form.cleaned_data["note"],
                request=request,
            )
            messages.success(request, _("Status updated."))
            return redirect(f"{request.path}?number={found.number}")
    return render(
        request,
        "services/records.html",
        {
            "lookup": lookup,
            "found": found,
            "history": list(found.history.all()) if found else [],
            "status_form": status_form,
            "model_label": model._meta.verbose_name,
        },
    )
