"""The services API: catalogue, filing, my requests, rating, tracking and lookups."""

import base64
import json
from collections.abc import Callable

from django.test import Client

from civicgate.accounts.models import Citizen, User
from civicgate.org.models import Employee, Office
from civicgate.services import actions
from civicgate.services.models import ServiceRequest
from civicgate.services.tests.conftest import as_citizen, jpeg

BASE = "/api/v1/services"


def _post(client: Client, path: str, body: dict) -> object:
    return client.post(f"{BASE}{path}", json.dumps(body), content_type="application/json")


def test_the_catalogue_lists_services_with_what_they_ask(client: Client, water: object) -> None:
    services = {s["slug"]: s for s in client.get(f"{BASE}/catalogue").json()}
    assert services["ws-no-water"]["resolution_hours"] == 24
    assert services["ws-no-water"]["location"] == "required"
    assert "rd-road-damage" not in services  # no Roads department yet


def test_a_signed_in_citizen_files_a_request_with_a_photo(
    client: Client, hq: Office, water: object, citizen: Citizen
) -> None:
    body = {
        "service": "ws-no-water",
        "description": "No water since morning",
        "ward": 85,
        "latitude": "22.517",
        "longitude": "88.364",
        "photos": [base64.b64encode(jpeg()).decode()],
        "language": "hi",
    }
    refused = _post(client, "/requests", body)
    assert refused.status_code == 401 and refused.json()["error"] == "not_signed_in"
    as_citizen(client, citizen)
    created = _post(client, "/requests", body)
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    sr = ServiceRequest.objects.get(number=number)
    assert sr.channel == "app" and sr.photos.count() == 1 and sr.language == "hi"
    assert [r["number"] for r in client.get(f"{BASE}/requests").json()] == [number]
    assert client.get(f"{BASE}/requests/{number}").json()["timeline"][0]["kind"] == "submitted"
    bad = _post(
        client, "/requests", body | {"service": "ws-tanker", "latitude": None, "longitude": None}
    )
    assert bad.status_code == 400 and bad.json()["error"] == "missing_location"


def test_writes_need_the_csrf_token(hq: Office, water: object, citizen: Citizen) -> None:
    strict = Client(enforce_csrf_checks=True)
    as_citizen(strict, citizen)
    response = _post(
        strict, "/requests", {"service": "ws-leakage", "description": "Leak here", "ward": 5}
    )
    assert response.status_code == 403
    assert not ServiceRequest.objects.exists()


def test_rating_through_the_api_reopens_on_two(
    client: Client,
    file_request: Callable[..., ServiceRequest],
    water_staff: User,
    fitter: Employee,
    citizen: Citizen,
    other_citizen: Citizen,
) -> None:
    sr = actions.assign_request(file_request(), fitter, actor=water_staff)
    sr = actions.resolve_request(sr, actor=water_staff, note="Fixed")
    as_citizen(client, other_citizen)
    assert _post(client, f"/requests/{sr.number}/rating", {"rating": 2}).status_code == 404
    as_citizen(client, citizen)
    assert _post(client, f"/requests/{sr.number}/rating", {"rating": 0}).status_code == 422
    rated = _post(client, f"/requests/{sr.number}/rating", {"rating": 2})
    assert rated.status_code == 200 and rated.json()["state"] == "reopened"
    again = _post(client, f"/requests/{sr.number}/rating", {"rating": 2})
    assert again.status_code == 409


def test_tracking_and_lookups_are_open_but_status_only(
    client: Client, file_request: Callable[..., ServiceRequest]
) -> None:
    sr = file_request()
    tracked = client.get(f"{BASE}/track/{sr.number}").json()
    assert tracked["state"] == "submitted" and "description" not in tracked
    assert client.get(f"{BASE}/track/WS-2611-99999").status_code == 404
    assert client.get(f"{BASE}/property-tax/123").json()["error"] == "not_found"


def test_every_endpoint_is_in_the_openapi_document(client: Client, db: object) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/catalogue",
        "/requests",
        "/requests/{number}",
        "/requests/{number}/rating",
        "/track/{number}",
        "/property-tax/{assessee_no}",
        "/building-plans/{number}",
        "/advertisement-permissions/{number}",
    ):
        assert f"{BASE}{path}" in paths
