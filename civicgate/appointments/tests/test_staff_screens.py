"""Staff screens: the official's day with arrivals from the gate, confirm/decline, seen and
no-show, availability and leave, holidays, reports and the calendar feed; office scoping."""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from civicgate.accounts.models import Citizen, User
from civicgate.appointments import actions
from civicgate.appointments.models import Appointment, Availability, Holiday, Leave
from civicgate.appointments.tests.conftest import MONDAY, at
from civicgate.audit.models import AuditRecord
from civicgate.org.models import Department, Office, Official
from civicgate.passes.scanning import record_scan

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def official_user(engineer: Official, make_user: Callable[..., User]) -> User:
    return make_user("subrata", "official", offices=[engineer.office], employee=engineer.employee)


def book(official: Official, citizen: Citizen, hour: int = 10, day: Any = TUESDAY) -> Appointment:
    return actions.book_appointment(
        official=official, start=at(day, hour), citizen=citizen, name="Anita Sen", purpose="Water"
    )


def test_the_day_view_shows_arrival_after_the_gate_scan(
    clock: Any,
    engineer: Official,
    citizen: Citizen,
    official_user: User,
    staff_client: Callable[[User], Client],
) -> None:
    # Given an appointment on Tuesday at 10:00
    appointment = book(engineer, citizen)
    client = staff_client(official_user)
    url = f"/appointments/day/{engineer.code}/?date={TUESDAY.isoformat()}"
    assert "Not yet" in client.get(url).content.decode()
    # When the citizen's pass is scanned in at 09:50
    clock.move_to(at(TUESDAY, 9, 50))
    result = record_scan(
        scan_id=uuid.uuid4(),
        code=appointment.gate_pass.token,
        direction="in",
        scanned_at=timezone.now(),
        gate=engineer.office.gates.get(code="G1"),
    )
    assert result.decision == "allow"
    # Then the day view shows the arrival time, and the citizen's mobile only masked
    page = staff_client(official_user).get(url).content.decode()
    assert "Arrived 09:50" in page
    assert "******2345" in page and "9830012345" not in page
    assert AuditRecord.objects.filter(action="appointments.day_viewed").exists()


def test_the_day_view_takes_few_queries_however_many_appointments(
    clock: Any,
    make_bookable: Callable[..., Official],
    make_citizen: Callable[..., Citizen],
    make_user: Callable[..., User],
    staff_client: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    official = make_bookable(capacity=5)
    for hour in (10, 11, 12):
        for _ in range(3):
            book(official, make_citizen(), hour)
    user = make_user("subrata", "official", employee=official.employee)
    client = staff_client(user)
    with django_assert_max_num_queries(14):
        response = client.get(f"/appointments/day/{official.code}/?date={TUESDAY.isoformat()}")
    assert response.content.decode().count('data-testid="day-row"') == 9


def test_an_official_confirms_a_request_and_the_citizen_gets_the_pass(
    clock: Any,
    make_bookable: Callable[..., Official],
    citizen: Citizen,
    make_user: Callable[..., User],
    staff_client: Callable[[User], Client],
) -> None:
    official = make_bookable(booking_mode="request")
    appointment = book(official, citizen)
    client = staff_client(make_user("subrata", "official", employee=official.employee))
    page = client.get(f"/appointments/day/{official.code}/").content.decode()
    assert appointment.code in page
    response = client.post(f"/appointments/a/{appointment.code}/confirm/")
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == Appointment.State.CONFIRMED
    assert appointment.gate_pass is not None


def test_seen_and_no_show_are_marked_once_the_slot_has_begun(
    clock: Any,
    engineer: Official,
    make_citizen: Callable[..., Citizen],
    official_user: User,
    staff_client: Callable[[User], Client],
) -> None:
    first, second = book(engineer, make_citizen(), 10), book(engineer, make_citizen(), 11)
    clock.move_to(at(TUESDAY, 11, 5))
    client = staff_client(official_user)
    client.post(f"/appointments/a/{first.code}/seen/")
    client.post(f"/appointments/a/{second.code}/no-show/")
    states = dict(Appointment.objects.values_list("code", "state"))
    assert states == {first.code: "seen", second.code: "no_show"}


def test_another_offices_staff_and_other_officials_are_refused(
    clock: Any,
    engineer: Official,
    citizen: Citizen,
    borough: Office,
    make_bookable: Callable[..., Official],
    make_user: Callable[..., User],
    staff_client: Callable[[User], Client],
) -> None:
    appointment = book(engineer, citizen)
    other_office_clerk = make_user("clerk", "department_staff", offices=[borough])
    colleague = make_bookable(name="Rina Das")
    other_official = make_user("rina", "official", employee=colleague.employee)
    guard = make_user("guard", "guard", offices=[engineer.office])
    for user, status in ((other_office_clerk, 404), (other_official, 404), (guard, 403)):
        client = staff_client(user)
        assert client.get(f"/appointments/day/{engineer.code}/").status_code == status
        assert client.post(f"/appointments/a/{appointment.code}/cancel/").status_code == status
        client.logout()
    appointment.refresh_from_db()
    assert appointment.state == Appointment.State.CONFIRMED


def test_department_staff_manage_the_officials_of_their_department_only(
    clock: Any,
    engineer: Official,
    make_employee: Callable[..., Any],
    make_bookable: Callable[..., Official],
    make_user: Callable[..., User],
    staff_client: Callable[[User], Client],
) -> None:
    # Given a clerk of the engineer's department and office, and an official of another
    other_department = Department.objects.create(code="BLD", name="Building")
    planner = make_bookable(name="Amit Pal")
    planner.employee.department = other_department
    planner.employee.save(update_fields=["department"])
    clerk = make_user(
        "clerk",
        "department_staff",
        offices=[engineer.office],
        employee=make_employee(department=engineer.employee.department),
    )
    client = staff_client(clerk)
    # Then the clerk manages the engineer's appointments and hours, not the planner's
    page = client.get("/appointments/").content.decode()
    assert engineer.employee.name in page
    assert planner.employee.name not in page
    assert client.get(f"/appointments/settings/{engineer.code}/").status_code == 200
    assert client.get(f"/appointments/settings/{planner.code}/").status_code == 404
    assert client.get(f"/appointments/day/{planner.code}/").status_code == 404


def test_the_official_saves_rules_and_weekly_hours(
    clock: Any, engineer: Official, official_user: User, staff_client: Callable[[User], Client]
) -> None:
    client = staff_client(official_user)
    data = {
        "accepting": "on",
        "booking_mode": "request",
        "slot_minutes": "20",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "10",
        "capacity": "2",
        "min_notice_minutes": "120",
        "horizon_days": "21",
        "max_per_day": "8",
        "per_citizen_limit": "1",
        "reschedule_limit": "1",
        "cancel_notice_minutes": "120",
        "pass_margin_before_minutes": "15",
        "pass_margin_after_minutes": "30",
        "day0": "10:00-12:00, 15:00-16:00",
        "day2": "11:00-13:00",
    }
    response = client.post(f"/appointments/settings/{engineer.code}/", data)
    assert response.status_code == 302
    availability = Availability.objects.get(official=engineer)
    assert availability.slot_minutes == 20 and availability.booking_mode == "request"
    assert sorted(str(h) for h in availability.hours.all()) == [
        "Monday 10:00-12:00",
        "Monday 15:00-16:00",
        "Wednesday 11:00-13:00",
    ]
    # Bad hours are refused with the reason and nothing changes
    data["day1"] = "13:00-10:00"
    response = client.post(f"/appointments/settings/{engineer.code}/", data)
    assert response.status_code == 400
    assert "must end after it starts" in response.content.decode()
    assert availability.hours.count() == 3


def test_leave_with_a_delegate_is_recorded_from_the_settings_screen(
    clock: Any,
    engineer: Official,
    make_bookable: Callable[..., Official],
    official_user: User,
    staff_client: Callable[[User], Client],
) -> None:
    delegate = make_bookable(name="Rina Das")
    client = staff_client(official_user)
    client.post(
        f"/appointments/settings/{engineer.code}/leave/",
        {
            "first_day": TUESDAY.isoformat(),
            "last_day": (TUESDAY + timedelta(days=2)).isoformat(),
            "reason": "Training",
            "delegate": delegate.code,
        },
    )
    leave = Leave.objects.get(official=engineer)
    assert leave.delegate == delegate
    assert (
        "bookings go to Rina Das"
        in client.get(f"/appointments/settings/{engineer.code}/").content.decode()
    )


def test_only_administrators_add_holidays(
    clock: Any,
    hq: Office,
    make_user: Callable[..., User],
    staff_client: Callable[[User], Client],
    official_user: User,
) -> None:
    day = (MONDAY + timedelta(days=10)).isoformat()
    assert (
        staff_client(official_user)
        .post("/appointments/holidays/", {"date": day, "name": "X"})
        .status_code
        == 403
    )
    admin = make_user("admin", "system_admin", all_offices=True)
    client = staff_client(admin)
    response = client.post("/appointments/holidays/", {"date": day, "name": "KMC Foundation Day"})
    assert response.status_code == 302
    assert Holiday.objects.filter(date=day, office=None, name="KMC Foundation Day").exists()
    assert "KMC Foundation Day" in client.get("/appointments/holidays/").content.decode()


def test_the_report_counts_no_shows_and_waiting_time(
    clock: Any,
    engineer: Official,
    make_citizen: Callable[..., Citizen],
    official_user: User,
    staff_client: Callable[[User], Client],
) -> None:
    first, second = book(engineer, make_citizen(), 10), book(engineer, make_citizen(), 11)
    clock.move_to(at(TUESDAY, 12))
    actions.mark_visit(first, user=official_user, seen=True)
    actions.mark_visit(second, user=official_user, seen=False)
    response = staff_client(official_user).get(
        "/appointments/reports/", {"from": MONDAY.isoformat(), "to": TUESDAY.isoformat()}
    )
    page = response.content.decode()
    assert "50.0%" in page
    # Booked Monday 09:00 for Tuesday 10:00 and 11:00: 25.5 hours on average
    assert "25.5" in page


def test_the_calendar_feed_lists_the_officials_appointments_by_secret_address(
    clock: Any, engineer: Official, citizen: Citizen, client: Client
) -> None:
    appointment = book(engineer, citizen)
    token = Availability.objects.get(official=engineer).feed_token
    response = client.get(f"/appointments/feed/{token}.ics")
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [
        f"{appointment.code}@appointments.civicgate.kmc.gov.in"
    ]
    assert client.get("/appointments/feed/not-the-secret-token-at-all.ics").status_code == 404
