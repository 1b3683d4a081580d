"""The refused booking of a full slot: one query, session included, on the citizen API's short
middleware chain; the nearest free slots kept a few seconds and forgotten when places change."""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from pytest_django import DjangoAssertNumQueries

from civicgate.accounts.models import Citizen
from civicgate.appointments import actions, refusals
from civicgate.appointments.models import Appointment
from civicgate.appointments.tests.conftest import MONDAY, at
from civicgate.appointments.tests.test_api import BASE, body, signed_in
from civicgate.org.models import Official
from civicgate.passes.models import GatePass

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + timedelta(days=1)

# The chain the booking endpoints are served with in production (settings.CITIZEN_API_PATHS,
# core/handlers.py): the citizen's session, language and CSRF; no staff machinery.
CITIZEN_API_MIDDLEWARE = getattr(
    settings,
    "CITIZEN_API_MIDDLEWARE",
    [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
)


@pytest.fixture
def short_chain() -> Iterator[None]:
    with override_settings(MIDDLEWARE=CITIZEN_API_MIDDLEWARE):
        yield


def book(official: Official, citizen: Citizen, hour: int = 10) -> Appointment:
    return actions.book_appointment(
        official=official, start=at(TUESDAY, hour), citizen=citizen, name="A", purpose="B"
    )


def post(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post(f"{BASE}/{path}", data, content_type="application/json")


def test_a_full_slot_is_refused_after_one_query_session_included(
    clock: Any,
    short_chain: None,
    engineer: Official,
    make_citizen: Callable[..., Citizen],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    # Given a slot already booked and a first refusal that worked out the nearest free slots
    book(engineer, make_citizen())
    assert post(signed_in(make_citizen()), "bookings", body(engineer)).status_code == 409
    client = signed_in(make_citizen())
    # When another citizen presses Book on it
    with django_assert_num_queries(1) as captured:
        response = post(client, "bookings", body(engineer))
    # Then one query read the session and the slot together, and the answer is the refusal
    # (PostgreSQL prepares the statement; its text may be left out of the log there)
    sql = captured.captured_queries[0]["sql"]
    assert (sql is None and connection.vendor == "postgresql") or "django_session" in sql
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = response.json()
    assert data["error"] == "slot_taken"
    assert data["message"].startswith("Sorry, that slot has just been taken")
    assert len(data["alternatives"]) == 3
    assert Appointment.objects.count() == 1


def test_a_refusal_offers_the_nearest_free_slots_as_the_slots_endpoint_writes_them(
    clock: Any, short_chain: None, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    book(engineer, make_citizen())
    refused = post(signed_in(make_citizen()), "bookings", body(engineer)).json()
    free = Client().get(f"{BASE}/slots", {"official": engineer.code, "days": 7}).json()["slots"]
    # The neighbours of Tuesday 10:00, in the very form the slots endpoint gives them
    assert refused["alternatives"] == [s for s in free if s["start"][:10] == "2027-03-09"][:3]
    # 10:30, 11:00 and 11:30 in Kolkata, given in UTC
    assert [a["start"] for a in refused["alternatives"]] == [
        "2027-03-09T05:00:00Z",
        "2027-03-09T05:30:00Z",
        "2027-03-09T06:00:00Z",
    ]


def test_the_short_chain_books_holds_and_refuses_like_the_full_one(
    clock: Any, short_chain: None, engineer: Official, citizen: Citizen
) -> None:
    client = signed_in(citizen)
    booked = post(client, "bookings", body(engineer))
    assert booked.status_code == 201, booked.content
    assert GatePass.objects.get(code=booked.json()["gate_pass"]).state == GatePass.State.ISSUED
    held = post(client, "holds", {"official": engineer.code, "start": at(TUESDAY, 11).isoformat()})
    assert held.status_code == 201
    assert held.json()["state"] == "held"
    again = post(client, "holds", {"official": engineer.code, "start": at(TUESDAY, 10).isoformat()})
    assert again.status_code == 409
    assert again.json()["alternatives"]


def test_the_short_chain_still_needs_the_session_and_the_csrf_token(
    clock: Any, short_chain: None, engineer: Official, citizen: Citizen
) -> None:
    assert post(Client(), "bookings", body(engineer)).status_code == 401
    strict = signed_in(citizen)
    strict.handler.enforce_csrf_checks = True
    assert post(strict, "bookings", body(engineer)).status_code == 403
    assert not Appointment.objects.exists()


def test_an_expired_session_is_signed_out_even_for_a_full_slot(
    clock: Any, short_chain: None, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    book(engineer, make_citizen())
    client = signed_in(make_citizen())
    clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE + 1))
    assert post(client, "bookings", body(engineer)).status_code == 401


def test_a_session_of_a_citizen_no_longer_there_cannot_book(
    clock: Any, short_chain: None, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    gone = make_citizen()
    client = signed_in(gone)
    gone.delete()
    assert post(client, "bookings", body(engineer)).status_code == 401
    assert not Appointment.objects.exists()


def test_the_nearest_free_slots_are_kept_until_a_place_of_the_official_changes(
    clock: Any,
    engineer: Official,
    make_citizen: Callable[..., Citizen],
    django_assert_num_queries: DjangoAssertNumQueries,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def nearest() -> list[datetime]:
        return [s.start for s in refusals.nearest_slots(engineer, at(TUESDAY, 10))]

    first = nearest()
    assert at(TUESDAY, 10, 30) in first
    # Kept: the next refusals compute nothing
    with django_assert_num_queries(0):
        assert nearest() == first
    # A place taken at 10:30 forgets them once committed: 10:30 is no longer offered
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(engineer, make_citizen(), 10)
        other = actions.book_appointment(
            official=engineer,
            start=at(TUESDAY, 10, 30),
            citizen=make_citizen(),
            name="A",
            purpose="B",
        )
    assert at(TUESDAY, 10, 30) not in nearest()
    # A place given back (a cancellation) forgets them too
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_appointment(appointment=other, actor=other.citizen)
    assert at(TUESDAY, 10, 30) in nearest()
    assert appointment.state == Appointment.State.CONFIRMED


def test_the_nearest_free_slots_are_kept_only_a_few_seconds(
    clock: Any, engineer: Official, django_assert_max_num_queries: Any
) -> None:
    refusals.nearest_slots(engineer, at(TUESDAY, 10))
    clock.shift(timedelta(seconds=refusals.ALTERNATIVES_SECONDS))
    with django_assert_max_num_queries(20) as captured:
        refusals.nearest_slots(engineer, at(TUESDAY, 10))
    assert len(captured.captured_queries) > 0


def test_the_booking_endpoints_take_the_citizen_api_chain_in_production() -> None:
    if not hasattr(settings, "CITIZEN_API_PATHS"):
        pytest.skip("settings.CITIZEN_API_PATHS is not configured")
    from civicgate.core.handlers import RoutingApplication

    routes = RoutingApplication().routes
    for path in (f"{BASE}/bookings", f"{BASE}/holds"):
        assert routes[path].middleware == list(settings.CITIZEN_API_MIDDLEWARE)  # type: ignore[attr-defined]


def test_a_refusal_logs_no_warning(
    clock: Any,
    short_chain: None,
    engineer: Official,
    make_citizen: Callable[..., Citizen],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a full slot
    book(engineer, make_citizen())
    # When hundreds of citizens are refused, here one
    with caplog.at_level("WARNING", logger="django.request"):
        response = post(signed_in(make_citizen()), "bookings", body(engineer))
    # Then each gets the 409 and the server's log gets no line for it
    assert response.status_code == 409
    assert response["X-Frame-Options"] == "DENY"
    assert not [r for r in caplog.records if r.name == "django.request"]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"language": "fr"}, 422),
        ({"purpose": "x" * 301}, 422),
        ({"start": "2027-03-09T10:00:00"}, 422),  # no time zone
        ({"official": None}, 422),
    ],
)
def test_a_booking_the_endpoint_would_reject_is_rejected_even_for_a_full_slot(
    clock: Any,
    short_chain: None,
    engineer: Official,
    make_citizen: Callable[..., Citizen],
    change: dict[str, Any],
    status: int,
) -> None:
    book(engineer, make_citizen())
    response = post(signed_in(make_citizen()), "bookings", {**body(engineer), **change})
    assert response.status_code == status
    assert response.json()["error"] == "invalid"


def test_a_bad_csrf_token_is_refused_even_for_a_full_slot(
    clock: Any, short_chain: None, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    book(engineer, make_citizen())
    strict = signed_in(make_citizen())
    strict.handler.enforce_csrf_checks = True
    assert post(strict, "bookings", body(engineer)).status_code == 403
    assert (
        post(
            strict, "holds", {"official": engineer.code, "start": body(engineer)["start"]}
        ).status_code
        == 403
    )


def test_a_booking_that_goes_through_counts_once_towards_the_rate_limit(
    clock: Any, short_chain: None, engineer: Official, citizen: Citizen
) -> None:
    from civicgate.appointments import api

    client = signed_in(citizen)
    for hour in (10, 11):
        assert post(client, "bookings", body(engineer, hour)).status_code == 201
    refused = 0
    for _ in range(api.WRITES_PER_HOUR):
        response = post(signed_in(citizen), "bookings", body(engineer, 10))
        refused += response.status_code == 409
    # 2 bookings + 28 refusals fit in the hour; the next is over the limit
    assert refused == api.WRITES_PER_HOUR - 2
    assert post(client, "bookings", body(engineer, 12)).status_code == 429


def test_a_hold_of_a_full_slot_is_refused_in_one_query_with_the_nearest_slots(
    clock: Any,
    short_chain: None,
    engineer: Official,
    make_citizen: Callable[..., Citizen],
    django_assert_max_num_queries: Any,
) -> None:
    book(engineer, make_citizen())
    client = signed_in(make_citizen())
    start = body(engineer)["start"]
    assert post(client, "holds", {"official": engineer.code, "start": start}).status_code == 409
    with django_assert_max_num_queries(1):
        again = post(client, "holds", {"official": engineer.code, "start": start})
    assert again.status_code == 409
    assert [a["start"][:16] for a in again.json()["alternatives"]] == [
        "2027-03-09T05:00",
        "2027-03-09T05:30",
        "2027-03-09T06:00",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_the_first_statement_of_its_request_instead_of_a_health_check(
    clock: Any, short_chain: None, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    # Given a slot already booked, and a request starting on a kept connection (as Django
    # marks it at the start of each request: CONN_HEALTH_CHECKS)
    book(engineer, make_citizen())
    client = signed_in(make_citizen())
    connection.ensure_connection()
    connection.health_check_done = False  # type: ignore[attr-defined]
    # When a citizen presses Book on it
    with mock.patch.object(connection, "is_usable", wraps=connection.is_usable) as check:
        response = post(client, "bookings", body(engineer))
    # Then the refusal came without a separate check of the connection
    assert response.status_code == 409
    assert check.call_count == 0


@pytest.mark.django_db(transaction=True)
def test_a_refusal_on_a_connection_that_died_while_idle_is_still_a_refusal(
    clock: Any, short_chain: None, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no connection to lose.")
    # Given a full slot, and the connection kept from the last request killed meanwhile
    book(engineer, make_citizen())
    client = signed_in(make_citizen())
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
    connection.health_check_done = False  # type: ignore[attr-defined]
    # When a citizen presses Book on it
    response = post(client, "bookings", body(engineer))
    # Then the answer is the refusal, read on a new connection
    assert response.status_code == 409, response.content
    assert response.json()["alternatives"]
    assert connection.connection.info.backend_pid != backend
    connection.close()


def test_a_full_slot_is_refused_before_the_endpoint_runs_and_counted_once(
    clock: Any, short_chain: None, engineer: Official, make_citizen: Callable[..., Citizen]
) -> None:
    from civicgate.appointments import api

    book(engineer, make_citizen())
    client = signed_in(make_citizen())
    start = body(engineer)["start"]
    with mock.patch.object(api, "_citizen_unless_full", side_effect=AssertionError) as endpoint:
        booked = post(client, "bookings", body(engineer))
        held = post(client, "holds", {"official": engineer.code, "start": start})
    assert (booked.status_code, held.status_code) == (409, 409)
    assert booked.json()["alternatives"] == held.json()["alternatives"]
    assert endpoint.call_count == 0
    # A hold to turn into a booking goes on to the endpoint, which decides
    with mock.patch.object(api, "_citizen_unless_full", wraps=api._citizen_unless_full) as endpoint:
        post(client, "bookings", body(engineer, hold="H0LD"))
    assert endpoint.call_count == 1
