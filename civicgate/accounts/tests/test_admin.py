"""The Django admin: staff users are managed there; citizens and codes are only looked at, masked."""

from collections.abc import Callable

import pytest
from django.test import Client

from civicgate.accounts.models import OtpChallenge, User
from civicgate.accounts.otp import request_code, verify_code
from civicgate.accounts.tests.conftest import MASKED, MOBILE, last_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client: Client, make_user: Callable[..., User]) -> Client:
    root = make_user("root")
    root.is_staff = root.is_superuser = True
    root.save()
    client.force_login(root)
    return client


def test_a_staff_user_is_added_and_offered_roles_and_offices_in_the_admin(
    root_client: Client,
) -> None:
    assert root_client.get("/admin/accounts/user/add/").status_code == 200
    created = root_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "nandini",
            "password1": "a-long-enough-pass-9",
            "password2": "a-long-enough-pass-9",
        },
    )
    assert created.status_code == 302
    user = User.objects.get(username="nandini")

    page = root_client.get(f"/admin/accounts/user/{user.pk}/change/")

    assert page.status_code == 200
    assert 'name="all_offices"' in page.content.decode()
    assert 'name="offices"' in page.content.decode()
    assert 'name="groups"' in page.content.decode()


def test_citizens_and_codes_are_shown_masked_and_cannot_be_changed(root_client: Client) -> None:
    request_code(MOBILE, purpose="login", client_address="203.0.113.7", language="en")
    citizen = verify_code(MOBILE, last_code(), purpose="login", client_address="203.0.113.7")
    challenge = OtpChallenge.objects.get()

    citizens = root_client.get("/admin/accounts/citizen/").content.decode()
    codes = root_client.get("/admin/accounts/otpchallenge/").content.decode()

    assert MASKED in citizens and "9830012345" not in citizens
    assert challenge.code_hash not in codes
    assert root_client.get("/admin/accounts/citizen/add/").status_code == 403
    assert root_client.get(f"/admin/accounts/citizen/{citizen.pk}/delete/").status_code == 403
    assert (
        root_client.get(f"/admin/accounts/otpchallenge/{challenge.pk}/delete/").status_code == 403
    )
