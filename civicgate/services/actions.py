"""Writes of service requests: each one atomic, audited, and telling the citizen on commit.

Views, the API, the chatbot and management commands call these with plain arguments; the
citizen is an accounts Citizen or a mobile number the caller has verified (a WhatsApp sender).
State changes lock the request row first, so two staff members acting at once cannot both move
it, and the second is told it changed.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civicgate.accounts.models import Citizen
from civicgate.audit.chain import record
from civicgate.core.crypto import blind_index, encrypt_bytes
from civicgate.core.phone import mask_mobile, normalize_mobile
from civicgate.notify.outbox import enqueue
from civicgate.org.models import Employee, Office
from civicgate.services.models import RequestEvent, RequestPhoto, Service, ServiceRequest
from civicgate.services.models.requests import BOROUGHS, WARDS
from civicgate.services.photos import clean_photo
from civicgate.services.tracking import next_number

State = ServiceRequest.State
MAX_PHOTOS = 3
RATING_REOPENS_AT_OR_BELOW = 2
WHATSAPP_CHANNELS = (ServiceRequest.Channel.WHATSAPP, ServiceRequest.Channel.CHATBOT)
LANGUAGES = ("en", "bn", "hi")


class RequestRefused(Exception):
    """The action cannot be done: code for the API, message for a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def citizen_for(citizen: Citizen | str, language: str = "en") -> Citizen:
    """The Citizen for a verified mobile number (created at its first request)."""
    if isinstance(citizen, Citizen):
        return citizen
    try:
        mobile = normalize_mobile(citizen)
    except ValidationError as exc:
        raise RequestRefused("invalid_mobile", " ".join(exc.messages)) from None
    found, _created = Citizen.objects.get_or_create(
        mobile_index=blind_index(mobile, "mobile"),
        defaults={"mobile": mobile, "language": language, "verified_at": timezone.now()},
    )
    return found


def request_url(sr: ServiceRequest) -> str:
    path = reverse("citizen_services:request", args=[sr.number])
    return str(settings.SITE_URL).rstrip("/") + path


def _office_for(borough: int | None) -> Office:
    """The borough's office where one is set up, else the headquarters."""
    if borough:
        office = Office.objects.filter(code=f"BR-{borough:02d}", active=True).first()
        if office is not None:
            return office
    office = (
        Office.objects.filter(kind=Office.Kind.HEADQUARTERS, active=True).order_by("code").first()
    )
    if office is None:
        raise RequestRefused("no_office", _("No KMC office is set up to receive requests."))
    return office


def _check_location(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lon = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except (ArithmeticError, ValueError):
        raise RequestRefused("invalid_location", _("The location is not valid.")) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise RequestRefused("invalid_location", _("The location is not valid."))
    return lat, lon


def _check_details(service: Service, details: dict[str, Any] | None) -> dict[str, str]:
    given = {str(k): str(v).strip()[:200] for k, v in (details or {}).items() if v is not None}
    wanted = service.detail_fields()
    out = {}
    for item in wanted:
        value = given.get(item["key"], "")
        if item["required"] and not value:
            raise RequestRefused(
                "missing_detail", _("%(field)s is required.") % {"field": item["label"]}
            )
        if value:
            out[item["key"]] = value
    return out


def _event(
    sr: ServiceRequest,
    kind: str,
    *,
    actor_label: str,
    state_from: str = "",
    note: str = "",
    public: bool = True,
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=sr,
        kind=kind,
        state_from=state_from,
        state_to=sr.state,
        public=public,
        note=note,
        actor_label=actor_label,
        at=timezone.now(),
    )


def _staff_label(actor: Any) -> str:
    if isinstance(actor, str):
        return actor
    employee = getattr(actor, "employee", None)
    if employee is not None:
        return f"{employee.name}, {employee.designation}"
    return str(actor.get_full_name() or actor.get_username())


def _tell_citizen(sr: ServiceRequest, key: str, context: dict[str, Any]) -> None:
    """Queue one message to the citizen in their language, on the channel they came from."""
    channel = "whatsapp" if sr.channel in WHATSAPP_CHANNELS else "sms"
    with translation.override(sr.language):
        full = {
            "tracking_number": sr.number,
            "url": request_url(sr),
            "status": str(State(sr.state).label),
            **context,
        }
    enqueue(channel, sr.mobile, key, full, language=sr.language)


def _store_photo(sr: ServiceRequest, data: bytes, kind: str) -> RequestPhoto:
    try:
        photo = clean_photo(data)
    except ValidationError as exc:
        raise RequestRefused("invalid_photo", " ".join(exc.messages)) from None
    return RequestPhoto.objects.create(
        request=sr,
        kind=kind,
        data=encrypt_bytes(photo.data),
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        size=len(photo.data),
    )


def submit_request(
    *,
    citizen: Citizen | str,
    service: Service | str,
    description: str,
    ward: int,
    borough: int | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    details: dict[str, Any] | None = None,
    photos: Iterable[bytes] = (),
    channel: str = ServiceRequest.Channel.WEB,
    language: str | None = None,
    request: Any = None,
) -> ServiceRequest:
    """File a complaint or application and tell the citizen its tracking number.

    service: a Service or its slug. photos: the raw uploaded bytes (checked and re-encoded here).
    Raises RequestRefused with a code (unknown_service, invalid_ward, invalid_location,
    missing_detail, invalid_photo, ...) and nothing is kept.
    """
    if isinstance(service, str):
        found = Service.objects.select_related("department").filter(slug=service).first()
        if found is None:
            raise RequestRefused("unknown_service", _("There is no such service."))
        service = found
    if not service.active or not service.takes_requests or service.department is None:
        raise RequestRefused(
            "not_requestable", _("This service does not take requests on the web.")
        )
    text = (description or "").strip()
    if len(text) < 5:
        raise RequestRefused("invalid_description", _("Describe the problem in a few words."))
    if len(text) > 2000:
        raise RequestRefused(
            "invalid_description", _("Keep the description under 2,000 characters.")
        )
    try:
        ward = int(str(ward))
        borough = int(str(borough)) if borough not in (None, "") else None
    except (TypeError, ValueError):
        raise RequestRefused("invalid_ward", _("Choose a ward from 1 to 144.")) from None
    if not 1 <= ward <= WARDS:
        raise RequestRefused("invalid_ward", _("Choose a ward from 1 to 144."))
    if borough is not None and not 1 <= borough <= BOROUGHS:
        raise RequestRefused("invalid_borough", _("Choose a borough from 1 to 16."))
    lat, lon = _check_location(latitude, longitude)
    if service.location == Service.Location.REQUIRED and lat is None:
        raise RequestRefused(
            "missing_location", _("Share the location of the problem so the team can find it.")
        )
    photo_list = list(photos)
    if photo_list and not service.accepts_photos:
        raise RequestRefused("photos_not_accepted", _("This service does not take photos."))
    if len(photo_list) > MAX_PHOTOS:
        raise RequestRefused(
            "too_many_photos", _("Attach at most %(n)s photos.") % {"n": MAX_PHOTOS}
        )
    answers = _check_details(service, details)
    lang = language if language in LANGUAGES else None
    with transaction.atomic():
        person = citizen_for(citizen, lang or "en")
        lang = lang or (person.language if person.language in LANGUAGES else "en")
        now = timezone.now()
        sr = ServiceRequest.objects.create(
            number=next_number(service.department_code, now),
            service=service,
            department=service.department,
            office=_office_for(borough),
            citizen=person,
            mobile=person.mobile,
            mobile_index=person.mobile_index,
            language=lang,
            channel=channel,
            description=text,
            details=answers,
            ward=ward,
            borough=borough,
            address=(address or "").strip()[:300],
            latitude=lat,
            longitude=lon,
            due_at=now + timedelta(hours=service.resolution_hours)
            if service.resolution_hours
            else None,
        )
        for data in photo_list:
            _store_photo(sr, data, RequestPhoto.Kind.CITIZEN)
        _event(sr, RequestEvent.Kind.SUBMITTED, actor_label="citizen")
        record(
            "services.request_submitted",
            actor=person,
            obj=sr,
            office=sr.office,
            request=request,
            data={
                "number": sr.number,
                "service": service.slug,
                "ward": ward,
                "channel": channel,
                "photos": len(photo_list),
                "mobile": mask_mobile(person.mobile),
            },
        )
        with translation.override(lang):
            _tell_citizen(sr, "service_request_received", {"service": service.name_in(lang)})
    return sr


def _locked(sr: ServiceRequest, allowed: Iterable[str], refusal: str) -> ServiceRequest:
    """The request's row, locked until commit, if its state is still one of allowed."""
    fresh = ServiceRequest.objects.select_for_update().get(pk=sr.pk)
    if fresh.state not in set(allowed):
        raise RequestRefused("wrong_state", refusal)
    return fresh


def assign_request(
    sr: ServiceRequest,
    employee: Employee,
    *,
    actor: Any,
    visit_on: date | None = None,
    note: str = "",
    request: Any = None,
) -> ServiceRequest:
    """Give the request to an employee of its department, with the day of the field visit."""
    if employee.department_id != sr.department_id or not employee.active:
        raise RequestRefused(
            "wrong_employee", _("Assign the request to an active employee of its department.")
        )
    with transaction.atomic():
        sr = _locked(
            sr,
            (State.SUBMITTED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED),
            _("Only an open request can be assigned."),
        )
        before, previous = sr.state, sr.assigned_to_id
        now = timezone.now()
        sr.state = State.ASSIGNED
        sr.assigned_to = employee
        sr.assigned_at = now
        sr.visit_on = visit_on or timezone.localdate(now)
        sr.save(update_fields=["state", "assigned_to", "assigned_at", "visit_on", "updated_at"])
        _event(
            sr,
            RequestEvent.Kind.ASSIGNED,
            actor_label=_staff_label(actor),
            state_from=before,
            note=(note or "").strip(),
        )
        record(
            "services.request_assigned",
            actor=actor,
            obj=sr,
            office=sr.office,
            request=request,
            data={
                "number": sr.number,
                "employee": employee.code,
                "previous": previous,
                "visit_on": sr.visit_on,
            },
        )
        _tell_citizen(sr, "service_request_update", {"note": (note or "").strip()})
    return sr


def start_work(
    sr: ServiceRequest, *, actor: Any, note: str = "", request: Any = None
) -> ServiceRequest:
    with transaction.atomic():
        sr = _locked(sr, (State.ASSIGNED,), _("Only an assigned request can be started."))
        sr.state = State.IN_PROGRESS
        sr.save(update_fields=["state", "updated_at"])
        _event(
            sr,
            RequestEvent.Kind.STARTED,
            actor_label=_staff_label(actor),
            state_from=State.ASSIGNED,
            note=(note or "").strip(),
        )
        record("services.request_started", actor=actor, obj=sr, office=sr.office, request=request)
        _tell_citizen(sr, "service_request_update", {"note": (note or "").strip()})
    return sr


def add_note(
    sr: ServiceRequest, note: str, *, actor: Any, public: bool, request: Any = None
) -> RequestEvent:
    """A note on the request: public notes reach the citizen, internal ones stay with staff."""
    text = (note or "").strip()
    if not text:
        raise RequestRefused("empty_note", _("Write the note first."))
    if len(text) > 2000:
        raise RequestRefused("invalid_note", _("Keep the note under 2,000 characters."))
    with transaction.atomic():
        sr = ServiceRequest.objects.select_for_update().get(pk=sr.pk)
        event = _event(
            sr, RequestEvent.Kind.NOTE, actor_label=_staff_label(actor), note=text, public=public
        )
        record(
            "services.request_noted",
            actor=actor,
            obj=sr,
            office=sr.office,
            request=request,
            data={"public": public, "event": event.code},
        )
        if public:
            _tell_citizen(sr, "service_request_update", {"note": text})
    return event


def resolve_request(
    sr: ServiceRequest,
    *,
    actor: Any,
    note: str,
    after_photo: bytes | None = None,
    request: Any = None,
) -> ServiceRequest:
    """Mark the work done, with what was done and a photo after it; the citizen is asked to rate."""
    text = (note or "").strip()
    if not text:
        raise RequestRefused("empty_note", _("Say what was done, for the citizen."))
    with transaction.atomic():
        sr = _locked(
            sr,
            (State.ASSIGNED, State.IN_PROGRESS, State.REOPENED),
            _("Only an assigned request can be resolved."),
        )
        if sr.assigned_to_id is None:
            raise RequestRefused("not_assigned", _("Assign the request before resolving it."))
        before = sr.state
        if after_photo:
            _store_photo(sr, after_photo, RequestPhoto.Kind.AFTER)
        sr.state = State.RESOLVED
        sr.resolved_at = timezone.now()
        sr.rating = None
        sr.rated_at = None
        sr.save(update_fields=["state", "resolved_at", "rating", "rated_at", "updated_at"])
        _event(
            sr,
            RequestEvent.Kind.RESOLVED,
            actor_label=_staff_label(actor),
            state_from=before,
            note=text,
        )
        record(
            "services.request_resolved",
            actor=actor,
            obj=sr,
            office=sr.office,
            request=request,
            data={"number": sr.number, "after_photo": bool(after_photo)},
        )
        _tell_citizen(sr, "service_request_resolved", {"note": text})
    return sr


def close_request(
    sr: ServiceRequest, *, actor: Any, note: str = "", request: Any = None
) -> ServiceRequest:
    with transaction.atomic():
        sr = _locked(sr, (State.RESOLVED,), _("Only a resolved request can be closed."))
        sr.state = State.CLOSED
        sr.closed_at = timezone.now()
        sr.save(update_fields=["state", "closed_at", "updated_at"])
        _event(
            sr,
            RequestEvent.Kind.CLOSED,
            actor_label=_staff_label(actor),
            state_from=State.RESOLVED,
            note=(note or "").strip(),
        )
        record("services.request_closed", actor=actor, obj=sr, office=sr.office, request=request)
        _tell_citizen(sr, "service_request_update", {"note": (note or "").strip()})
    return sr


def rate_request(
    sr: ServiceRequest | str,
    rating: int,
    *,
    citizen: Citizen | str,
    comment: str = "",
    request: Any = None,
) -> ServiceRequest:
    """The citizen rates resolved work 1-5: 2 or less reopens it (the team goes back), more
    closes it. Only the citizen who filed it may rate, once per resolution."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise RequestRefused("invalid_rating", _("Give a rating from 1 to 5."))
    with transaction.atomic():
        person = citizen_for(citizen)
        if isinstance(sr, str):
            from civicgate.services.tracking import normalise_number

            found = ServiceRequest.objects.filter(number=normalise_number(sr)).first()
            if found is None:
                raise RequestRefused("not_found", _("There is no request with that number."))
            sr = found
        if sr.mobile_index != person.mobile_index:
            raise RequestRefused("not_yours", _("Only the person who filed a request can rate it."))
        sr = _locked(sr, (State.RESOLVED,), _("Only resolved work can be rated."))
        now = timezone.now()
        sr.rating, sr.rated_at = rating, now
        text = (comment or "").strip()[:500]
        _event(
            sr, RequestEvent.Kind.RATED, actor_label="citizen", note=f"{rating}/5 {text}".strip()
        )
        if rating <= RATING_REOPENS_AT_OR_BELOW:
            sr.state = State.REOPENED
            sr.reopened_count += 1
            sr.escalated_at = None
            sr.escalated_to = None
            hours = sr.service.resolution_hours
            sr.due_at = now + timedelta(hours=hours) if hours else None
            kind = RequestEvent.Kind.REOPENED
        else:
            sr.state = State.CLOSED
            sr.closed_at = now
            kind = RequestEvent.Kind.CLOSED
        sr.save()
        _event(sr, kind, actor_label="citizen", state_from=State.RESOLVED)
        record(
            "services.request_rated",
            actor=person,
            obj=sr,
            office=sr.office,
            request=request,
            data={"number": sr.number, "rating": rating, "state": sr.state},
        )
        if sr.state == State.REOPENED:
            with translation.override(sr.language):
                note = _("Your rating sends the team back to the work.")
            _tell_citizen(sr, "service_request_update", {"note": note})
    return sr


def due_label(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M") if moment else ""
