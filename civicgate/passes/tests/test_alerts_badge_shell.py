"""The security alerts badge in the top bar: shown to security administrators past the second factor."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicgate.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_a_verified_security_admin_sees_the_alerts_badge(
    hq: Any, make_user: Callable[..., Any], staff_client: Callable[..., Client]
) -> None:
    client = staff_client(make_user("security", Role.SECURITY_ADMIN, offices=[hq]))

    assert 'data-testid="alerts-badge"' in client.get("/accounts/home/").content.decode()


def test_the_two_factor_page_has_no_badge_that_would_poll_itself(
    client: Client, hq: Any, make_user: Callable[..., Any]
) -> None:
    client.force_login(make_user("security", Role.SECURITY_ADMIN, offices=[hq]))

    page = client.get("/accounts/2fa/").content.decode()

    assert 'data-testid="alerts-badge"' not in page


def test_a_guard_has_no_alerts_badge(
    hq: Any, make_user: Callable[..., Any], client: Client
) -> None:
    client.force_login(make_user("guard", Role.GUARD, offices=[hq]))

    assert 'data-testid="alerts-badge"' not in client.get("/accounts/home/").content.decode()
