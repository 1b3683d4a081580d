"""The citizen's pages: sign-in required, booking steps, taken slots with alternatives, own
appointments only, the .ics with a stable UID and rising SEQUENCE, rate limits."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from icalendar import Calendar

from civicgate.accounts.citizen import SESSION_KEY
from civicgate.accounts.models import Citizen
from civicgate.appointments import actions
from civicgate.appointments.citizen_views import WRITES_PER_HOUR
from civicgate.appointments.forms import slot_param
from civicgate.appointments.models import Appointment
from civicgate.appointments.tests.conftest import MONDAY, at
from civicgate.org.models import Official

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + timedelta(days=1)
BASE = "/citizen/appointments"


def signed_in(citizen: Citizen) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = citizen.code
    session.save()
    return client


def booking(hour: int = 10) -> dict[str, str]:
    return {"name": "Anita Sen", "purpose": "Water connection", "consent": "on"}


def test_the_pages_ask_for_the_mobile_number_first(clock: Any, client: Client) -> None:
    response = client.get(f"{BASE}/book/")
    assert response.status_code == 302
    assert response["Location"].startswith("/citizen/?next=")


def test_a_citizen_chooses_department_official_slot_and_books(
    clock: Any, engineer: Official, citizen: Citizen, water: Any
) -> None:
    client = signed_in(citizen)
    page = client.get(f"{BASE}/book/", {"department": water.code}).content.decode()
    assert engineer.employee.name in page
    page = client.get(f"{BASE}/book/{engineer.code}/").content.decode()
    param = slot_param(at(TUESDAY, 10))
    assert param in page
    response = client.post(f"{BASE}/book/{engineer.code}/{param}/", booking())
    appointment = Appointment.objects.get()
    assert response["Location"] == f"{BASE}/a/{appointment.code}/"
    detail = client.get(response["Location"]).content.decode()
    assert "Open my gate pass" in detail
    assert f"/passes/p/{appointment.gate_pass.code}/" in detail


def test_the_department_list_takes_few_queries(
    clock: Any,
    make_bookable: Callable[..., Official],
    citizen: Citizen,
    water: Any,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(6):
        make_bookable(name=f"Official {n}")
    client = signed_in(citizen)
    with django_assert_max_num_queries(14):
        response = client.get(f"{BASE}/book/", {"department": water.code})
    assert response.content.decode().count('data-testid="official-') == 6


def test_booking_without_consent_keeps_what_was_typed(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    param = slot_param(at(TUESDAY, 10))
    response = signed_in(citizen).post(
        f"{BASE}/book/{engineer.code}/{param}/", {"name": "Anita Sen", "purpose": "Leak"}
    )
    page = response.content.decode()
    assert "Agree to the privacy notice to book." in page
    assert "Leak" in page
    assert not Appointment.objects.exists()


def test_a_taken_slot_shows_the_nearest_free_ones(
    clock: Any, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    param = slot_param(at(TUESDAY, 10))
    signed_in(make_citizen()).post(f"{BASE}/book/{engineer.code}/{param}/", booking())
    response = signed_in(make_citizen()).post(f"{BASE}/book/{engineer.code}/{param}/", booking())
    assert response.status_code == 409
    page = response.content.decode()
    assert "just been taken" in page
    assert slot_param(at(TUESDAY, 10, 30)) in page


def test_a_citizen_cannot_see_or_change_anothers_appointment(
    clock: Any, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    owner = make_citizen()
    appointment = actions.book_appointment(
        official=engineer, start=at(TUESDAY, 10), citizen=owner, name="A", purpose="B"
    )
    other = signed_in(make_citizen())
    assert other.get(f"{BASE}/a/{appointment.code}/").status_code == 404
    assert other.post(f"{BASE}/a/{appointment.code}/cancel/").status_code == 404
    assert other.get(f"{BASE}/a/{appointment.code}/calendar.ics").status_code == 404


def test_the_ics_keeps_its_uid_and_raises_the_sequence_on_each_change(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    client = signed_in(citizen)
    appointment = actions.book_appointment(
        official=engineer, start=at(TUESDAY, 10), citizen=citizen, name="A", purpose="B"
    )

    def event() -> Any:
        body = client.get(f"{BASE}/a/{appointment.code}/calendar.ics").content
        return Calendar.from_ical(body).walk("VEVENT")[0]

    first = event()
    actions.reschedule_appointment(appointment=appointment, start=at(TUESDAY, 11), citizen=citizen)
    moved = event()
    appointment.refresh_from_db()
    actions.cancel_appointment(appointment=appointment, actor=citizen)
    cancelled = event()
    assert first["UID"] == moved["UID"] == cancelled["UID"]
    assert [int(e["SEQUENCE"]) for e in (first, moved, cancelled)] == [0, 1, 2]
    assert moved.decoded("DTSTART") == at(TUESDAY, 11)
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_reschedule_and_cancel_from_the_pages(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    client = signed_in(citizen)
    appointment = actions.book_appointment(
        official=engineer, start=at(TUESDAY, 10), citizen=citizen, name="A", purpose="B"
    )
    page = client.get(f"{BASE}/a/{appointment.code}/reschedule/").content.decode()
    assert slot_param(at(TUESDAY, 11)) in page
    client.post(f"{BASE}/a/{appointment.code}/reschedule/", {"start": slot_param(at(TUESDAY, 11))})
    appointment.refresh_from_db()
    assert appointment.start == at(TUESDAY, 11)
    client.post(f"{BASE}/a/{appointment.code}/cancel/", {"reason": "Sorted out"})
    appointment.refresh_from_db()
    assert appointment.state == Appointment.State.CANCELLED
    assert appointment.close_reason == "Sorted out"


def test_too_many_changes_from_one_address_are_refused(
    clock: Any, engineer: Official, citizen: Citizen
) -> None:
    client = signed_in(citizen)
    param = slot_param(at(TUESDAY, 10))
    for _ in range(WRITES_PER_HOUR):
        client.post(f"{BASE}/book/{engineer.code}/{param}/", {"name": ""})
    response = client.post(f"{BASE}/book/{engineer.code}/{param}/", booking())
    assert response.status_code == 429
    assert not Appointment.objects.exists()


def test_my_appointments_list_takes_few_queries(
    clock: Any,
    make_bookable: Callable[..., Official],
    citizen: Citizen,
    django_assert_max_num_queries: Any,
) -> None:
    official = make_bookable(per_citizen_limit=10)
    for hour in (10, 11, 12):
        actions.book_appointment(
            official=official, start=at(TUESDAY, hour), citizen=citizen, name="A", purpose="B"
        )
    client = signed_in(citizen)
    with django_assert_max_num_queries(6):
        response = client.get(f"{BASE}/")
    assert response.content.decode().count('data-testid="my-appointment-row"') == 3
