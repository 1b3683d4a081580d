"""The services endpoints of the JSON API: the catalogue, requests, tracking and lookups.

Citizens are the signed-in citizen of the web session (the same mobile + one-time code sign-in
as the citizen pages); writes need the CSRF token like any form. Tracking and lookups are open
to anyone (status only, rate-limited); the owner's details come only to the owner's session.
"""

import base64
import binascii
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status
from ninja.security import APIKeyCookie

from civicgate.accounts.citizen import current_citizen, over_rate_limit
from civicgate.accounts.models import Citizen
from civicgate.api import ApiError
from civicgate.audit.chain import client_address
from civicgate.services import actions, lookups, selectors
from civicgate.services.models import Service, ServiceRequest
from civicgate.services.schemas import (
    DuesOut,
    Error,
    RatingIn,
    RequestIn,
    RequestOut,
    ServiceOut,
    StatusOut,
    TrackOut,
)

router = Router(tags=["services"])
LOOKUPS_PER_HOUR = 60


class CitizenSession(APIKeyCookie):
    """The citizen signed in on the web (session cookie); CSRF is checked on writes."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Citizen:
        citizen = current_citizen(request)
        if citizen is None:
            raise ApiError(401, "not_signed_in", _("Sign in with your mobile number first."))
        return citizen


citizen_auth = CitizenSession()


def _limit(request: HttpRequest, scope: str) -> None:
    if over_rate_limit(scope, client_address(request), LOOKUPS_PER_HOUR, 3600):
        raise ApiError(429, "rate_limited", _("Too many lookups. Please wait a while."))


def _service_out(service: Service) -> dict[str, Any]:
    return {
        "slug": service.slug,
        "department": service.department_code,
        "kind": service.kind,
        "name": service.name,
        "details": service.detail_fields(),
        "location": service.location,
        "accepts_photos": service.accepts_photos,
        "resolution_hours": service.resolution_hours,
    }


def _request_out(sr: ServiceRequest) -> dict[str, Any]:
    return {
        "number": sr.number,
        "service": sr.service.name,
        "state": sr.state,
        "state_label": str(sr.get_state_display()),
        "description": sr.description,
        "ward": sr.ward,
        "submitted_at": sr.created_at,
        "due_at": sr.due_at,
        "rating": sr.rating,
        "timeline": [
            {"at": e.at, "kind": e.kind, "state": e.state_to, "note": e.note}
            for e in selectors.timeline(sr, public_only=True)
        ],
    }


@router.get("/catalogue", response=list[ServiceOut], summary="The services on offer")
def catalogue(request: HttpRequest) -> list[dict[str, Any]]:
    services = Service.objects.filter(active=True, department__isnull=False)
    return [_service_out(s) for s in services]


@router.post(
    "/requests",
    auth=citizen_auth,
    response={201: RequestOut, 400: Error, 401: Error, 403: Error, 429: Error},
    summary="File a complaint or application",
)
def submit(request: HttpRequest, payload: RequestIn) -> Status:
    citizen: Citizen = request.auth  # type: ignore[attr-defined]
    if over_rate_limit("services-submit", citizen.code, 10, 24 * 3600):
        raise ApiError(429, "rate_limited", _("You have filed many requests today."))
    photos = []
    for encoded in payload.photos:
        try:
            photos.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            raise ApiError(400, "invalid_photo", _("A photo is not valid base64.")) from None
    try:
        sr = actions.submit_request(
            citizen=citizen,
            service=payload.service,
            description=payload.description,
            ward=payload.ward,
            borough=payload.borough,
            address=payload.address,
            latitude=payload.latitude,
            longitude=payload.longitude,
            details=payload.details,
            photos=photos,
            channel=ServiceRequest.Channel.APP,
            language=payload.language,
            request=request,
        )
    except actions.RequestRefused as exc:
        raise ApiError(400, exc.code, exc.message) from None
    return Status(201, _request_out(sr))


@router.get(
    "/requests",
    auth=citizen_auth,
    response={200: list[RequestOut], 401: Error},
    summary="My requests",
)
def mine(request: HttpRequest) -> list[dict[str, Any]]:
    citizen: Citizen = request.auth  # type: ignore[attr-defined]
    return [_request_out(sr) for sr in selectors.requests_of(citizen)[:100]]


@router.get(
    "/requests/{number}",
    auth=citizen_auth,
    response={200: RequestOut, 401: Error, 404: Error},
    summary="One of my requests, with its timeline",
)
def my_request(request: HttpRequest, number: str) -> dict[str, Any]:
    citizen: Citizen = request.auth  # type: ignore[attr-defined]
    sr = selectors.requests_of(citizen).filter(number=actions_number(number)).first()
    if sr is None:
        raise ApiError(404, "not_found", _("You have no request with that number."))
    return _request_out(sr)


def actions_number(number: str) -> str:
    from civicgate.services.tracking import normalise_number

    return normalise_number(number)


@router.post(
    "/requests/{number}/rating",
    auth=citizen_auth,
    response={200: RequestOut, 400: Error, 401: Error, 403: Error, 404: Error, 409: Error},
    summary="Rate resolved work 1-5 (2 or less reopens it)",
)
def rate(request: HttpRequest, number: str, payload: RatingIn) -> dict[str, Any]:
    citizen: Citizen = request.auth  # type: ignore[attr-defined]
    try:
        sr = actions.rate_request(
            number, payload.rating, citizen=citizen, comment=payload.comment, request=request
        )
    except actions.RequestRefused as exc:
        status = {"not_found": 404, "not_yours": 404, "wrong_state": 409}.get(exc.code, 400)
        raise ApiError(status, exc.code, exc.message) from None
    return _request_out(sr)


@router.get(
    "/track/{number}",
    response={200: TrackOut, 404: Error, 429: Error},
    summary="The status of any request by its tracking number",
)
def track(request: HttpRequest, number: str) -> Any:
    _limit(request, "services-track")
    found = selectors.track(number)
    if found is None:
        raise ApiError(404, "not_found", _("There is no request with that number."))
    return found


@router.get(
    "/property-tax/{assessee_no}",
    response={200: DuesOut, 404: Error, 429: Error},
    summary="Property-tax dues, due date and payment link by assessee number",
)
def dues(request: HttpRequest, assessee_no: str) -> Any:
    _limit(request, "services-dues")
    found = lookups.property_tax_dues(assessee_no, current_citizen(request), request=request)
    if found is None:
        raise ApiError(404, "not_found", _("No assessment has that number."))
    return found


@router.get(
    "/building-plans/{number}",
    response={200: StatusOut, 404: Error, 429: Error},
    summary="Status of a building plan application",
)
def plan(request: HttpRequest, number: str) -> Any:
    _limit(request, "services-plan")
    found = lookups.plan_status(number, current_citizen(request), request=request)
    if found is None:
        raise ApiError(404, "not_found", _("No application has that number."))
    return found


@router.get(
    "/advertisement-permissions/{number}",
    response={200: StatusOut, 404: Error, 429: Error},
    summary="Status of a hoarding or signboard permission",
)
def permission(request: HttpRequest, number: str) -> Any:
    _limit(request, "services-permission")
    found = lookups.permission_status(number, current_citizen(request), request=request)
    if found is None:
        raise ApiError(404, "not_found", _("No permission has that number."))
    return found
