"""A citizen gets a gate pass on a phone in a real browser, and opens it from the SMS link."""

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from civicgate.accounts.tests.conftest import last_code
from civicgate.notify.models import OutboundMessage
from civicgate.org.models import Office, Official
from civicgate.passes import keys, tokens
from civicgate.passes.models import GatePass
from civicgate.passes.tests.test_citizen_support import _fresh_cache, engineer

# Fixtures shared with the other citizen pass tests; pytest finds them by name in this module.
SHARED_FIXTURES = (_fresh_cache, engineer)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def phone(browser: Any) -> Any:
    context = browser.new_context(locale="en-IN", timezone_id="Asia/Kolkata", viewport=PHONE)
    context.set_default_timeout(10_000)
    return context


def sign_in_on(page: Any, mobile: str) -> None:
    page.fill("#id_mobile", mobile)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/citizen/verify/$"))
    page.fill("#id_code", last_code())
    page.click("[data-testid=code-form] button[type=submit]")


def test_a_citizen_gets_a_pass_on_a_phone_and_opens_it_from_the_sms_link(
    live_server: Any,
    browser: Any,
    hq: Office,
    engineer: Official,
    make_official: Callable[..., Official],
    borough: Office,
) -> None:
    make_official(name="Rina Das", title="Assistant Engineer", office=borough)
    base = live_server.url
    context = phone(browser)
    page = context.new_page()
    try:
        # Given a citizen who opens the pass page and verifies the mobile number
        page.goto(f"{base}/passes/request/")
        assert "/citizen/?next=" in page.url
        sign_in_on(page, "98300 12345")
        page.wait_for_url(f"{base}/passes/request/")

        # When the office is chosen, only its officials are offered
        page.select_option("[data-testid=office]", label=str(hq))
        page.wait_for_selector(
            f"#id_host option[value='official:{engineer.code}']", state="attached"
        )
        assert "Rina Das" not in page.inner_text("#id_host")
        page.select_option("#id_host", f"official:{engineer.code}")
        page.fill("#id_purpose", "New water connection")
        page.fill("#id_name", "Anita Sen")

        # Without consent, nothing is issued and the reason is shown
        page.click("[data-testid=pass-request-form] button[type=submit]")
        assert "Agree to the privacy notice to get a pass." in page.inner_text("main")
        assert not GatePass.objects.exists()
        page.check("#id_consent")
        page.click("[data-testid=pass-request-form] button[type=submit]")

        # Then the pass page shows a large QR code of a token that a gate verifies
        page.wait_for_url(re.compile(r".*/passes/p/[0-9A-Z]+/$"))
        gate_pass = GatePass.objects.get()
        assert page.is_visible("[data-testid=pass-qr] svg")
        box = page.locator("[data-testid=pass-qr] svg").bounding_box()
        assert box["width"] >= 280
        token = page.get_attribute("[data-testid=pass-qr]", "data-token")
        assert tokens.verify(token, keys.published_keys()).code == gate_pass.code
        assert page.inner_text("[data-testid=pass-code]") == gate_pass.code
        assert "+91 ******2345" in page.inner_text("[data-testid=pass-mobile]")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # And the SMS carries a link that opens the pass with no sign-in
        sms = OutboundMessage.objects.get(channel="sms", template_key="pass_issued")
        assert OutboundMessage.objects.filter(
            channel="whatsapp", template_key="pass_issued"
        ).exists()
        link = urlsplit(re.search(r"https?://\S+", sms.body).group(0))
        stranger = phone(browser).new_page()
        stranger.goto(f"{base}{link.path}?{link.query}")
        assert stranger.is_visible("[data-testid=pass-qr] svg")
        assert stranger.inner_text("[data-testid=pass-visitor]") == "Anita Sen"

        # But a changed link is refused
        stranger.goto(f"{base}{link.path}?{link.query[:-2]}xx")
        assert "This link does not work" in stranger.inner_text("main")
        assert not stranger.is_visible("[data-testid=pass-qr]")
        stranger.context.close()

        # And the citizen finds the pass under My passes
        page.goto(f"{base}/citizen/home/")
        page.click("[data-testid=tile-my-passes]")
        assert gate_pass.code in page.inner_text("[data-testid=my-passes]")
    finally:
        context.close()
