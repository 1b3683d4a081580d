"""In a real browser: a citizen files a water complaint with a photo and the location, staff
assign and resolve it with an after-photo, the citizen is told, rates 2, and it reopens."""

import re
from typing import Any

import pytest

from civicgate.accounts.models import User
from civicgate.accounts.tests.conftest import last_code
from civicgate.conftest import sign_in
from civicgate.notify.models import OutboundMessage
from civicgate.org.models import Employee, Office
from civicgate.services.models import ServiceRequest
from civicgate.services.tests.conftest import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
WHERE = {"latitude": 22.517123, "longitude": 88.364456}


def test_a_water_complaint_goes_from_citizen_to_staff_and_back_and_reopens_on_a_low_rating(
    live_server: Any,
    browser: Any,
    hq: Office,
    water_staff: User,
    fitter: Employee,
    head: Employee,
) -> None:
    base = live_server.url
    phone = browser.new_context(
        locale="en-IN",
        timezone_id="Asia/Kolkata",
        viewport=PHONE,
        geolocation=WHERE,
        permissions=["geolocation"],
    )
    phone.set_default_timeout(10_000)
    desk = browser.new_context(locale="en-IN", timezone_id="Asia/Kolkata")
    desk.set_default_timeout(10_000)
    try:
        citizen = phone.new_page()
        # Given a citizen who opens the water complaint form and signs in with a one-time code
        citizen.goto(f"{base}/citizen/services/")
        citizen.click("[data-testid=service-ws-no-water]")
        assert "/citizen/?next=" in citizen.url
        citizen.fill("#id_mobile", "98300 12345")
        citizen.click("main button[type=submit]")
        citizen.wait_for_url(re.compile(r".*/citizen/verify/$"))
        citizen.fill("#id_code", last_code())
        citizen.click("[data-testid=code-form] button[type=submit]")
        citizen.wait_for_url(f"{base}/citizen/services/new/ws-no-water/")

        # When they describe it, share the location from the browser and attach a photo
        citizen.fill("#id_description", "No water in the taps since 6 am at Lake Place.")
        citizen.select_option("#id_ward", "85")
        citizen.click("[data-testid=locate]")
        citizen.wait_for_function("document.getElementById('id_latitude').value !== ''")
        assert "Location added" in citizen.inner_text("[data-testid=locate-status]")
        citizen.set_input_files(
            "#id_photo", {"name": "tap.jpg", "mimeType": "image/jpeg", "buffer": jpeg(exif=True)}
        )
        citizen.click("[data-testid=request-form] button[type=submit]")

        # Then the request page shows its tracking number and state
        citizen.wait_for_url(re.compile(r".*/citizen/services/r/WS-\d{4}-\d{5}/$"))
        number = citizen.inner_text("[data-testid=tracking-number]").strip()
        sr = ServiceRequest.objects.get(number=number)
        assert float(sr.latitude) == pytest.approx(WHERE["latitude"], abs=1e-6)
        assert sr.photos.count() == 1
        assert citizen.is_visible("[data-testid=photo-citizen]")

        # When staff find it in the inbox, assign it and resolve it with a photo after the work
        staff = desk.new_page()
        sign_in(staff, base, water_staff.username)
        staff.goto(f"{base}/services/")
        staff.click(f"[data-number='{number}'] a")
        staff.wait_for_url(f"{base}/services/r/{number}/")
        staff.select_option("[data-testid=assign-form] select[name=employee]", fitter.code)
        staff.click("[data-testid=assign-form] button[type=submit]")
        assert fitter.name in staff.inner_text("[data-testid=assigned-to]")
        staff.fill("[data-testid=resolve-form] textarea[name=note]", "Jammed valve replaced.")
        staff.set_input_files(
            "[data-testid=resolve-form] input[name=after_photo]",
            {"name": "after.jpg", "mimeType": "image/jpeg", "buffer": jpeg((20, 160, 40))},
        )
        staff.click("[data-testid=resolve-form] button[type=submit]")
        assert staff.inner_text("[data-testid=request-state]") == "Resolved"
        assert staff.is_visible("[data-testid=photo-after]")

        # Then the citizen has been told, in the outbox, and asked to rate
        told = OutboundMessage.objects.filter(template_key="service_request_resolved").get()
        assert number in told.body and told.recipient == "+919830012345"

        # When the citizen rates the work 2
        citizen.reload()
        assert citizen.is_visible("[data-testid=photo-after]")
        citizen.check("[data-testid=rate-2]")
        citizen.click("[data-testid=rating-form] button[type=submit]")

        # Then the request is reopened for the team, on both screens
        assert citizen.inner_text("[data-testid=request-state]") == "Reopened"
        sr.refresh_from_db()
        assert sr.state == ServiceRequest.State.REOPENED and sr.rating == 2
        staff.reload()
        assert staff.inner_text("[data-testid=request-state]") == "Reopened"
    finally:
        phone.close()
        desk.close()
