"""Citizen pages: file a request with a photo and the location, follow it, rate it; track any
request by number; property-tax dues, plan and permission status."""

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgate.accounts.citizen import citizen_required, current_citizen, over_rate_limit
from civicgate.audit.chain import client_address
from civicgate.core.phone import mask_mobile
from civicgate.services import actions, lookups, selectors
from civicgate.services.forms import LookupForm, RatingForm, RequestForm, TrackForm
from civicgate.services.models import Service, ServiceRequest
from civicgate.services.views import photo_response

# Per citizen and per address: enough for a bad day in a ward, too few for a flood.
REQUESTS_PER_DAY = 10
LOOKUPS_PER_HOUR = 60


def _citizen(request: HttpRequest) -> Any:
    citizen = current_citizen(request)
    assert citizen is not None  # citizen_required
    return citizen


def _language() -> str:
    return (get_language() or "en")[:2]


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    services = list(Service.objects.filter(active=True, department__isnull=False))
    groups = [
        (code, list(items)) for code, items in groupby(services, key=lambda s: s.department_code)
    ]
    return render(
        request,
        "services/citizen/index.html",
        {"groups": groups, "citizen": current_citizen(request), "Kind": Service.Kind},
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest, slug: str) -> HttpResponse:
    service = Service.objects.select_related("department").filter(slug=slug, active=True).first()
    if service is None or not service.takes_requests or service.department is None:
        raise Http404
    citizen = _citizen(request)
    form = RequestForm(request.POST or None, request.FILES or None, service=service)
    if request.method == "POST" and form.is_valid():
        if over_rate_limit(
            "services-submit", citizen.code, REQUESTS_PER_DAY, 24 * 3600
        ) or over_rate_limit("services-submit-ip", client_address(request), 30, 3600):
            form.add_error(
                None, _("You have filed many requests today. Please try again tomorrow.")
            )
        else:
            upload = form.cleaned_data.get("photo")
            try:
                sr = actions.submit_request(
                    citizen=citizen,
                    service=service,
                    description=form.cleaned_data["description"],
                    ward=form.cleaned_data["ward"],
                    borough=form.cleaned_data["borough"],
                    address=form.cleaned_data["address"],
                    latitude=form.cleaned_data["latitude"],
                    longitude=form.cleaned_data["longitude"],
                    details=form.details(),
                    photos=[upload.read()] if upload else [],
                    channel=ServiceRequest.Channel.WEB,
                    language=_language(),
                    request=request,
                )
            except actions.RequestRefused as exc:
                field = {
                    "invalid_photo": "photo",
                    "invalid_ward": "ward",
                    "invalid_description": "description",
                }.get(exc.code)
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    _("Your request is filed. Its tracking number is %(number)s.")
                    % {"number": sr.number},
                )
                return redirect("citizen_services:request", number=sr.number)
    return render(
        request,
        "services/citizen/new.html",
        {"form": form, "service": service, "needs_location": service.location},
        status=400 if request.method == "POST" else 200,
    )


@citizen_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    citizen = _citizen(request)
    rows = list(selectors.requests_of(citizen)[:100])
    return render(
        request,
        "services/citizen/mine.html",
        {"rows": rows, "masked_mobile": mask_mobile(citizen.mobile)},
    )


@citizen_required
@require_GET
def request_page(request: HttpRequest, number: str) -> HttpResponse:
    sr = selectors.citizen_request(_citizen(request), number)
    return render(
        request,
        "services/citizen/request.html",
        {
            "sr": sr,
            "events": selectors.timeline(sr, public_only=True),
            "photos": list(sr.photos.only("code", "kind", "created_at")),
            "rating_form": RatingForm(),
            "State": ServiceRequest.State,
        },
    )


@citizen_required
@require_POST
def rate(request: HttpRequest, number: str) -> HttpResponse:
    citizen = _citizen(request)
    sr = selectors.citizen_request(citizen, number)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a rating from 1 to 5."))
        return redirect("citizen_services:request", number=sr.number)
    try:
        sr = actions.rate_request(
            sr,
            form.cleaned_data["rating"],
            citizen=citizen,
            comment=form.cleaned_data["comment"],
            request=request,
        )
    except actions.RequestRefused as exc:
        messages.error(request, exc.message)
    else:
        if sr.state == ServiceRequest.State.REOPENED:
            messages.success(
                request, _("Thank you. The request is reopened and the team will go back.")
            )
        else:
            messages.success(request, _("Thank you for your rating."))
    return redirect("citizen_services:request", number=sr.number)


@citizen_required
@require_GET
def photo(request: HttpRequest, number: str, code: str) -> HttpResponse:
    sr = selectors.citizen_request(_citizen(request), number)
    found = sr.photos.filter(code=code).first()
    if found is None:
        raise Http404
    return photo_response(found)


def _limited(request: HttpRequest, scope: str) -> bool:
    return over_rate_limit(scope, client_address(request), LOOKUPS_PER_HOUR, 3600)


@require_GET
def track(request: HttpRequest) -> HttpResponse:
    """Anyone may follow a request by its number: the status only."""
    form = TrackForm(request.GET or None)
    found = None
    if form.is_valid():
        if _limited(request, "services-track"):
            form.add_error(None, _("Too many lookups. Please wait a while and try again."))
        else:
            found = selectors.track(form.cleaned_data["number"])
            if found is None:
                form.add_error("number", _("There is no request with that number."))
    return render(request, "services/citizen/track.html", {"form": form, "found": found})


def _lookup_page(
    request: HttpRequest, template: str, finder: Any, scope: str, title: str
) -> HttpResponse:
    form = LookupForm(request.GET or None)
    found = None
    if form.is_valid():
        if _limited(request, scope):
            form.add_error(None, _("Too many lookups. Please wait a while and try again."))
        else:
            found = finder(form.cleaned_data["number"], current_citizen(request), request=request)
            if found is None:
                form.add_error("number", _("No record has that number."))
    return render(
        request,
        template,
        {"form": form, "found": found, "citizen": current_citizen(request), "title": title},
    )


@require_GET
def dues(request: HttpRequest) -> HttpResponse:
    return _lookup_page(
        request,
        "services/citizen/dues.html",
        lookups.property_tax_dues,
        "services-dues",
        _("Property tax dues"),
    )


@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    return _lookup_page(
        request,
        "services/citizen/status.html",
        lookups.plan_status,
        "services-plan",
        _("Building plan status"),
    )


@require_GET
def permission(request: HttpRequest) -> HttpResponse:
    return _lookup_page(
        request,
        "services/citizen/status.html",
        lookups.permission_status,
        "services-permission",
        _("Hoarding and signboard permission status"),
    )
