"""One-time codes for citizens: what is sent, what is stored, and every limit a citizen can hit."""

import json
import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.test import override_settings

from civicgate.accounts.models import Citizen, OtpChallenge
from civicgate.accounts.otp import OtpError, request_code, verify_code
from civicgate.accounts.tests.conftest import (
    E164,
    MASKED,
    MOBILE,
    code_in,
    last_code,
    last_sms,
    wrong,
)
from civicgate.audit.chain import verify_chain
from civicgate.audit.models import AuditRecord
from civicgate.core.crypto import blind_index
from civicgate.notify.models import OutboundMessage

pytestmark = pytest.mark.django_db
KOLKATA = ZoneInfo("Asia/Kolkata")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=KOLKATA)
LOGIN = OtpChallenge.Purpose.LOGIN


def ask(mobile: str = MOBILE, address: str = "203.0.113.7", language: str = "en") -> OtpChallenge:
    return request_code(mobile, purpose=LOGIN, client_address=address, language=language)


def check(code: str, mobile: str = MOBILE, address: str = "203.0.113.7") -> Citizen:
    return verify_code(mobile, code, purpose=LOGIN, client_address=address)


def refused(call: Any, *args: Any) -> OtpError:
    with pytest.raises(OtpError) as caught:
        call(*args)
    return caught.value


def test_it_queues_an_sms_with_the_code_in_the_chosen_language() -> None:
    ask(language="bn")

    message = last_sms()
    assert (message.channel, message.template_key, message.language) == ("sms", "otp_code", "bn")
    assert message.state == OutboundMessage.State.QUEUED
    assert message.recipient == E164
    assert "যাচাইকরণ কোড" in message.body
    assert "5 মিনিট" in message.body
    assert check(code_in(message)).mobile == E164


def test_it_stores_the_code_only_as_a_hash() -> None:
    challenge = ask()
    code = last_code()

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_otpchallenge WHERE id = %s", [challenge.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert code not in row
    assert "9830012345" not in row
    assert len(challenge.code_hash) == 64


def test_the_right_code_creates_one_verified_citizen_and_signs_in_the_same_one_later() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ask()
        citizen = check(last_code())
        assert citizen.mobile == E164
        assert citizen.mobile_index == blind_index(E164, "mobile")
        assert citizen.verified_at == T0

        traveller.shift(timedelta(hours=1))
        ask("+91 98300-12345")
        again = check(last_code(), mobile="09830012345")

    assert again.pk == citizen.pk
    assert Citizen.objects.count() == 1
    assert Citizen.objects.get().verified_at == T0 + timedelta(hours=1)


def test_a_code_works_for_five_minutes_and_not_after() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ask()
        traveller.shift(timedelta(minutes=4, seconds=59))
        assert check(last_code()).mobile == E164

        traveller.shift(timedelta(minutes=1))
        ask()
        traveller.shift(timedelta(minutes=5))
        error = refused(check, last_code())

    assert error.code == "expired"
    assert "new code" in error.message


def test_five_wrong_tries_lock_the_code_even_against_the_right_one() -> None:
    challenge = ask()
    code = last_code()

    tries_left = [refused(check, wrong(code)).tries_left for _ in range(4)]
    fifth = refused(check, wrong(code))
    after = refused(check, code)

    assert tries_left == [4, 3, 2, 1]
    assert fifth.code == "too_many_attempts"
    assert after.code == "too_many_attempts"
    challenge.refresh_from_db()
    assert challenge.attempts == 5 and challenge.verified_at is None
    assert not Citizen.objects.exists()


def test_a_wrong_code_says_how_many_tries_are_left() -> None:
    ask()

    error = refused(check, wrong(last_code()))

    assert error.code == "wrong_code"
    assert error.message == "That code is not right. You have 4 more tries."


def test_a_code_cannot_be_used_twice() -> None:
    ask()
    code = last_code()
    check(code)

    assert refused(check, code).code == "expired"


def test_a_new_code_replaces_the_one_before_it() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        first = ask()
        old_code = last_code()
        traveller.shift(timedelta(seconds=61))
        ask()
        new_code = last_code()

        if old_code != new_code:
            assert refused(check, old_code).code == "wrong_code"
        assert check(new_code).mobile == E164

    first.refresh_from_db()
    assert first.superseded


def test_one_number_waits_a_minute_between_codes() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ask()
        first = refused(ask)
        traveller.shift(timedelta(seconds=45))
        second = refused(ask)
        traveller.shift(timedelta(seconds=15))
        ask()

    assert (first.code, first.wait_seconds) == ("cooldown", 60)
    assert second.wait_seconds == 15
    assert "15 seconds" in second.message
    assert OutboundMessage.objects.count() == 2


def test_a_code_used_to_sign_in_does_not_hold_back_the_next_one() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ask()
        check(last_code())
        traveller.shift(timedelta(seconds=10))
        # Signed in on one phone, the citizen signs in on another straight away
        ask()
        second_code = last_code()
        # But a code not yet used still holds the next one back
        waiting = refused(ask)
        signed_in = check(second_code)

    assert signed_in.mobile == E164
    assert (waiting.code, waiting.wait_seconds) == ("cooldown", 60)
    assert OutboundMessage.objects.count() == 2


@override_settings(CITIZEN_OTP_DAILY_CAP_PER_MOBILE=3)
def test_one_number_gets_a_limited_number_of_codes_a_day() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        for _ in range(3):
            ask()
            traveller.shift(timedelta(minutes=2))
        error = refused(ask)
        other_number = ask("98300 54321")

        traveller.move_to(datetime(2026, 3, 3, 0, 0, 1, tzinfo=KOLKATA))
        tomorrow = ask()

    assert error.code == "daily_limit"
    assert "tomorrow" in error.message
    assert other_number.pk and tomorrow.pk
    assert OutboundMessage.objects.count() == 5


@override_settings(CITIZEN_OTP_DAILY_CAP_PER_ADDRESS=3)
def test_one_client_address_gets_a_limited_number_of_codes_a_day() -> None:
    numbers = ["98300 10001", "98300 10002", "98300 10003", "98300 10004"]
    for number in numbers[:3]:
        ask(number, address="198.51.100.9")

    error = refused(ask, numbers[3], "198.51.100.9")
    elsewhere = ask(numbers[3], address="198.51.100.10")

    assert error.code == "daily_limit"
    assert elsewhere.client_address == "198.51.100.10"


@pytest.mark.parametrize("bad", ["12345", "", "+44 7700 900123", "98300 1234x"])
def test_it_refuses_a_number_that_is_not_an_indian_mobile(bad: str) -> None:
    error = refused(ask, bad)

    assert error.code == "invalid_mobile"
    assert error.message
    assert not OutboundMessage.objects.exists()


def test_requests_and_verifications_are_audited_without_the_code_or_the_full_number() -> None:
    ask(address="203.0.113.7")
    code = last_code()
    refused(check, wrong(code))
    citizen = check(code)

    entries = list(AuditRecord.objects.order_by("seq"))
    assert [e.action for e in entries] == [
        "citizen.otp_requested",
        "citizen.otp_failed",
        "citizen.otp_verified",
    ]
    assert all(e.data["mobile"] == MASKED for e in entries)
    assert all(e.ip_address == "203.0.113.7" for e in entries)
    assert entries[1].data["reason"] == "wrong_code"
    assert (entries[2].actor_kind, entries[2].actor_id) == ("citizen", citizen.code)
    stored = json.dumps([e.data for e in entries])
    assert code not in stored and "9830012345" not in stored
    assert verify_chain()[1] == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_wrong_tries_are_each_counted_once() -> None:
    challenge = ask()
    code = last_code()
    outcomes: list[str] = []
    start = threading.Barrier(10)

    def attempt() -> None:
        try:
            start.wait()
            check(wrong(code))
        except OtpError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    challenge.refresh_from_db()
    assert challenge.attempts == 5
    assert outcomes.count("wrong_code") == 4
    assert outcomes.count("too_many_attempts") == 6
    assert refused(check, code).code == "too_many_attempts"
