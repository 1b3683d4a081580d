"""Staff screens of appointments: the official's day (arrivals from the gate, seen / no-show,
requests to confirm), availability, leave and delegate, holidays, reports, calendar feed."""

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgate.accounts.access import has_role, offices_for
from civicgate.accounts.roles import Role
from civicgate.appointments import calendar
from civicgate.appointments.actions import AppointmentError, cancel_appointment
from civicgate.appointments.actions import staff as staff_actions
from civicgate.appointments.forms import (
    AvailabilityForm,
    DeclineForm,
    HolidayForm,
    HoursForm,
    LeaveForm,
)
from civicgate.appointments.models import Appointment, Availability, Holiday, Leave
from civicgate.appointments.selectors import staff as sel
from civicgate.appointments.selectors.slots import zone
from civicgate.audit.chain import record
from civicgate.core.phone import mask_mobile

staff_only = sel.role_required_staff
FEED_PAST_DAYS = 30


def _today(official: Any) -> date:
    return timezone.now().astimezone(zone(official.employee.office.time_zone)).date()


@staff_only
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """An official goes straight to their day; office staff and administrators choose."""
    officials = list(sel.managed_officials(request.user).order_by("employee__name")[:500])
    own = sel.own_official(request.user)
    if own is not None and len(officials) == 1:
        return redirect("appointments:day", own.code)
    return render(
        request,
        "appointments/index.html",
        {"officials": officials, "is_admin": has_role(request.user, Role.SYSTEM_ADMIN)},
    )


@staff_only
@require_GET
def day(request: HttpRequest, official: str) -> HttpResponse:
    """The official's appointments of a day, with arrival from the gate scan; htmx refreshes
    the table alone."""
    person = sel.official_for(request.user, official)
    try:
        shown = date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else None
    except ValueError:
        shown = None
    shown = shown or _today(person)
    rows = [
        {"appointment": a, "mobile": mask_mobile(a.citizen.mobile)}
        for a in sel.day_view(person, shown).select_related("citizen")
    ]
    context = {
        "official": person,
        "day": shown,
        "previous": shown - timedelta(days=1),
        "next": shown + timedelta(days=1),
        "rows": rows,
        "requests": list(sel.waiting_requests(person).select_related("citizen")[:100]),
        "now": timezone.now(),
    }
    record(
        "appointments.day_viewed",
        actor=request.user,
        obj=person,
        office=person.employee.office,
        request=request,
        data={"day": shown, "count": len(rows)},
    )
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "appointments/partials/day_table.html", context)
    return render(request, "appointments/day.html", context)


def _back(appointment: Appointment) -> HttpResponse:
    day = appointment.start.astimezone(zone(appointment.office.time_zone)).date()
    response = redirect("appointments:day", appointment.official.code)
    response["Location"] += f"?date={day.isoformat()}"
    return response


def _decided(request: HttpRequest, appointment: Appointment, work: Any, done: str) -> HttpResponse:
    try:
        work()
    except AppointmentError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return _back(appointment)


@staff_only
@require_POST
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    appointment = sel.appointment_for(request.user, code)
    return _decided(
        request,
        appointment,
        lambda: staff_actions.confirm_appointment(appointment, user=request.user, request=request),
        _("Confirmed. The citizen gets the gate pass by SMS and WhatsApp."),
    )


@staff_only
@require_POST
def decline(request: HttpRequest, code: str) -> HttpResponse:
    appointment = sel.appointment_for(request.user, code)
    form = DeclineForm(request.POST)
    reason = form.data.get("reason", "")
    return _decided(
        request,
        appointment,
        lambda: staff_actions.decline_appointment(
            appointment, user=request.user, reason=reason, request=request
        ),
        _("Declined. The citizen has been told."),
    )


@staff_only
@require_POST
def mark(request: HttpRequest, code: str, outcome: str) -> HttpResponse:
    appointment = sel.appointment_for(request.user, code)
    if outcome not in ("seen", "no-show"):
        raise Http404
    return _decided(
        request,
        appointment,
        lambda: staff_actions.mark_visit(
            appointment, user=request.user, seen=outcome == "seen", request=request
        ),
        _("Marked."),
    )


@staff_only
@require_POST
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    appointment = sel.appointment_for(request.user, code)
    reason = request.POST.get("reason", "")
    return _decided(
        request,
        appointment,
        lambda: cancel_appointment(
            appointment=appointment,
            actor=request.user,
            reason=reason,
            by_citizen=False,
            request=request,
        ),
        _("Cancelled. The citizen has been told and the pass withdrawn."),
    )


@staff_only
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest, official: str) -> HttpResponse:
    """The official's rules, weekly hours, leave with delegate and calendar feed."""
    person = sel.official_for(request.user, official)
    current = Availability.objects.filter(official=person).prefetch_related("hours").first()
    form = AvailabilityForm(request.POST or None, instance=current or Availability(official=person))
    hours = HoursForm(request.POST or None, initial=HoursForm.initial_for(current))
    status = 200
    if request.method == "POST":
        if form.is_valid() and hours.is_valid():
            values = {name: form.cleaned_data[name] for name in AvailabilityForm.Meta.fields}
            try:
                staff_actions.save_availability(
                    person,
                    values=values,
                    hours=hours.cleaned_data["stretches"],
                    user=request.user,
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                messages.success(request, _("Saved. New bookings follow these rules."))
                return redirect("appointments:availability", person.code)
        else:
            status = 400
    context = {
        "official": person,
        "form": form,
        "hours": hours,
        "availability": current,
        "leave_form": LeaveForm(official=person),
        "leaves": Leave.objects.filter(official=person, last_day__gte=_today(person))
        .select_related("delegate__employee")
        .order_by("first_day"),
        "feed_url": request.build_absolute_uri(
            reverse("appointments:feed", args=[current.feed_token])
        )
        if current
        else "",
    }
    return render(request, "appointments/availability.html", context, status=status)


@staff_only
@require_POST
def add_leave(request: HttpRequest, official: str) -> HttpResponse:
    person = sel.official_for(request.user, official)
    form = LeaveForm(request.POST, official=person)
    if form.is_valid():
        try:
            staff_actions.add_leave(
                person,
                first_day=form.cleaned_data["first_day"],
                last_day=form.cleaned_data["last_day"],
                reason=form.cleaned_data["reason"],
                delegate=form.cleaned_data["delegate"],
                user=request.user,
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Leave recorded."))
    else:
        messages.error(request, _("Enter the first and last day of the leave."))
    return redirect("appointments:availability", person.code)


@staff_only
@require_POST
def remove_leave(request: HttpRequest, official: str, code: str) -> HttpResponse:
    person = sel.official_for(request.user, official)
    leave = Leave.objects.filter(official=person, code=code).first()
    if leave is None:
        raise Http404
    staff_actions.remove_leave(leave, user=request.user, request=request)
    messages.success(request, _("Leave removed."))
    return redirect("appointments:availability", person.code)


@staff_only
@require_POST
def renew_feed(request: HttpRequest, official: str) -> HttpResponse:
    person = sel.official_for(request.user, official)
    current = Availability.objects.filter(official=person).first()
    if current is None:
        raise Http404
    staff_actions.renew_feed_token(current, user=request.user, request=request)
    messages.success(request, _("New calendar address made; the old one no longer works."))
    return redirect("appointments:availability", person.code)


@staff_only
@require_http_methods(["GET", "POST"])
def holidays(request: HttpRequest) -> HttpResponse:
    """Holidays for every office (West Bengal, KMC) or one office; administrators edit."""
    can_edit = has_role(request.user, Role.SYSTEM_ADMIN)
    offices = offices_for(request.user)
    form = HolidayForm(request.POST or None, offices=offices)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if "remove" in request.POST:
            holiday = Holiday.objects.filter(code=request.POST["remove"]).first()
            if holiday is None:
                raise Http404
            if holiday.office is None and not request.user.all_offices:  # type: ignore[union-attr]
                raise PermissionDenied
            staff_actions.remove_holiday(holiday, user=request.user, request=request)
            messages.success(request, _("Holiday removed."))
            return redirect("appointments:holidays")
        if form.is_valid():
            office = form.cleaned_data["office"]
            if office is None and not request.user.all_offices:  # type: ignore[union-attr]
                form.add_error("office", _("Only an administrator of every office may add these."))
            else:
                try:
                    staff_actions.add_holiday(
                        day=form.cleaned_data["date"],
                        name=form.cleaned_data["name"],
                        office=office,
                        user=request.user,
                        request=request,
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(request, _("Holiday added."))
                    return redirect("appointments:holidays")
        status = 400
    today = timezone.localdate()
    rows = (
        Holiday.objects.filter(date__gte=today - timedelta(days=31))
        .filter(office__isnull=True)
        .select_related("office")
        | Holiday.objects.filter(date__gte=today - timedelta(days=31), office__in=offices)
    ).order_by("date")[:400]
    return render(
        request,
        "appointments/holidays.html",
        {"rows": rows, "form": form, "can_edit": can_edit},
        status=status,
    )


@staff_only
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        first = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        first = today - timedelta(days=30)
    try:
        last = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        last = today
    by = "department" if request.GET.get("by") == "department" else "official"
    rows = sel.report(request.user, first, last, by=by)
    return render(
        request,
        "appointments/reports.html",
        {"rows": rows, "first": first, "last": last, "by": by},
    )


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The official's private calendar feed; the secret in the address is the key."""
    if len(token) < 20:
        raise Http404
    current = (
        Availability.objects.select_related("official__employee").filter(feed_token=token).first()
    )
    if current is None:
        raise Http404
    official = current.official
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    appointments = (
        Appointment.objects.filter(official=official, start__gte=since)
        .exclude(state__in=[Appointment.State.HELD, Appointment.State.LAPSED])
        .select_related("office", "official__employee")
        .order_by("start")[:1000]
    )
    body = calendar.feed_ics(
        _("Appointments: %(name)s") % {"name": official.employee.name}, appointments
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
