"""The employee import screen: upload, dry-run report, confirm."""

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicgate.accounts.access import role_required
from civicgate.accounts.roles import Role
from civicgate.core.spreadsheets import imported_message
from civicgate.org import actions, spool
from civicgate.org.forms import ImportUploadForm
from civicgate.org.importing import COLUMNS, REQUIRED_COLUMNS, ImportFileError

SESSION_KEY = "org_import"


@role_required(Role.SYSTEM_ADMIN)
@permission_required("org.import_employees", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_employees(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("step") == "confirm":
        return _confirm(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = PurePath(upload.name).name[:200]
        data = upload.read()
        try:
            report = actions.import_employees(
                data, name, actor=request.user, request=request, dry_run=True
            )
        except ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            spool.forget(request, SESSION_KEY)
            token = spool.stash(request, SESSION_KEY, data, name=name) if report.ok else ""
            return render(request, "org/import_report.html", {"report": report, "token": token})
    return render(
        request, "org/import.html", {"form": form, "columns": COLUMNS, "required": REQUIRED_COLUMNS}
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    if request.FILES:
        messages.error(
            request, _("A file cannot be sent with the confirmation. Upload it and check it first.")
        )
        return redirect("org:import")
    taken = spool.take(request, SESSION_KEY)
    if taken is None:
        return redirect("org:import")
    pending, data = taken
    try:
        report = actions.import_employees(
            data, pending["name"], actor=request.user, request=request
        )
    except ImportFileError as exc:
        messages.error(request, exc.message)
        return redirect("org:import")
    spool.forget(request, SESSION_KEY)
    if not report.ok:
        messages.error(
            request, _("The employee records changed since the check. Nothing was imported.")
        )
        return render(request, "org/import_report.html", {"report": report, "token": ""})
    messages.success(request, imported_message(pending["name"], report))
    return redirect("org:employees")
