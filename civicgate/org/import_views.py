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
            _forget(request)
            token = ""
            if report.ok:
                token, sha256 = spool.keep(data)
                request.session[SESSION_KEY] = {"token": token, "sha256": sha256, "name": name}
            return render(request, "org/import_report.html", {"report": report, "token": token})
    return render(
        request, "org/import.html", {"form": form, "columns": COLUMNS, "required": REQUIRED_COLUMNS}
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_KEY) or {}
    if request.FILES:
        messages.error(
            request, _("A file cannot be sent with the confirmation. Upload it and check it first.")
        )
        return redirect("org:import")
    if not pending or request.POST.get("token") != pending.get("token"):
        messages.error(
            request, _("This import has expired or was already done. Upload the file again.")
        )
        return redirect("org:import")
    try:
        data = spool.load(pending["token"], pending["sha256"])
    except FileNotFoundError:
        _forget(request)
        messages.error(
            request, _("This import has expired or was already done. Upload the file again.")
        )
        return redirect("org:import")
    try:
        report = actions.import_employees(
            data, pending["name"], actor=request.user, request=request
        )
    except ImportFileError as exc:
        messages.error(request, exc.message)
        return redirect("org:import")
    _forget(request)
    if not report.ok:
        messages.error(
            request, _("The employee records changed since the check. Nothing was imported.")
        )
        return render(request, "org/import_report.html", {"report": report, "token": ""})
    messages.success(
        request,
        _("Imported %(file)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
        % {
            "file": pending["name"],
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )
    return redirect("org:employees")


def _forget(request: HttpRequest) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        spool.discard(pending["token"])
