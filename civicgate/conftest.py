"""Shared test fixtures: the organisation, staff personas per role, and a real browser.

Personas follow one pattern across the suite: someone who may (right role, right office),
a colleague with the right role in another office, and an outsider who must be refused.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.org.models import Department, Employee, Office, Official

PASSWORD = "correct-horse-battery-staple"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def hq(db: Any) -> Office:
    office = Office.objects.create(
        code="HQ",
        name="KMC Headquarters",
        kind=Office.Kind.HEADQUARTERS,
        address="5 S.N. Banerjee Road, Kolkata 700013",
    )
    for n in range(1, 5):
        office.gates.create(code=f"G{n}", name=f"Gate {n}")
    return office


@pytest.fixture
def borough(db: Any) -> Office:
    office = Office.objects.create(
        code="BR-07", name="Borough VII Office", kind=Office.Kind.BOROUGH
    )
    office.gates.create(code="G1", name="Main Gate")
    return office


@pytest.fixture
def water(db: Any) -> Department:
    return Department.objects.create(code="WS", name="Water Supply")


@pytest.fixture
def make_employee(hq: Office, water: Department) -> Callable[..., Employee]:
    counter = iter(range(1, 10_000))

    def make(**fields: Any) -> Employee:
        n = next(counter)
        defaults: dict[str, Any] = {
            "staff_number": f"KMC{n:05d}",
            "name": f"Employee {n}",
            "designation": "Clerk",
            "department": water,
            "office": hq,
            "mobile": f"+9198300{n:05d}",
            "card_number": f"CARD{n:06d}",
        }
        defaults.update(fields)
        return Employee.objects.create(**defaults)

    return make


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(
        username: str,
        *roles: str,
        offices: list[Office] | None = None,
        all_offices: bool = False,
        employee: Employee | None = None,
    ) -> User:
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            all_offices=all_offices,
            employee=employee,
            first_name=username.title(),
        )
        for role in roles:
            user.groups.add(Group.objects.get(name=role))
        if offices:
            user.offices.set(offices)
        return user

    return make


@pytest.fixture
def make_official(make_employee: Callable[..., Employee]) -> Callable[..., Official]:
    def make(**fields: Any) -> Official:
        title = fields.pop("title", "Executive Engineer")
        return Official.objects.create(employee=make_employee(**fields), title=title, room="101")

    return make


def verify_second_factor(client: Client, user: User) -> TOTPDevice:
    """Log client in as user with a confirmed TOTP device already passed, as after /accounts/2fa/."""
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def staff_client(client: Client) -> Callable[[User], Client]:
    """A client logged in as user, past the second factor where the role needs one."""

    def login(user: User) -> Client:
        if user.groups.filter(name__in=[Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN]).exists():
            verify_second_factor(client, user)
        else:
            client.force_login(user)
        return client

    return login


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-IN", timezone_id="Asia/Kolkata")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


def sign_in(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the staff login form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")


def pass_second_factor(page: Any) -> None:
    """Enrol the authenticator shown on screen and type its current code, as an admin would."""
    import base64

    from django_otp.oath import TOTP

    secret = page.inner_text("[data-testid=totp-secret]").strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.fill("#id_token", f"{TOTP(key, step=30, digits=6).token():06d}")
    page.click("main button[type=submit]")


def sign_in_as_admin(page: Any, base_url: str, username: str) -> None:
    sign_in(page, base_url, username)
    pass_second_factor(page)
    page.wait_for_url(f"{base_url}/accounts/home/")
