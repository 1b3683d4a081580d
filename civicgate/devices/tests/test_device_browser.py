"""A security administrator registers a device in a real browser, copies its token once, and
filters the list; the device then authenticates with that token."""

from typing import Any

import pytest
from django.test import Client

from civicgate.accounts.roles import Role
from civicgate.conftest import sign_in_as_admin
from civicgate.devices.models import Device
from civicgate.devices.tests.conftest import bearer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_registers_a_device_and_sees_its_token_only_once(
    live_server: Any, page: Any, hq: Any, borough: Any, make_user: Any
) -> None:
    make_user("hq_security", Role.SECURITY_ADMIN, offices=[hq])
    sign_in_as_admin(page, live_server.url, "hq_security")

    page.goto(f"{live_server.url}/devices/")
    page.click("text=Register a device")
    page.fill("#id_name", "Gate 4 entry scanner")
    page.select_option("#id_kind", "scanner")
    page.select_option("#id_office", "HQ")
    page.select_option("#id_gate", label="HQ · Gate 4")
    page.select_option("#id_direction", "in")
    gate_choices = page.locator("#id_gate option").all_inner_texts()
    page.click("main button[type=submit]")

    token = page.inner_text(".secret").strip()
    assert not any("Main Gate" in choice for choice in gate_choices)
    assert Client().get("/api/v1/devices/me", **bearer(token)).json()["gate"] == "Gate 4"

    page.click("text=I have saved the token")
    assert "Gate 4 entry scanner" in page.inner_text("h1")
    assert token not in page.content()

    page.goto(f"{live_server.url}/devices/")
    page.select_option("#id_kind", "kiosk")
    page.wait_for_selector("[data-testid=no-devices]")
    assert "kind=kiosk" in page.url
    page.select_option("#id_kind", "scanner")
    page.wait_for_selector("[data-testid=device-list]")
    assert "Gate 4 entry scanner" in page.inner_text("[data-testid=device-list]")
    assert Device.objects.get().created_by.username == "hq_security"
