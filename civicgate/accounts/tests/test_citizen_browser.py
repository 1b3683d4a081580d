"""A citizen signs in on a phone-sized screen in a real browser: number, code, home, sign out."""

from typing import Any

import pytest

from civicgate.accounts.tests.conftest import MASKED, last_code, wrong

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_citizen_signs_in_on_a_phone_with_the_code_from_the_sms(
    live_server: Any, browser: Any
) -> None:
    context = browser.new_context(
        locale="en-IN", timezone_id="Asia/Kolkata", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/")
        page.click("text=Citizens")
        page.fill("#id_mobile", "12345")
        page.click("main button[type=submit]")
        assert "Enter a valid 10-digit mobile number." in page.inner_text("main")

        page.fill("#id_mobile", "98300 12345")
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/citizen/verify/")
        assert MASKED in page.inner_text("main")
        assert page.is_disabled("#resend")
        assert page.is_visible("[data-testid=resend-wait]")

        code = last_code()
        page.fill("#id_code", wrong(code))
        page.click("[data-testid=code-form] button[type=submit]")
        assert "You have 4 more tries." in page.inner_text("main")

        page.fill("#id_code", code)
        page.click("[data-testid=code-form] button[type=submit]")
        page.wait_for_url(f"{live_server.url}/citizen/home/")
        assert MASKED in page.inner_text("[data-testid=citizen-mobile]")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.click("[data-testid=citizen-signout]")
        page.wait_for_url(f"{live_server.url}/citizen/")
        page.goto(f"{live_server.url}/citizen/home/")
        assert "/citizen/?next=" in page.url
    finally:
        context.close()
