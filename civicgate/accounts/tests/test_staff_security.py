"""Staff sign-in: the second factor for administrators, lockout after failures, and the audit."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.conftest import PASSWORD
from civicgate.org.models import Office

pytestmark = pytest.mark.django_db
LOGIN, HOME, TWO_FACTOR, LOGOUT = (
    "/accounts/login/",
    "/accounts/home/",
    "/accounts/2fa/",
    "/accounts/logout/",
)


def sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def current_token(device: TOTPDevice) -> str:
    code = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return f"{code:0{device.digits}d}"


def test_a_system_admin_sees_no_staff_page_until_the_authenticator_is_enrolled_and_confirmed(
    client: Client, make_user: Callable[..., User], hq: Office
) -> None:
    make_user("asha", Role.SYSTEM_ADMIN, offices=[hq])
    assert sign_in(client, "asha").status_code == 302

    blocked = client.get(HOME)
    assert blocked.status_code == 302 and blocked["Location"] == TWO_FACTOR
    assert client.get("/audit/")["Location"] == TWO_FACTOR
    enrolment = client.get(TWO_FACTOR).content.decode()
    assert 'data-testid="totp-qr"' in enrolment
    device = TOTPDevice.objects.get(user__username="asha")
    assert not device.confirmed

    passed = client.post(TWO_FACTOR, {"token": current_token(device)})

    assert passed.status_code == 302 and passed["Location"] == HOME
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200
    actions = list(
        AuditRecord.objects.filter(actor_label="asha")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["accounts.login", "accounts.totp_enrolled", "accounts.second_factor_passed"]


def test_a_wrong_authenticator_code_keeps_an_enrolled_admin_out(
    client: Client, make_user: Callable[..., User], hq: Office
) -> None:
    admin = make_user("sekhar", Role.SECURITY_ADMIN, offices=[hq])
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    sign_in(client, "sekhar")
    right = current_token(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    page = client.post(TWO_FACTOR, {"token": wrong})

    assert page.status_code == 200
    assert "That code is not right." in page.content.decode()
    assert 'data-testid="totp-qr"' not in page.content.decode()
    assert client.get(HOME)["Location"] == TWO_FACTOR
    assert AuditRecord.objects.filter(
        action="accounts.second_factor_failed", actor_label="sekhar"
    ).exists()


def test_a_guard_is_not_asked_for_a_second_factor(
    client: Client, make_user: Callable[..., User], hq: Office
) -> None:
    make_user("gopal", Role.GUARD, offices=[hq])

    sign_in(client, "gopal")

    assert client.get(HOME).status_code == 200
    assert not TOTPDevice.objects.exists()


def test_five_failed_sign_ins_lock_the_account_until_the_cool_off_ends(
    client: Client, make_user: Callable[..., User], hq: Office, time_machine: Any
) -> None:
    make_user("gopal", Role.GUARD, offices=[hq])
    time_machine.move_to("2026-03-02T10:00:00+05:30", tick=False)

    failures = [sign_in(client, "gopal", "not-the-password").status_code for _ in range(4)]
    fifth = sign_in(client, "gopal", "not-the-password")
    locked = sign_in(client, "gopal")

    assert failures == [200, 200, 200, 200]
    assert fifth.status_code == 429
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode()
    assert client.get(HOME).status_code == 302
    lockouts = AuditRecord.objects.filter(action="accounts.locked_out")
    assert lockouts.exists()
    assert {r.data["username"] for r in lockouts} == {"gopal"}

    time_machine.shift(timedelta(minutes=16))
    assert sign_in(client, "gopal").status_code == 302
    assert client.get(HOME).status_code == 200


def test_a_lockout_holds_only_for_the_account_that_failed(
    client: Client, make_user: Callable[..., User], hq: Office
) -> None:
    make_user("gopal", Role.GUARD, offices=[hq])
    make_user("mita", Role.GUARD, offices=[hq])
    for _ in range(5):
        sign_in(client, "gopal", "not-the-password")

    assert sign_in(client, "mita").status_code == 302


def test_sign_in_and_sign_out_are_audited_with_the_address(
    client: Client, make_user: Callable[..., User], hq: Office
) -> None:
    make_user("gopal", Role.GUARD, offices=[hq])

    sign_in(client, "gopal")
    client.post(LOGOUT)

    entries = list(AuditRecord.objects.order_by("seq"))
    assert [(e.action, e.actor_label, e.ip_address) for e in entries] == [
        ("accounts.login", "gopal", "127.0.0.1"),
        ("accounts.logout", "gopal", "127.0.0.1"),
    ]
    assert client.get(HOME).status_code == 302
