"""The appointments API: public free slots; hold, book, list, reschedule and cancel for a
signed-in citizen; errors as {"error", "message"} with the nearest free slots when taken."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from civicgate.accounts.citizen import SESSION_KEY
from civicgate.accounts.models import Citizen
from civicgate.appointments.models import Appointment
from civicgate.appointments.tests.conftest import MONDAY, at
from civicgate.org.models import Official
from civicgate.passes.models import GatePass

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + timedelta(days=1)
BASE = "/api/v1/appointments"


def signed_in(citizen: Citizen) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = citizen.code
    session.save()
    return client


def body(official: Official, hour: int = 10, **extra: Any) -> dict[str, Any]:
    return {
        "official": official.code,
        "start": at(TUESDAY, hour).isoformat(),
        "name": "Anita Sen",
        "purpose": "Water connection",
        **extra,
    }


def test_free_slots_of_an_official_are_public(
    clock: Any, client: Client, engineer: Official
) -> None:
    response = client.get(f"{BASE}/slots", {"official": engineer.code, "days": 2})
    assert response.status_code == 200
    slots = response.json()["slots"]
    assert slots[0]["official"] == engineer.code
    assert {s["start"][:16] for s in slots} >= {"2027-03-08T05:30", "2027-03-09T04:30"}


def test_free_slots_of_a_department_cover_its_officials(
    clock: Any, client: Client, make_bookable: Callable[..., Official], water: Any
) -> None:
    one, two = make_bookable(), make_bookable(name="Rina Das")
    response = client.get(f"{BASE}/slots", {"department": water.code, "days": 2})
    assert {s["official"] for s in response.json()["slots"]} == {one.code, two.code}


def test_slots_need_an_official_or_a_department(clock: Any, client: Client) -> None:
    response = client.get(f"{BASE}/slots")
    assert response.status_code == 422
    assert response.json()["error"] == "invalid"


def test_booking_needs_a_signed_in_citizen(clock: Any, client: Client, engineer: Official) -> None:
    response = client.post(f"{BASE}/bookings", body(engineer), content_type="application/json")
    assert response.status_code == 401
    assert not Appointment.objects.exists()


def test_a_citizen_books_through_the_api_and_sees_the_pass(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    client = signed_in(citizen)
    response = client.post(f"{BASE}/bookings", body(engineer), content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "confirmed"
    assert GatePass.objects.get(code=data["gate_pass"]).state == GatePass.State.ISSUED
    mine = client.get(f"{BASE}/mine").json()
    assert [a["code"] for a in mine] == [data["code"]]


def test_a_taken_slot_answers_409_with_the_nearest_free_slots(
    clock: Any, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    signed_in(make_citizen()).post(
        f"{BASE}/bookings", body(engineer), content_type="application/json"
    )
    response = signed_in(make_citizen()).post(
        f"{BASE}/bookings", body(engineer), content_type="application/json"
    )
    assert response.status_code == 409
    data = response.json()
    assert data["error"] == "slot_taken"
    assert data["message"]
    assert data["alternatives"][0]["official"] == engineer.code


def test_hold_then_book_keeps_the_same_appointment(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    client = signed_in(citizen)
    held = client.post(
        f"{BASE}/holds",
        {"official": engineer.code, "start": at(TUESDAY, 10).isoformat()},
        content_type="application/json",
    )
    assert held.status_code == 201
    assert held.json()["state"] == "held"
    booked = client.post(
        f"{BASE}/bookings",
        body(engineer, hold=held.json()["code"]),
        content_type="application/json",
    )
    assert booked.json()["code"] == held.json()["code"]
    assert booked.json()["state"] == "confirmed"


def test_reschedule_and_cancel_through_the_api(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    client = signed_in(citizen)
    code = client.post(f"{BASE}/bookings", body(engineer), content_type="application/json").json()[
        "code"
    ]
    moved = client.post(
        f"{BASE}/{code}/reschedule",
        {"start": at(TUESDAY, 11).isoformat()},
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert moved.json()["sequence"] == 1
    cancelled = client.post(f"{BASE}/{code}/cancel", {}, content_type="application/json")
    assert cancelled.json()["state"] == "cancelled"


def test_another_citizens_appointment_is_not_found(
    clock: Any, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    owner = signed_in(make_citizen())
    code = owner.post(f"{BASE}/bookings", body(engineer), content_type="application/json").json()[
        "code"
    ]
    response = signed_in(make_citizen()).post(
        f"{BASE}/{code}/cancel", {}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_the_endpoints_are_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/slots", "/holds", "/bookings", "/mine", "/{code}/cancel", "/{code}/reschedule"):
        assert f"{BASE}{path}" in paths
