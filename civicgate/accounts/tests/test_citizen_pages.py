"""The citizen's pages: enter a mobile number, enter the code, land on the citizen home."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from civicgate.accounts import citizen_views
from civicgate.accounts.models import Citizen, User
from civicgate.accounts.roles import Role
from civicgate.accounts.tests.conftest import E164, MASKED, MOBILE, last_code, wrong
from civicgate.audit.models import AuditRecord
from civicgate.notify.models import OutboundMessage

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
START, VERIFY, HOME, SIGNOUT = (
    "/citizen/",
    "/citizen/verify/",
    "/citizen/home/",
    "/citizen/signout/",
)


def send_code(client: Client, mobile: str = MOBILE) -> Any:
    return client.post(START, {"mobile": mobile})


def test_a_citizen_signs_in_with_a_mobile_number_and_the_code_sent_to_it(client: Client) -> None:
    page = client.get(START)
    assert page.status_code == 200
    assert 'type="tel"' in page.content.decode()

    sent = send_code(client)
    assert sent.status_code == 302 and sent["Location"] == VERIFY
    verify_page = client.get(VERIFY).content.decode()
    assert MASKED in verify_page
    assert E164 not in verify_page and "9830012345" not in verify_page

    signed_in = client.post(VERIFY, {"code": last_code()})
    assert signed_in.status_code == 302 and signed_in["Location"] == HOME
    home = client.get(HOME).content.decode()
    assert MASKED in home
    assert "Gate passes" in home and "Appointments" in home and "Requests" in home
    citizen = Citizen.objects.get()
    assert citizen.verified_at is not None
    assert AuditRecord.objects.filter(action="citizen.otp_verified", actor_id=citizen.code).exists()


def test_a_wrong_code_shows_how_many_tries_are_left_and_keeps_the_citizen_out(
    client: Client,
) -> None:
    send_code(client)

    page = client.post(VERIFY, {"code": wrong(last_code())})

    assert page.status_code == 200
    assert "You have 4 more tries." in page.content.decode()
    assert client.get(HOME).status_code == 302


def test_a_code_that_is_not_six_digits_is_refused_without_using_a_try(client: Client) -> None:
    send_code(client)

    page = client.post(VERIFY, {"code": "12ab"})

    assert "Enter the 6 digits from the SMS." in page.content.decode()
    assert client.post(VERIFY, {"code": last_code()})["Location"] == HOME


def test_a_bad_number_is_explained_and_kept_in_the_box(client: Client) -> None:
    page = client.post(START, {"mobile": "12345"})

    body = page.content.decode()
    assert page.status_code == 200
    assert "Enter a valid 10-digit mobile number." in body
    assert 'value="12345"' in body
    assert not OutboundMessage.objects.exists()


def test_the_code_page_without_a_number_sends_the_citizen_back_to_start(client: Client) -> None:
    response = client.get(VERIFY)

    assert response.status_code == 302 and response["Location"] == START


def test_the_resend_button_waits_out_the_cooldown_and_then_sends_a_new_code(client: Client) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        send_code(client)
        old_code = last_code()
        page = client.get(VERIFY).content.decode()
        assert 'data-wait="60" disabled' in page

        traveller.shift(timedelta(seconds=20))
        early = client.post(VERIFY, {"action": "resend"}, follow=True).content.decode()
        assert "You can ask for a new one in 40 seconds." in early
        assert OutboundMessage.objects.count() == 1

        traveller.shift(timedelta(seconds=40))
        later = client.post(VERIFY, {"action": "resend"}, follow=True).content.decode()
        assert "A new code has been sent." in later
        assert OutboundMessage.objects.count() == 2
        new_code = last_code()

        if new_code != old_code:
            assert (
                "You have 4 more tries." in client.post(VERIFY, {"code": old_code}).content.decode()
            )
        assert client.post(VERIFY, {"code": new_code})["Location"] == HOME


def test_asking_again_during_the_cooldown_goes_to_the_code_page(client: Client) -> None:
    send_code(client)

    again = send_code(client, "+91 98300 12345")

    assert again["Location"] == VERIFY
    assert OutboundMessage.objects.count() == 1


def test_one_connection_is_limited_in_how_often_it_asks_for_codes(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(citizen_views, "REQUESTS_PER_WINDOW", 2)
    send_code(client, "98300 10001")
    send_code(client, "98300 10002")

    third = send_code(client, "98300 10003")

    assert third.status_code == 429
    assert "Too many tries from this connection." in third.content.decode()
    assert OutboundMessage.objects.count() == 2
    other = Client(REMOTE_ADDR="198.51.100.20")
    assert send_code(other, "98300 10003").status_code == 302


def test_one_connection_is_limited_in_how_often_it_tries_codes(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(citizen_views, "TRIES_PER_WINDOW", 2)
    send_code(client)
    code = last_code()
    client.post(VERIFY, {"code": wrong(code)})
    client.post(VERIFY, {"code": wrong(code)})

    third = client.post(VERIFY, {"code": code})

    assert third.status_code == 429
    assert client.get(HOME).status_code == 302


def test_the_citizen_home_needs_a_signed_in_citizen(client: Client) -> None:
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == "/citizen/?next=%2Fcitizen%2Fhome%2F"


def test_after_sign_in_the_citizen_returns_to_the_page_asked_for(client: Client) -> None:
    client.post(START, {"mobile": MOBILE, "next": "/citizen/home/?tab=passes"})

    assert client.post(VERIFY, {"code": last_code()})["Location"] == "/citizen/home/?tab=passes"


def test_an_address_off_this_site_is_never_followed_after_sign_in(client: Client) -> None:
    client.post(START, {"mobile": MOBILE, "next": "https://evil.example/"})

    assert client.post(VERIFY, {"code": last_code()})["Location"] == HOME


def test_signing_out_ends_the_citizen_session_and_is_audited(client: Client) -> None:
    send_code(client)
    client.post(VERIFY, {"code": last_code()})

    response = client.post(SIGNOUT)

    assert response["Location"] == START
    assert client.get(HOME).status_code == 302
    assert AuditRecord.objects.filter(action="citizen.signed_out").count() == 1


def test_a_staff_sign_in_is_not_a_citizen_sign_in(
    staff_client: Callable[[User], Client], make_user: Callable[..., User]
) -> None:
    desk = staff_client(make_user("dipa", Role.DESK_OPERATOR))

    assert desk.get(HOME).status_code == 302


def test_the_pages_speak_the_citizens_language(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "bn", "next": START})

    send_code(client)

    assert OutboundMessage.objects.get().language == "bn"
