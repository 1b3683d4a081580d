"""A signed-in citizen asks for a gate pass on the web."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from civicgate.accounts.models import Citizen
from civicgate.audit.models import AuditRecord
from civicgate.notify.models import OutboundMessage
from civicgate.org.models import Department, Office, Official
from civicgate.passes import citizen_actions
from civicgate.passes.actions import CONSENT_NOTICE_VERSION, get_or_create_visitor
from civicgate.passes.models import GatePass, PassPolicy, Visitor
from civicgate.passes.tests.test_citizen_support import (
    MOBILE,
    REQUEST,
    _fresh_cache,
    approval_required,
    borough_official,
    citizen,
    citizen_client,
    engineer,
    local,
    only_pass,
    pass_page,
    request_data,
    sign_in_citizen,
)

# Fixtures shared with the other citizen pass tests; pytest finds them by name in this module.
SHARED_FIXTURES = (
    _fresh_cache,
    approval_required,
    borough_official,
    citizen,
    citizen_client,
    engineer,
    request_data,
)

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
Data = Callable[..., dict[str, str]]


def assert_nothing_created() -> None:
    assert not GatePass.objects.exists()
    assert not Visitor.objects.exists()
    assert not OutboundMessage.objects.filter(template_key="pass_issued").exists()


def test_a_citizen_who_is_not_signed_in_is_sent_to_verify_the_mobile_first(client: Client) -> None:
    response = client.get(REQUEST)

    assert response.status_code == 302
    assert response["Location"] == "/citizen/?next=%2Fpasses%2Frequest%2F"


@time_machine.travel(T0, tick=False)
def test_the_form_starts_at_now_for_four_hours_with_the_name_of_the_last_visit(
    client: Client, citizen: Citizen, hq: Office, engineer: Official
) -> None:
    citizen_client = sign_in_citizen(client, citizen)
    get_or_create_visitor(mobile=MOBILE, name="Anita Sen", verified=True)

    body = citizen_client.get(REQUEST).content.decode()

    assert 'value="2026-12-01T10:00"' in body
    assert 'value="2026-12-01T14:00"' in body
    assert 'value="Anita Sen"' in body
    assert "KMC Headquarters" in body
    assert CONSENT_NOTICE_VERSION in body


def test_choosing_an_office_offers_its_officials_and_departments_only(
    citizen_client: Client,
    hq: Office,
    engineer: Official,
    borough_official: Official,
) -> None:
    response = citizen_client.get(REQUEST, {"office": hq.code}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert 'id="host-field"' in body and "<html" not in body
    assert f"official:{engineer.code}" in body and "Sudipta Roy" in body
    assert "department:WS" in body
    assert borough_official.code not in body


def test_an_official_who_does_not_receive_visitors_is_not_offered(
    citizen_client: Client, hq: Office, engineer: Official
) -> None:
    Official.objects.filter(pk=engineer.pk).update(accepts_visitors=False)

    body = citizen_client.get(REQUEST, {"office": hq.code}, HTTP_HX_REQUEST="true").content.decode()

    assert engineer.code not in body


@time_machine.travel(T0)
def test_a_citizen_gets_an_issued_pass_sent_by_sms_and_whatsapp(
    client: Client, citizen: Citizen, request_data: Data, engineer: Official
) -> None:
    citizen_client = sign_in_citizen(client, citizen)
    response = citizen_client.post(REQUEST, request_data())

    gate_pass = only_pass()
    assert response.status_code == 302
    assert response["Location"] == pass_page(gate_pass.code)
    assert gate_pass.state == GatePass.State.ISSUED
    assert gate_pass.channel == GatePass.Channel.WEB
    assert gate_pass.kind == GatePass.Kind.SINGLE
    assert gate_pass.host_official == engineer
    assert gate_pass.visitor.mobile == MOBILE
    assert gate_pass.visitor.mobile_verified_at is not None
    assert gate_pass.valid_until - gate_pass.valid_from == timedelta(hours=4)
    messages = OutboundMessage.objects.filter(template_key="pass_issued").order_by("channel")
    assert [m.channel for m in messages] == ["sms", "whatsapp"]
    link = citizen_actions.pass_url(gate_pass)
    for message in messages:
        assert message.recipient == MOBILE
        assert message.language == "en"
        assert gate_pass.code in message.body and link in message.body
        assert "01-12-2026 14:00" in message.body
    page = citizen_client.get(response["Location"]).content.decode()
    assert "Your pass is ready." in page


@time_machine.travel(T0, tick=False)
def test_the_consent_to_the_privacy_notice_is_recorded_with_its_version_and_time(
    client: Client, citizen: Citizen, request_data: Data
) -> None:
    citizen_client = sign_in_citizen(client, citizen)
    citizen_client.post(REQUEST, request_data())

    visitor = Visitor.objects.get()
    assert visitor.consent_notice_version == CONSENT_NOTICE_VERSION
    assert visitor.consent_at == T0
    assert AuditRecord.objects.filter(action="passes.visitor_consented").count() == 1
    assert AuditRecord.objects.filter(action="passes.pass_issued").count() == 1


def test_the_messages_go_in_the_language_the_citizen_uses(
    citizen_client: Client, request_data: Data
) -> None:
    citizen_client.cookies["django_language"] = "bn"

    citizen_client.post(REQUEST, request_data())

    messages = OutboundMessage.objects.filter(template_key="pass_issued")
    assert {m.language for m in messages} == {"bn"}
    assert {m.channel for m in messages} == {"sms", "whatsapp"}
    assert all("গেট পাস" in m.body for m in messages)
    assert Visitor.objects.get().language == "bn"


def test_a_pass_to_a_department_needs_no_named_official(
    citizen_client: Client, request_data: Data, water: Department
) -> None:
    citizen_client.post(REQUEST, request_data(host="department:WS"))

    gate_pass = only_pass()
    assert gate_pass.host_official is None
    assert gate_pass.host_department == water


def test_a_visit_over_two_days_is_a_multi_day_pass(
    citizen_client: Client, request_data: Data
) -> None:
    start = datetime.now(ZoneInfo("Asia/Kolkata")) + timedelta(days=1)

    citizen_client.post(
        REQUEST,
        request_data(valid_from=local(start), valid_until=local(start + timedelta(days=2))),
    )

    assert only_pass().kind == GatePass.Kind.MULTI_DAY


def test_where_the_host_approves_the_pass_waits_and_the_citizen_is_told(
    citizen_client: Client, request_data: Data, approval_required: PassPolicy
) -> None:
    response = citizen_client.post(REQUEST, request_data(), follow=True)

    gate_pass = only_pass()
    body = response.content.decode()
    assert gate_pass.state == GatePass.State.PENDING
    assert "Your request has gone to the host for approval." in body
    assert 'data-testid="pass-pending"' in body
    assert 'data-testid="pass-qr"' not in body
    assert not OutboundMessage.objects.filter(template_key="pass_issued").exists()


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        (
            {"valid_from": "2020-01-01T10:00", "valid_until": "2020-01-01T12:00"},
            "The visit cannot start in the past.",
        ),
        ({"consent": ""}, "Agree to the privacy notice to get a pass."),
        ({"purpose": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"host": ""}, "Choose the official or the department to visit."),
        ({"host": "official:NOSUCHCODE"}, "That official is not receiving visitors."),
        ({"host": "department:NOPE"}, "That department does not receive visitors here."),
    ],
)
def test_a_bad_request_is_explained_and_creates_nothing(
    citizen_client: Client, request_data: Data, changes: dict[str, str], field_message: str
) -> None:
    response = citizen_client.post(REQUEST, request_data(**changes))

    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert_nothing_created()


def test_an_official_of_another_office_is_refused_by_name(
    citizen_client: Client, request_data: Data, borough_official: Official
) -> None:
    response = citizen_client.post(REQUEST, request_data(host=f"official:{borough_official.code}"))

    assert "That official does not sit in this office." in response.content.decode()
    assert_nothing_created()


@time_machine.travel(T0, tick=False)
def test_a_window_longer_than_the_limit_is_refused(
    client: Client, citizen: Citizen, request_data: Data, settings: Any
) -> None:
    citizen_client = sign_in_citizen(client, citizen)
    settings.PASS_MAX_DAYS = 3

    response = citizen_client.post(
        REQUEST, request_data(valid_from="2026-12-01T10:00", valid_until="2026-12-04T10:01")
    )

    assert "A pass can cover at most 3 days." in response.content.decode()
    assert_nothing_created()


@time_machine.travel(T0, tick=False)
def test_a_visit_too_far_ahead_is_refused(
    client: Client, citizen: Citizen, request_data: Data, settings: Any
) -> None:
    citizen_client = sign_in_citizen(client, citizen)
    settings.PASS_MAX_DAYS = 3

    response = citizen_client.post(
        REQUEST, request_data(valid_from="2026-12-05T10:00", valid_until="2026-12-05T12:00")
    )

    assert "You can ask for a pass at most 3 days ahead." in response.content.decode()
    assert_nothing_created()


@time_machine.travel(T0, tick=False)
def test_a_visit_that_ends_before_it_starts_is_refused(
    client: Client, citizen: Citizen, request_data: Data
) -> None:
    citizen_client = sign_in_citizen(client, citizen)
    response = citizen_client.post(
        REQUEST, request_data(valid_from="2026-12-01T12:00", valid_until="2026-12-01T11:00")
    )

    assert "The visit must end after it starts." in response.content.decode()
    assert_nothing_created()


def test_an_office_closed_to_visitors_cannot_be_chosen(
    citizen_client: Client, request_data: Data, hq: Office
) -> None:
    Office.objects.filter(pk=hq.pk).update(active=False)

    response = citizen_client.post(REQUEST, request_data())

    assert "Select a valid choice." in response.content.decode()
    assert_nothing_created()


def test_the_daily_limit_of_web_passes_is_explained_and_nothing_more_is_issued(
    citizen_client: Client, request_data: Data
) -> None:
    for _ in range(citizen_actions.WEB_PASSES_PER_DAY):
        assert citizen_client.post(REQUEST, request_data()).status_code == 302

    response = citizen_client.post(REQUEST, request_data())

    assert response.status_code == 429
    assert "the most we allow. Please try again tomorrow" in response.content.decode()
    assert GatePass.objects.count() == citizen_actions.WEB_PASSES_PER_DAY


def test_the_daily_limit_frees_up_after_a_day(
    client: Client, citizen: Citizen, request_data: Data
) -> None:
    with time_machine.travel(T0):
        sign_in_citizen(client, citizen)
        for _ in range(citizen_actions.WEB_PASSES_PER_DAY):
            client.post(REQUEST, request_data())

    with time_machine.travel(T0 + timedelta(days=1, minutes=1)):
        sign_in_citizen(client, citizen)
        response = client.post(REQUEST, request_data())

    assert response.status_code == 302
    assert GatePass.objects.count() == citizen_actions.WEB_PASSES_PER_DAY + 1
