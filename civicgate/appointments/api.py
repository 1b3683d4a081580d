"""The appointments endpoints of the JSON API, under /api/v1/appointments.

Free slots are public. Holding, booking and a citizen's own appointments need the citizen's
session (signed in with mobile + one-time code) and its CSRF token, as the web pages do; the
chatbot calls the same actions in-process.

Holding and booking a slot already full is answered before anything else is loaded (see
refusals.py): when hundreds of citizens want the last place at once, all but one get that
answer. It comes before django-ninja runs the endpoint (_full_slot_answered_first), through the
endpoint's own sign-in (with its CSRF check) and body schema; a request that fails either, or
that the refusal does not answer, goes on to the endpoint unchanged, whose answers it keeps.
"""

import json
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import AuthenticationError, HttpError
from ninja.responses import NinjaJSONEncoder, Status
from ninja.security import APIKeyCookie
from pydantic import AwareDatetime
from pydantic import ValidationError as SchemaError

from civicgate.accounts.citizen import current_citizen, over_rate_limit
from civicgate.accounts.models import Citizen
from civicgate.api import ApiError, api
from civicgate.appointments import actions, refusals
from civicgate.appointments.models import Appointment
from civicgate.appointments.selectors import citizen as sel
from civicgate.appointments.selectors.slots import Slot

router = Router(tags=["appointments"])
MAX_DAYS = 60
WRITES_PER_HOUR = 30


class CitizenSession(APIKeyCookie):
    """A citizen signed in through the one-time code pages (session cookie + CSRF token)."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Citizen | None:
        return current_citizen(request)


class CitizenSessionCookie(CitizenSession):
    """The same sign-in, checked by the endpoint: it reads the session together with the first
    thing it needs (refusals.citizen_code_and_full), one query instead of two or three."""

    def authenticate(self, request: HttpRequest, key: str | None) -> str | None:  # type: ignore[override]
        return key or None


citizen_auth = CitizenSession()
citizen_cookie_auth = CitizenSessionCookie()


class ErrorOut(Schema):
    error: str = Field(description="A stable code: slot_taken, not_offered, limit_reached, ...")
    message: str = Field(description="What went wrong, for a person to read.")


class SlotOut(Schema):
    official: str = Field(description="Code of the official who will see the citizen.")
    official_name: str
    office: str = Field(description="Office code.")
    start: datetime
    end: datetime
    places_left: int
    delegated_from: str | None = Field(
        None, description="Code of the official asked for, when a delegate covers leave."
    )

    @staticmethod
    def of(slot: Slot) -> "SlotOut":
        return SlotOut(
            official=slot.official.code,
            official_name=slot.official.employee.name,
            office=slot.official.employee.office.code,
            start=slot.start,
            end=slot.end,
            places_left=slot.places_left,
            delegated_from=slot.delegated_from.code if slot.delegated_from else None,
        )


class SlotsOut(Schema):
    slots: list[SlotOut]


class TakenOut(ErrorOut):
    alternatives: list[SlotOut] = Field(description="The nearest free slots of the official.")


class AppointmentOut(Schema):
    code: str
    state: str = Field(description="held, requested, confirmed, declined, cancelled, seen, ...")
    official: str
    official_name: str
    office: str
    start: datetime
    end: datetime
    hold_expires_at: datetime | None = None
    gate_pass: str | None = Field(None, description="Code of the gate pass, once confirmed.")
    sequence: int
    reschedules: int

    @staticmethod
    def of(a: Appointment) -> "AppointmentOut":
        return AppointmentOut(
            code=a.code,
            state=a.state,
            official=a.official.code,
            official_name=a.official.employee.name,
            office=a.office.code,
            start=a.start,
            end=a.end,
            hold_expires_at=a.hold_expires_at,
            gate_pass=a.gate_pass.code if a.gate_pass_id and a.gate_pass else None,
            sequence=a.sequence,
            reschedules=a.reschedules,
        )


class HoldIn(Schema):
    official: str
    start: AwareDatetime
    minutes: int = Field(5, ge=1, le=15)


class BookIn(Schema):
    official: str
    start: AwareDatetime
    name: str = Field(max_length=200)
    purpose: str = Field(max_length=300)
    hold: str = Field("", max_length=12, description="Code of the citizen's hold, if any.")
    language: str = Field("en", pattern="^(en|bn|hi)$")


class RescheduleIn(Schema):
    start: AwareDatetime


class CancelIn(Schema):
    reason: str = Field("", max_length=300)


def _citizen(request: HttpRequest) -> Citizen:
    citizen = request.auth  # type: ignore[attr-defined]
    assert isinstance(citizen, Citizen)
    _rate_limit(citizen.code)
    return citizen


def _rate_limit(citizen_code: str) -> None:
    if over_rate_limit("appointments-api", citizen_code, WRITES_PER_HOUR, 3600):
        raise ApiError(429, "rate_limited", "Too many changes. Please try again later.")


def _render_slots(slots: list[Slot]) -> str:
    # As ninja writes a TakenOut's alternatives: the schema's dump, ninja's JSON encoder.
    return json.dumps([SlotOut.of(s).model_dump() for s in slots], cls=NinjaJSONEncoder)


def _citizen_unless_full(
    request: HttpRequest, official: str, start: datetime, hold: str = ""
) -> Citizen | HttpResponse:
    """The signed-in citizen, or the 409 for a slot already seen full (with the nearest free
    slots, kept a few seconds) after one query, session included; 401 when signed out."""
    found = refusals.citizen_code_and_full(request, official, start)
    if found is None:
        raise AuthenticationError()
    code, full = found
    _rate_limit(code)
    taken = _taken_now(official, start) if full and not hold else None
    if taken is not None:
        return taken
    citizen = Citizen.objects.filter(code=code).first()
    if citizen is None:
        raise AuthenticationError()
    request.auth = citizen  # type: ignore[attr-defined]
    return citizen


def _taken_now(official: str, start: datetime) -> HttpResponse | None:
    """The 409 for a slot seen full, its JSON written once; None when there is no such
    official (the booking action answers that)."""
    alternatives = refusals.nearest_json(official, start, _render_slots)
    if alternatives is None:
        return None
    message = _("Sorry, that slot has just been taken. Here are the nearest free slots.")
    content = (
        f'{{"error": "{actions.SlotTaken.code}", "message": {json.dumps(message)}, '
        f'"alternatives": {alternatives}}}'
    )
    return HttpResponse(content, status=409, content_type=api.get_content_type())


def _full_slot_answered_first(schema: type[HoldIn | BookIn]) -> Callable[..., Any]:
    """Decorate an endpoint's run by django-ninja: a slot seen full is refused before ninja's
    own work for the endpoint (auth and parameters through its models, the response), about a
    tenth of a refusal's CPU. The checks are the endpoint's own, not copies: its sign-in
    (citizen_cookie_auth, with the CSRF check) and its body schema. Anything else (a failed
    check, a free place, a hold to turn into a booking) goes on to the endpoint."""

    def decorate(run: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(run)
        def answered_first(request: HttpRequest, **kwargs: Any) -> Any:
            try:
                refused = _refused_first(request, schema)
            except Exception as exc:  # answered as the endpoint would answer it
                return api.on_exception(request, exc)
            return refused if refused is not None else run(request, **kwargs)

        return answered_first

    return decorate


def _refused_first(request: HttpRequest, schema: type[HoldIn | BookIn]) -> HttpResponse | None:
    try:
        if not citizen_cookie_auth(request):
            return None
        payload = schema.model_validate_json(request.body)
    except (HttpError, SchemaError):
        return None
    if getattr(payload, "hold", ""):
        return None
    found = refusals.citizen_code_and_full(request, payload.official, payload.start)
    if found is None or not found[1]:
        return None
    taken = _taken_now(payload.official, payload.start)
    if taken is not None:
        _rate_limit(found[0])
    return taken


def _refusal(exc: Exception) -> Any:
    if isinstance(exc, actions.SlotTaken):
        return Status(
            409,
            {
                "error": exc.code,
                "message": exc.message,
                "alternatives": [SlotOut.of(s) for s in exc.alternatives],
            },
        )
    if isinstance(exc, actions.AppointmentError):
        raise ApiError(409, exc.code, exc.message)
    if isinstance(exc, ValidationError):
        raise ApiError(422, "invalid", " ".join(exc.messages))
    raise exc


def _mine(citizen: Citizen, code: str) -> Appointment:
    appointment = (
        Appointment.objects.filter(citizen=citizen, code=code)
        .select_related("official__employee", "office", "gate_pass", "requested_official")
        .first()
    )
    if appointment is None:
        raise ApiError(404, "not_found", "No such appointment.")
    return appointment


@router.get(
    "/slots",
    response={200: SlotsOut, 404: ErrorOut, 422: ErrorOut},
    summary="Free slots of an official (with a delegate's on leave days) or of a department",
)
def slots(
    request: HttpRequest,
    official: str = "",
    department: str = "",
    office: str = "",
    days: int = 14,
) -> dict[str, Any]:
    days = max(1, min(days, MAX_DAYS))
    if official:
        found = actions.free_slots(sel.official(official), days=days)
    elif department:
        dept = sel.department(department)
        in_office = None
        if office:
            from civicgate.org.models import Office

            in_office = Office.objects.filter(code=office, active=True).first()
            if in_office is None:
                raise ApiError(404, "not_found", "No such office.")
        found = actions.department_free_slots(dept, office=in_office, days=days)
    else:
        raise ApiError(422, "invalid", "Give an official or a department.")
    return {"slots": [SlotOut.of(s) for s in found]}


@router.post(
    "/holds",
    auth=citizen_cookie_auth,
    response={201: AppointmentOut, 409: TakenOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Hold a place of a slot for a few minutes while the citizen finishes",
)
@decorate_view(_full_slot_answered_first(HoldIn))
def hold(request: HttpRequest, payload: HoldIn) -> Any:
    citizen = _citizen_unless_full(request, payload.official, payload.start)
    if isinstance(citizen, HttpResponse):
        return citizen
    try:
        held = actions.hold_slot(
            official=sel.official(payload.official),
            start=payload.start,
            citizen=citizen,
            minutes=payload.minutes,
            channel=Appointment.Channel.API,
        )
    except (actions.AppointmentError, ValidationError) as exc:
        return _refusal(exc)
    return Status(201, AppointmentOut.of(held))


@router.post(
    "/bookings",
    auth=citizen_cookie_auth,
    response={201: AppointmentOut, 409: TakenOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Book a slot; slot_taken comes with the nearest free slots",
)
@decorate_view(_full_slot_answered_first(BookIn))
def book(request: HttpRequest, payload: BookIn) -> Any:
    citizen = _citizen_unless_full(request, payload.official, payload.start, payload.hold)
    if isinstance(citizen, HttpResponse):
        return citizen
    try:
        appointment = actions.book_appointment(
            official=sel.official(payload.official),
            start=payload.start,
            citizen=citizen,
            name=payload.name,
            purpose=payload.purpose,
            language=payload.language,
            channel=Appointment.Channel.API,
            hold=payload.hold,
            request=request,
        )
    except (actions.AppointmentError, ValidationError) as exc:
        return _refusal(exc)
    return Status(201, AppointmentOut.of(appointment))


@router.get(
    "/mine",
    auth=citizen_auth,
    response={200: list[AppointmentOut]},
    summary="The signed-in citizen's appointments, newest first",
)
def mine(request: HttpRequest) -> list[AppointmentOut]:
    citizen = request.auth  # type: ignore[attr-defined]
    return [AppointmentOut.of(a) for a in sel.mine(citizen)[:100]]


@router.post(
    "/{code}/reschedule",
    auth=citizen_auth,
    response={200: AppointmentOut, 409: TakenOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Move an appointment to another free slot (a new pass replaces the old)",
)
def reschedule(request: HttpRequest, code: str, payload: RescheduleIn) -> Any:
    citizen = _citizen(request)
    appointment = _mine(citizen, code)
    try:
        moved = actions.reschedule_appointment(
            appointment=appointment, start=payload.start, citizen=citizen, request=request
        )
    except (actions.AppointmentError, ValidationError) as exc:
        return _refusal(exc)
    return Status(200, AppointmentOut.of(moved))


@router.post(
    "/{code}/cancel",
    auth=citizen_auth,
    response={200: AppointmentOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    summary="Cancel an appointment (its pass is revoked)",
)
def cancel(request: HttpRequest, code: str, payload: CancelIn) -> Any:
    citizen = _citizen(request)
    appointment = _mine(citizen, code)
    try:
        done = actions.cancel_appointment(
            appointment=appointment, actor=citizen, reason=payload.reason, request=request
        )
    except (actions.AppointmentError, ValidationError) as exc:
        return _refusal(exc)
    return Status(200, AppointmentOut.of(done))
