"""In a real browser: a citizen books on a phone, gets the pass, reschedules (old pass revoked,
new pass valid) and cancels; an official confirms a request and sees the arrival after the
gate scan."""

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.accounts.tests.conftest import last_code
from civicgate.appointments.models import Appointment
from civicgate.appointments.selectors.slots import UTC
from civicgate.appointments.tests.conftest import MONDAY, NOW, at
from civicgate.conftest import sign_in
from civicgate.org.models import Official
from civicgate.passes.models import GatePass
from civicgate.passes.scanning import record_scan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
TUESDAY = MONDAY.replace(day=MONDAY.day + 1)


@pytest.fixture
def ticking() -> Iterator[Any]:
    # The server runs in this process: its clock starts on Monday 09:00 and moves on.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


def phone_page(browser: Any) -> Any:
    context = browser.new_context(locale="en-IN", timezone_id="Asia/Kolkata", viewport=PHONE)
    context.set_default_timeout(10_000)
    return context.new_page()


def sign_in_citizen(page: Any, mobile: str) -> None:
    page.fill("#id_mobile", mobile)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/citizen/verify/$"))
    page.fill("#id_code", last_code())
    page.click("[data-testid=code-form] button[type=submit]")


def slot_button(page: Any, hour: int, minute: int = 0) -> Any:
    """Tuesday's slot at hour:minute, after tapping Tuesday open: the slots page opens on the
    first day with a free time (Monday here) and lists the other days folded."""
    days = page.locator("[data-testid=slots-day]")
    assert days.first.get_attribute("data-day") == MONDAY.isoformat()
    assert days.first.get_attribute("open") is not None
    tuesday = page.locator(f"[data-testid=slots-day][data-day='{TUESDAY.isoformat()}']")
    assert tuesday.get_attribute("open") is None
    assert "free times" in tuesday.locator("summary").inner_text()
    tuesday.locator("summary").click()
    start = at(TUESDAY, hour, minute).astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    return page.locator(f"[data-testid=slot][data-start='{start}']")


def test_a_citizen_books_gets_the_pass_reschedules_and_cancels_on_a_phone(
    ticking: Any, live_server: Any, browser: Any, engineer: Official, water: Any
) -> None:
    base = live_server.url
    page = phone_page(browser)
    try:
        # Given a citizen who opens the booking page and signs in with a one-time code
        page.goto(f"{base}/citizen/appointments/book/")
        sign_in_citizen(page, "98300 12345")
        page.wait_for_url(f"{base}/citizen/appointments/book/")

        # When the department, the official and Tuesday 10:00 are chosen, and the form sent
        page.select_option("[data-testid=department]", water.code)
        page.click(f"[data-testid=official-{engineer.code}]")
        slot_button(page, 10).click()
        page.fill("#id_name", "Anita Sen")
        page.fill("#id_purpose", "New water connection")
        page.check("#id_consent")
        page.click("[data-testid=book-submit]")

        # Then the appointment is confirmed and its gate pass opens with a QR code
        page.wait_for_selector("[data-testid=appointment-state]")
        assert page.inner_text("[data-testid=appointment-state]") == "Confirmed"
        first = Appointment.objects.get()
        first_pass = first.gate_pass
        page.click("[data-testid=open-pass]")
        page.wait_for_selector("[data-testid=pass-qr] svg")
        assert page.inner_text("[data-testid=pass-code]") == first_pass.code
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # When the citizen reschedules to 11:30
        page.goto(f"{base}/citizen/appointments/a/{first.code}/")
        page.click("[data-testid=reschedule]")
        slot_button(page, 11, 30).click()
        page.wait_for_selector("[data-testid=appointment-when]")
        assert "11:30" in page.inner_text("[data-testid=appointment-when]")

        # Then the old pass is revoked and the new pass is valid
        first.refresh_from_db()
        first_pass.refresh_from_db()
        assert first_pass.state == GatePass.State.REVOKED
        assert first.gate_pass.state == GatePass.State.ISSUED
        assert first.gate_pass.valid_from == at(TUESDAY, 11)
        page.click("[data-testid=open-pass]")
        assert page.inner_text("[data-testid=pass-code]") == first.gate_pass.code
        assert page.is_visible("[data-testid=pass-qr] svg")

        # When the citizen cancels
        page.goto(f"{base}/citizen/appointments/a/{first.code}/")
        page.click("[data-testid=cancel]")
        page.click("[data-testid=cancel-submit]")
        page.wait_for_selector("[data-testid=appointment-state]")

        # Then the appointment is cancelled and its pass no longer works
        assert page.inner_text("[data-testid=appointment-state]") == "Cancelled"
        first.gate_pass.refresh_from_db()
        assert first.gate_pass.state == GatePass.State.REVOKED
        assert not page.is_visible("[data-testid=open-pass]")
    finally:
        page.context.close()


def test_an_official_confirms_a_request_and_sees_the_arrival_after_the_gate_scan(
    ticking: Any,
    live_server: Any,
    browser: Any,
    page: Any,
    make_bookable: Callable[..., Official],
    make_user: Callable[..., User],
    water: Any,
) -> None:
    base = live_server.url
    official = make_bookable(booking_mode="request")
    make_user("subrata", "official", offices=[official.office], employee=official.employee)
    citizen_page = phone_page(browser)
    try:
        # Given a citizen who asks for Monday 10:30 with an official who confirms requests
        citizen_page.goto(f"{base}/citizen/appointments/book/{official.code}/")
        sign_in_citizen(citizen_page, "98300 12345")
        citizen_page.wait_for_url(f"{base}/citizen/appointments/book/{official.code}/")
        start = at(MONDAY, 10, 30).astimezone(UTC).strftime("%Y%m%dT%H%MZ")
        citizen_page.click(f"[data-testid=slot][data-start='{start}']")
        citizen_page.fill("#id_name", "Anita Sen")
        citizen_page.fill("#id_purpose", "Property tax objection")
        citizen_page.check("#id_consent")
        citizen_page.click("[data-testid=book-submit]")
        citizen_page.wait_for_selector("[data-testid=appointment-state]")
        assert "Waiting for the official" in citizen_page.inner_text(
            "[data-testid=appointment-state]"
        )
        appointment = Appointment.objects.get()
        assert appointment.gate_pass is None

        # When the official signs in, opens Appointments and confirms the request
        sign_in(page, base, "subrata")
        page.wait_for_url(f"{base}/accounts/home/")
        page.click("nav >> text=Appointments")
        page.wait_for_selector("[data-testid=requests]")
        page.click(
            f"[data-testid=request-row][data-code='{appointment.code}'] [data-testid=confirm]"
        )
        page.wait_for_selector("[data-testid=day-row]")
        appointment.refresh_from_db()
        assert appointment.state == Appointment.State.CONFIRMED
        assert appointment.gate_pass.state == GatePass.State.ISSUED
        row = f"[data-testid=day-row][data-code='{appointment.code}'] [data-testid=arrival]"
        assert page.inner_text(row) == "Not yet"

        # And at 10:20 the citizen's pass is scanned in at the gate
        ticking.move_to(at(MONDAY, 10, 20))
        result = record_scan(
            scan_id=uuid.uuid4(),
            code=appointment.gate_pass.token,
            direction="in",
            scanned_at=timezone.now(),
            gate=official.office.gates.get(code="G1"),
        )
        assert result.decision == "allow"

        # Then the official's day shows the arrival
        page.reload()
        arrived = timezone.localtime(result.scan.scanned_at).strftime("%H:%M")
        assert page.inner_text(row) == f"Arrived {arrived}"
        # And the citizen's page now offers the pass
        citizen_page.reload()
        assert citizen_page.inner_text("[data-testid=appointment-state]") == "Confirmed"
        assert citizen_page.is_visible("[data-testid=open-pass]")
    finally:
        citizen_page.context.close()


def test_an_official_sets_hours_and_leave_with_a_delegate_in_the_browser(
    ticking: Any,
    live_server: Any,
    page: Any,
    make_bookable: Callable[..., Official],
    make_user: Callable[..., User],
) -> None:
    base = live_server.url
    official = make_bookable()
    make_bookable(name="Rina Das")
    make_user("subrata", "official", offices=[official.office], employee=official.employee)
    # Given the official on their appointments screen
    sign_in(page, base, "subrata")
    page.wait_for_url(f"{base}/accounts/home/")
    page.goto(f"{base}/appointments/")
    page.click("text=Availability and leave")
    # When they change Monday's hours and the slot length, and save
    page.fill("#id_slot_minutes", "20")
    page.fill("#id_day0", "11:00-12:00")
    page.click("[data-testid=save-availability]")
    page.wait_for_selector(".messages")
    assert "Saved" in page.inner_text(".messages")
    # And record leave on Tuesday with Rina Das as delegate
    page.fill("#id_first_day", TUESDAY.isoformat())
    page.fill("#id_last_day", TUESDAY.isoformat())
    page.select_option("#id_delegate", label="Rina Das, Executive Engineer")
    page.click("[data-testid=leave-form] button[type=submit]")
    page.wait_for_selector("[data-testid=leaves]")
    # Then the screen shows the delegate, and new Tuesday bookings go to Rina Das
    assert "bookings go to Rina Das" in page.inner_text("[data-testid=leaves]")
    from civicgate.appointments.actions import free_slots

    tuesday = [s for s in free_slots(official, days=3) if s.start.date() == TUESDAY]
    assert tuesday and {s.official.employee.name for s in tuesday} == {"Rina Das"}
    monday = free_slots(official, days=1)
    assert [s.start for s in monday] == [at(MONDAY, 11), at(MONDAY, 11, 20), at(MONDAY, 11, 40)]


def test_an_administrator_adds_a_holiday_and_reads_the_report(
    ticking: Any,
    live_server: Any,
    page: Any,
    engineer: Official,
    make_user: Callable[..., User],
) -> None:
    from civicgate.accounts.models import Citizen
    from civicgate.appointments import actions
    from civicgate.conftest import sign_in_as_admin
    from civicgate.core.crypto import blind_index

    base = live_server.url
    mobile = "+919830012345"
    citizen = Citizen.objects.create(mobile=mobile, mobile_index=blind_index(mobile, "mobile"))
    actions.book_appointment(
        official=engineer, start=at(TUESDAY, 10), citizen=citizen, name="A", purpose="B"
    )
    make_user("admin", "system_admin", all_offices=True)
    # Given an administrator signed in with the second factor
    sign_in_as_admin(page, base, "admin")
    # When they add Wednesday as a holiday for every office
    page.goto(f"{base}/appointments/holidays/")
    wednesday = TUESDAY.replace(day=TUESDAY.day + 1)
    page.fill("#id_date", wednesday.isoformat())
    page.fill("#id_name", "KMC Foundation Day")
    page.click("[data-testid=holiday-form] button[type=submit]")
    page.wait_for_selector(".messages")
    # Then it is listed and no slot is offered that day
    assert "KMC Foundation Day" in page.inner_text("[data-testid=holidays]")
    from civicgate.appointments.actions import free_slots

    assert not [s for s in free_slots(engineer, days=4) if s.start.date() == wednesday]
    # And the report shows the official's booking
    page.goto(f"{base}/appointments/reports/?from={MONDAY.isoformat()}&to={TUESDAY.isoformat()}")
    row = page.inner_text("[data-testid=report-row]")
    assert engineer.employee.name in row


def test_a_citizen_rates_the_meeting_after_being_seen(
    ticking: Any, live_server: Any, browser: Any, engineer: Official, make_user: Any
) -> None:
    from civicgate.accounts.models import Citizen
    from civicgate.appointments import actions

    base = live_server.url
    page = phone_page(browser)
    try:
        page.goto(f"{base}/citizen/appointments/")
        sign_in_citizen(page, "98300 12345")
        page.wait_for_url(f"{base}/citizen/appointments/")
        appointment = actions.book_appointment(
            official=engineer,
            start=at(MONDAY, 10, 30),
            citizen=Citizen.objects.get(),
            name="Anita Sen",
            purpose="Leak",
        )
        ticking.move_to(at(MONDAY, 10, 45))
        user = make_user("subrata", "official", employee=engineer.employee)
        actions.mark_visit(appointment, user=user, seen=True)
        page.goto(f"{base}/citizen/appointments/a/{appointment.code}/")
        page.check("[data-testid=rate-form] input[value='4']")
        page.click("[data-testid=rate-form] button[type=submit]")
        page.wait_for_selector(".messages")
        assert "Thank you" in page.inner_text(".messages")
        assert "4 / 5" in page.inner_text("[data-testid=appointment]")
        assert not page.is_visible("[data-testid=rate-form]")
    finally:
        page.context.close()
