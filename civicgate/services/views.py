"""Staff screens: the department's inbox, a request, the head's escalations."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgate.accounts.access import role_required
from civicgate.accounts.roles import Role
from civicgate.audit.chain import record
from civicgate.core.crypto import decrypt_bytes
from civicgate.core.phone import mask_mobile
from civicgate.services import actions, selectors
from civicgate.services.forms import AssignForm, NoteForm, ResolveForm
from civicgate.services.heads import heads_department
from civicgate.services.models import ServiceRequest
from civicgate.services.record_views import RECORDS_BY_DEPARTMENT, allowed_kinds
from civicgate.services.selectors import InboxFilters

STAFF = (Role.DEPARTMENT_STAFF,)


@role_required(*STAFF)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    filters = InboxFilters.from_query(request.GET)
    page = selectors.inbox(request.user, filters)
    context = {
        "page": page,
        "filters": filters,
        "services": selectors.department_services(request.user),
        "states": ServiceRequest.State.choices,
        "wards": range(1, 145),
        "employee": selectors.staff_employee(request.user),
        "is_head": heads_department(request.user) is not None,
        "query": _query_without_page(request),
        "can_import": bool(allowed_kinds(request.user)),
        "keeps_records": _keeps_records(request.user),
    }
    if getattr(request, "htmx", False):
        return render(request, "services/partials/inbox_rows.html", context)
    return render(request, "services/inbox.html", context)


def _keeps_records(user: Any) -> bool:
    employee = selectors.staff_employee(user)
    return employee is not None and employee.department.code in RECORDS_BY_DEPARTMENT


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _detail_context(request: HttpRequest, sr: ServiceRequest, **forms: Any) -> dict[str, Any]:
    employees = selectors.assignable_employees(sr)
    return {
        "sr": sr,
        "masked_mobile": mask_mobile(sr.mobile),
        "events": selectors.timeline(sr, public_only=False),
        "photos": list(sr.photos.only("code", "kind", "width", "height", "created_at")),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            employees=employees,
            initial={"employee": sr.assigned_to.code if sr.assigned_to else None},
        ),
        "note_form": forms.get("note_form") or NoteForm(),
        "resolve_form": forms.get("resolve_form") or ResolveForm(),
        "can_act": selectors.can_act(request.user, sr),
        "overdue": sr.is_overdue(),
        "State": ServiceRequest.State,
    }


@role_required(*STAFF)
@require_GET
def request_detail(request: HttpRequest, number: str) -> HttpResponse:
    sr = selectors.staff_request(request.user, number)
    # The screen shows where the citizen lives and what they wrote: every look is recorded.
    record("services.request_viewed", actor=request.user, obj=sr, office=sr.office, request=request)
    return render(request, "services/request.html", _detail_context(request, sr))


@role_required(*STAFF)
@require_POST
def reveal_mobile(request: HttpRequest, number: str) -> HttpResponse:
    """The citizen's full number, for a call about the work; audited."""
    sr = _act(request, number)
    record(
        "services.citizen_mobile_viewed",
        actor=request.user,
        obj=sr,
        office=sr.office,
        request=request,
    )
    context = _detail_context(request, sr)
    context["full_mobile"] = sr.mobile
    return render(request, "services/request.html", context)


def _act(request: HttpRequest, number: str) -> ServiceRequest:
    sr = selectors.staff_request(request.user, number)
    selectors.require_act(request.user, sr)
    return sr


def _done(request: HttpRequest, sr: ServiceRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("services:request", number=sr.number)


def _refused(request: HttpRequest, sr: ServiceRequest, exc: actions.RequestRefused) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect("services:request", number=sr.number)


@role_required(*STAFF)
@require_POST
def assign(request: HttpRequest, number: str) -> HttpResponse:
    sr = _act(request, number)
    form = AssignForm(request.POST, employees=selectors.assignable_employees(sr))
    if not form.is_valid():
        context = _detail_context(request, sr, assign_form=form)
        return render(request, "services/request.html", context, status=400)
    try:
        sr = actions.assign_request(
            sr,
            form.cleaned_data["employee"],
            actor=request.user,
            visit_on=form.cleaned_data["visit_on"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except actions.RequestRefused as exc:
        return _refused(request, sr, exc)
    return _done(request, sr, _("Assigned to %(name)s.") % {"name": sr.assigned_to})


@role_required(*STAFF)
@require_POST
def start(request: HttpRequest, number: str) -> HttpResponse:
    sr = _act(request, number)
    try:
        sr = actions.start_work(sr, actor=request.user, request=request)
    except actions.RequestRefused as exc:
        return _refused(request, sr, exc)
    return _done(request, sr, _("Work started."))


@role_required(*STAFF)
@require_POST
def note(request: HttpRequest, number: str) -> HttpResponse:
    sr = _act(request, number)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "services/request.html",
            _detail_context(request, sr, note_form=form),
            status=400,
        )
    try:
        actions.add_note(
            sr,
            form.cleaned_data["note"],
            actor=request.user,
            public=form.cleaned_data["public"],
            request=request,
        )
    except actions.RequestRefused as exc:
        return _refused(request, sr, exc)
    return _done(request, sr, _("Note added."))


@role_required(*STAFF)
@require_POST
def resolve(request: HttpRequest, number: str) -> HttpResponse:
    sr = _act(request, number)
    form = ResolveForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request,
            "services/request.html",
            _detail_context(request, sr, resolve_form=form),
            status=400,
        )
    upload = form.cleaned_data.get("after_photo")
    try:
        sr = actions.resolve_request(
            sr,
            actor=request.user,
            note=form.cleaned_data["note"],
            after_photo=upload.read() if upload else None,
            request=request,
        )
    except actions.RequestRefused as exc:
        form.add_error(None, exc.message)
        return render(
            request,
            "services/request.html",
            _detail_context(request, sr, resolve_form=form),
            status=400,
        )
    return _done(request, sr, _("Resolved. The citizen has been asked to rate the work."))


@role_required(*STAFF)
@require_POST
def close(request: HttpRequest, number: str) -> HttpResponse:
    sr = _act(request, number)
    try:
        sr = actions.close_request(sr, actor=request.user, request=request)
    except actions.RequestRefused as exc:
        return _refused(request, sr, exc)
    return _done(request, sr, _("Closed."))


@role_required(*STAFF)
@require_GET
def photo(request: HttpRequest, number: str, code: str) -> HttpResponse:
    sr = selectors.staff_request(request.user, number)
    found = sr.photos.filter(code=code).first()
    if found is None:
        raise Http404
    record(
        "services.photo_viewed",
        actor=request.user,
        obj=sr,
        office=sr.office,
        request=request,
        data={"photo": found.code, "kind": found.kind},
    )
    return photo_response(found)


def photo_response(found: Any) -> HttpResponse:
    response = HttpResponse(decrypt_bytes(bytes(found.data)), content_type=found.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{found.code}.jpg"'
    return response


@role_required(*STAFF)
@require_GET
def escalations(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "services/escalations.html",
        {
            "rows": selectors.escalations_for(request.user),
            "department": heads_department(request.user),
        },
    )
