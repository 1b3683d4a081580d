"""The web chat widget and the helpdesk's inbox, in a real browser."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from civicgate.accounts.roles import Role
from civicgate.appointments.tests.conftest import NOW, make_bookable  # noqa: F401  (fixture)
from civicgate.chatbot.models import Conversation
from civicgate.chatbot.tests.conftest import last_code
from civicgate.conftest import sign_in
from civicgate.org.models import Official
from civicgate.passes.models import GatePass
from civicgate.services.tests.test_lookups import roll  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def phone_page(browser: Any) -> Any:
    context = browser.new_context(locale="en-IN", timezone_id="Asia/Kolkata", viewport=PHONE)
    context.set_default_timeout(10_000)
    return context.new_page()


def say(page: Any, text: str) -> None:
    count = page.locator("[data-testid=bubble-bot]").count()
    page.fill("[data-testid=chat-input]", text)
    page.click("[data-testid=chat-send]")
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=bubble-bot]').length > {count}"
    )


def pick(page: Any, choice_id: str) -> None:
    count = page.locator("[data-testid=bubble-bot]").count()
    page.locator(f"button[data-choice='{choice_id}']").last.click()
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=bubble-bot]').length > {count}"
    )


def last_bot_text(page: Any) -> str:
    return str(page.locator("[data-testid=bubble-bot]").last.inner_text())


def test_a_citizen_gets_a_gate_pass_through_the_web_widget_with_otp(
    live_server: Any, browser: Any, visitable: Official, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    page = phone_page(browser)

    # Given the chat page, which greets and asks for the language
    page.goto(f"{live_server.url}/citizen/chat/")
    page.wait_for_selector("button[data-choice='lang:en']")
    pick(page, "lang:en")

    # When the citizen asks for a pass and proves the mobile with the code sent by SMS
    pick(page, "flow:gate_pass")
    assert "mobile number" in last_bot_text(page)
    say(page, "98300 12345")
    say(page, last_code())
    pick(page, f"official:{visitable.code}")
    say(page, "New water connection")
    pick(page, page.locator("button[data-choice^='20']").nth(1).get_attribute("data-choice"))
    say(page, "Anita Sen")
    assert "Rina Das" in last_bot_text(page)
    pick(page, "yes")

    # Then the pass is issued and its QR code is shown in the chat
    gate_pass = GatePass.objects.get()
    assert gate_pass.code in last_bot_text(page)
    image = page.locator("[data-testid=chat-image]").last
    image.wait_for()
    page.wait_for_function(
        "(() => { const i = document.querySelector('[data-testid=chat-image]'); return i && i.complete && i.naturalWidth > 0; })()"
    )
    assert f"/p/{gate_pass.code}/qr.png" in image.get_attribute("src")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_helpdesk_answers_in_the_citizens_widget_and_hands_back_to_the_bot(
    live_server: Any, browser: Any, page: Any, make_user: Callable[..., Any]
) -> None:
    make_user("hema", Role.HELPDESK)
    citizen = phone_page(browser)

    # Given a citizen who asks for a person in the widget
    citizen.goto(f"{live_server.url}/citizen/chat/")
    citizen.wait_for_selector("button[data-choice='lang:en']")
    pick(citizen, "lang:en")
    say(citizen, "I want to talk to a person")
    say(citizen, "My water bill is wrong")
    assert "helpdesk" in last_bot_text(citizen)
    conversation = Conversation.objects.get()

    # When helpdesk staff open the inbox, the conversation and the reason are there
    sign_in(page, live_server.url, "hema")
    page.goto(f"{live_server.url}/chatbot/inbox/")
    page.click(f"[data-testid=chat-row-{conversation.code}] a")
    page.wait_for_url(re.compile(rf".*/chatbot/c/{conversation.code}/$"))
    assert "My water bill is wrong" in page.inner_text("[data-testid=thread]")

    # And answer in the thread
    page.fill("[data-testid=reply-text]", "Hema here. Please send your assessee number.")
    page.click("[data-testid=send-reply]")
    page.wait_for_url(re.compile(rf".*/chatbot/c/{conversation.code}/$"))

    # Then the citizen sees the answer in the widget without reloading
    citizen.wait_for_function(
        "document.querySelector('[data-testid=chat-log]').innerText.includes('Hema here')",
        timeout=15_000,
    )

    # And after the hand-back the bot answers again
    page.click("[data-testid=hand-back]")
    page.wait_for_url(re.compile(r".*/chatbot/inbox/$"))
    citizen.wait_for_function(
        "document.querySelector('[data-testid=chat-log]').innerText.includes('back with the KMC assistant')",
        timeout=15_000,
    )
    say(citizen, "gate pass")
    assert "mobile number" in last_bot_text(citizen)


def test_a_web_citizen_books_an_appointment_files_a_water_complaint_with_the_location_and_checks_dues(
    live_server: Any,
    browser: Any,
    settings: Any,
    make_bookable: Callable[..., Official],  # noqa: F811
    roll: None,  # noqa: F811
) -> None:
    import time_machine

    from civicgate.appointments.models import Appointment
    from civicgate.services.models import ServiceRequest

    settings.SITE_URL = live_server.url
    with time_machine.travel(NOW, tick=True):
        make_bookable(name="Subrata Ghosh")
        context = browser.new_context(
            locale="en-IN",
            timezone_id="Asia/Kolkata",
            viewport=PHONE,
            geolocation={"latitude": 22.5186, "longitude": 88.3639},
            permissions=["geolocation"],
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"{live_server.url}/citizen/chat/")
        page.wait_for_selector("button[data-choice='lang:en']")
        pick(page, "lang:en")

        # An appointment, after proving the mobile by OTP; the pass comes with it
        say(page, "I want to book an appointment with an official")
        say(page, "9830012345")
        say(page, last_code())
        slot = page.locator("button[data-choice^='2027-']").first.get_attribute("data-choice")
        pick(page, slot)
        say(page, "New water connection")
        say(page, "Anita Sen")
        pick(page, "yes")
        appointment = Appointment.objects.get()
        assert appointment.state == Appointment.State.CONFIRMED
        assert appointment.gate_pass.code in last_bot_text(page)

        # A water-supply complaint with the phone's location
        say(page, "no water since morning")
        pick(page, "ws-no-water")
        pick(page, "geo:ask")
        say(page, "85")
        say(page, "No water in the tap for three days")
        pick(page, "yes")
        complaint = ServiceRequest.objects.get()
        assert float(complaint.latitude) == pytest.approx(22.5186)
        assert complaint.number in last_bot_text(page)

        # Property-tax dues by assessee number
        say(page, "property tax dues")
        say(page, "110010100011")
        assert "4200" in last_bot_text(page)
        context.close()
