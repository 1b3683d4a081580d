"""The citizen's appointment pages: book (department, official, slot, confirm), my
appointments, one appointment with its pass, reschedule, cancel, rate and the .ics."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgate.accounts.citizen import citizen_required, current_citizen, over_rate_limit
from civicgate.accounts.models import Citizen
from civicgate.appointments import actions, calendar
from civicgate.appointments.forms import BookForm, CancelForm, RateForm, parse_slot, slot_param
from civicgate.appointments.models import Appointment, Availability
from civicgate.appointments.selectors import citizen as sel
from civicgate.appointments.selectors.slots import department_free_slots, free_slots
from civicgate.audit.chain import client_address
from civicgate.passes.actions import CONSENT_NOTICE_VERSION
from civicgate.passes.citizen_actions import pass_path

SLOT_DAYS = 14
# Changes a citizen may make in an hour from one address (book, reschedule, cancel, rate).
WRITES_PER_HOUR = 30
STATE_BADGES: dict[str, str] = {
    Appointment.State.CONFIRMED: "ok",
    Appointment.State.SEEN: "ok",
    Appointment.State.REQUESTED: "warn",
    Appointment.State.CANCELLED: "bad",
    Appointment.State.DECLINED: "bad",
    Appointment.State.NO_SHOW: "bad",
}


def _citizen(request: HttpRequest) -> Citizen:
    citizen = current_citizen(request)
    assert citizen is not None
    return citizen


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _limited(request: HttpRequest) -> HttpResponse | None:
    if over_rate_limit("appointments", client_address(request), WRITES_PER_HOUR, 3600):
        return render(
            request,
            "appointments/citizen/refused.html",
            {"message": _("Too many changes from this connection. Please try again later.")},
            status=429,
        )
    return None


def _slot_rows(slots: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "day": day,
            "slots": [
                {"slot": s, "local": sel.local(s), "param": slot_param(s.start)} for s in group
            ],
        }
        for day, group in sel.by_day(slots)
    ]


@citizen_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    citizen = _citizen(request)
    now = timezone.now()
    rows = [
        {"appointment": a, "badge": STATE_BADGES.get(a.state, ""), "upcoming": a.end > now}
        for a in sel.mine(citizen)[:100]
    ]
    return render(request, "appointments/citizen/mine.html", {"rows": rows})


@citizen_required
@require_GET
def book(request: HttpRequest) -> HttpResponse:
    """Step 1 and 2: choose a department, then one of its officials (with the next free slot)."""
    departments = list(sel.bookable_departments())
    chosen = None
    officials: list[dict[str, Any]] = []
    code = request.GET.get("department", "")
    if code:
        chosen = sel.department(code)
        firsts: dict[int, Any] = {}
        for slot in department_free_slots(chosen, days=SLOT_DAYS):
            firsts.setdefault(slot.official.pk, slot)
        for official in sel.bookable_officials().filter(employee__department=chosen):
            first = firsts.get(official.pk)
            officials.append({"official": official, "next": sel.local(first) if first else None})
    context = {"departments": departments, "chosen": chosen, "officials": officials}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "appointments/citizen/partials/officials.html", context)
    return render(request, "appointments/citizen/book.html", context)


@citizen_required
@require_GET
def slots(request: HttpRequest, official: str) -> HttpResponse:
    """Step 3: the official's free slots of the next two weeks, by day."""
    person = sel.official(official)
    found = free_slots(person, days=SLOT_DAYS)
    return render(
        request,
        "appointments/citizen/slots.html",
        {"official": person, "days": _slot_rows(found), "action": "book"},
    )


def _render_taken(
    request: HttpRequest, person: Any, exc: actions.SlotTaken, template_action: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "appointments/citizen/slots.html",
        {
            "official": person,
            "days": _slot_rows(exc.alternatives),
            "taken": exc.message,
            "action": template_action,
            **extra,
        },
        status=409,
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, official: str, start: str) -> HttpResponse:
    """Step 4: name, purpose and consent for the chosen slot; then book it."""
    citizen = _citizen(request)
    person = sel.official(official)
    when = parse_slot(start)
    if when is None:
        return redirect("citizen_appointments:slots", person.code)
    availability = Availability.objects.get(official=person)
    status = 200
    if request.method == "POST":
        if (refused := _limited(request)) is not None:
            return refused
        form = BookForm(request.POST)
        if form.is_valid():
            try:
                appointment = actions.book_appointment(
                    official=person,
                    start=when,
                    citizen=citizen,
                    name=form.cleaned_data["name"],
                    purpose=form.cleaned_data["purpose"],
                    language=_language(),
                    channel=Appointment.Channel.WEB,
                    request=request,
                )
            except actions.SlotTaken as exc:
                return _render_taken(request, person, exc, "book")
            except actions.AppointmentError as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                if appointment.state == Appointment.State.CONFIRMED:
                    messages.success(
                        request,
                        _("Your appointment is confirmed. Your gate pass is ready below."),
                    )
                else:
                    messages.info(
                        request,
                        _(
                            "Your request has gone to the official. We will tell you by SMS when it is confirmed."
                        ),
                    )
                return redirect("citizen_appointments:detail", appointment.code)
    else:
        form = BookForm(initial={"name": citizen.name})
    context = {
        "official": person,
        "when": when.astimezone(timezone.get_current_timezone()),
        "form": form,
        "request_mode": availability.booking_mode == "request",
        "notice_version": CONSENT_NOTICE_VERSION,
    }
    return render(request, "appointments/citizen/confirm.html", context, status=status)


@citizen_required
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    appointment = sel.my_appointment(_citizen(request), code)
    now = timezone.now()
    gate_pass = appointment.gate_pass
    context = {
        "appointment": appointment,
        "badge": STATE_BADGES.get(appointment.state, ""),
        "pass_link": pass_path(gate_pass) if gate_pass else "",
        "changeable": appointment.state
        in (Appointment.State.REQUESTED, Appointment.State.CONFIRMED)
        and appointment.start > now,
        "rateable": appointment.state == Appointment.State.SEEN and appointment.rating is None,
        "rate_form": RateForm(),
    }
    return render(request, "appointments/citizen/detail.html", context)


@citizen_required
@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, code: str) -> HttpResponse:
    citizen = _citizen(request)
    appointment = sel.my_appointment(citizen, code)
    person = appointment.requested_official
    if request.method == "POST":
        if (refused := _limited(request)) is not None:
            return refused
        when = parse_slot(request.POST.get("start", ""))
        try:
            if when is None:
                raise actions.NotOffered(_("Choose one of the free slots."))
            actions.reschedule_appointment(
                appointment=appointment, start=when, citizen=citizen, request=request
            )
        except actions.SlotTaken as exc:
            return _render_taken(request, person, exc, "reschedule", appointment=appointment)
        except actions.AppointmentError as exc:
            messages.error(request, exc.message)
            return redirect("citizen_appointments:detail", appointment.code)
        messages.success(
            request, _("Your appointment has moved. The new gate pass replaces the old one.")
        )
        return redirect("citizen_appointments:detail", appointment.code)
    found = [s for s in free_slots(person, days=SLOT_DAYS) if s.start != appointment.start]
    return render(
        request,
        "appointments/citizen/slots.html",
        {
            "official": person,
            "days": _slot_rows(found),
            "action": "reschedule",
            "appointment": appointment,
        },
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    citizen = _citizen(request)
    appointment = sel.my_appointment(citizen, code)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if (refused := _limited(request)) is not None:
            return refused
        try:
            actions.cancel_appointment(
                appointment=appointment,
                actor=citizen,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except actions.AppointmentError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your appointment is cancelled and its pass withdrawn."))
        return redirect("citizen_appointments:detail", appointment.code)
    return render(
        request, "appointments/citizen/cancel.html", {"appointment": appointment, "form": form}
    )


@citizen_required
@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    citizen = _citizen(request)
    appointment = sel.my_appointment(citizen, code)
    form = RateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose from 1 to 5 stars."))
    else:
        try:
            actions.rate_appointment(
                appointment=appointment,
                citizen=citizen,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except actions.AppointmentError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you for your rating."))
    return redirect("citizen_appointments:detail", appointment.code)


@citizen_required
@require_GET
def ics(request: HttpRequest, code: str) -> HttpResponse:
    appointment = sel.my_appointment(_citizen(request), code)
    response = HttpResponse(
        calendar.appointment_ics(appointment), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.code}.ics"'
    return response
