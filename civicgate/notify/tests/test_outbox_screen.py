"""The outbox screen for system administrators."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.notify.models import OutboundMessage

pytestmark = pytest.mark.django_db
State = OutboundMessage.State


def message(
    channel: str = "sms", recipient: str = "+919830012345", state: str = State.SENT, **fields: Any
) -> OutboundMessage:
    return OutboundMessage.objects.create(
        channel=channel,
        recipient=recipient,
        template_key=fields.pop("template_key", "otp_code"),
        body="482913 is your CivicGate verification code.",
        next_attempt_at=timezone.now(),
        state=state,
        **fields,
    )


@pytest.fixture
def admin_client(make_user: Callable[..., User], staff_client: Callable[[User], Client]) -> Client:
    return staff_client(make_user("meera", Role.SYSTEM_ADMIN, all_offices=True))


@pytest.mark.parametrize(
    "role", [Role.SECURITY_ADMIN, Role.DESK_OPERATOR, Role.GUARD, Role.EMPLOYEE]
)
def test_staff_who_are_not_system_administrators_are_refused(
    make_user: Callable[..., User], staff_client: Callable[[User], Client], role: str
) -> None:
    message()
    client = staff_client(make_user("someone", role, all_offices=True))

    assert client.get(reverse("notify:outbox")).status_code == 403


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("notify:outbox"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_admin_sees_masked_numbers_and_addresses_but_never_the_text(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    # Given messages on each channel
    message("sms", "+919830012345")
    message("whatsapp", "+919831055555")
    message("email", "ananya.sen@example.com", template_key="pass_issued")

    # When the administrator opens the outbox
    with django_assert_max_num_queries(7):
        response = admin_client.get(reverse("notify:outbox"))

    # Then recipients are masked and the one-time code is nowhere on the page
    page = response.content.decode()
    assert response.status_code == 200
    assert "+91 ******2345" in page
    assert "+91 ******5555" in page
    assert "a***@example.com" in page
    assert "9830012345" not in page
    assert "ananya.sen" not in page
    assert "482913" not in page


def test_the_admin_filters_by_state_and_channel(admin_client: Client) -> None:
    message("sms", "+919830011111", State.FAILED, last_error="SMS gateway answered 400")
    message("whatsapp", "+919830022222", State.FAILED)
    message("sms", "+919830033333", State.SENT)

    page = admin_client.get(
        reverse("notify:outbox"), {"state": "failed", "channel": "sms"}
    ).content.decode()

    assert "******1111" in page
    assert "******2222" not in page
    assert "******3333" not in page
    assert "SMS gateway answered 400" in page


def test_a_bad_filter_is_explained_and_the_list_still_shows(admin_client: Client) -> None:
    message("sms", "+919830011111")
    response = admin_client.get(reverse("notify:outbox"), {"state": "lost"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert "******1111" in page


def test_the_list_is_paginated_fifty_a_page(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    for n in range(55):
        message("sms", f"+9198300{n:05d}")

    with django_assert_max_num_queries(7):
        first = admin_client.get(reverse("notify:outbox")).content.decode()
    second = admin_client.get(reverse("notify:outbox"), {"page": 2}).content.decode()

    assert first.count('data-testid="message-row"') == 50
    assert second.count('data-testid="message-row"') == 5
    assert "Page 1 of 2" in first


def test_an_htmx_filter_gets_only_the_table(admin_client: Client) -> None:
    message("sms", "+919830011111")
    response = admin_client.get(
        reverse("notify:outbox"), {"channel": "sms"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert "******1111" in page
    assert "<html" not in page


def test_retry_now_queues_a_failed_message_again_and_audits_it(admin_client: Client) -> None:
    # Given a message that failed after all its attempts
    failed = message(state=State.FAILED, attempts=6, last_error="SMS gateway answered 503")

    # When the administrator presses "Retry now"
    response = admin_client.post(
        reverse("notify:retry", args=[failed.code]), {"next": "/notify/outbox/?state=failed"}
    )

    # Then it is back in the queue with fresh attempts, and the page says so
    assert response.status_code == 302
    assert response["Location"] == "/notify/outbox/?state=failed"
    failed.refresh_from_db()
    assert failed.state == State.QUEUED
    assert failed.attempts == 0
    assert failed.next_attempt_at <= timezone.now()
    audit = AuditRecord.objects.get(action="notify.message_retried")
    assert audit.object_id == failed.code
    assert audit.actor_label == "meera"
    follow = admin_client.get(response["Location"]).content.decode()
    assert f"Message {failed.code} is queued to be sent again." in follow


def test_retry_now_refuses_a_message_that_has_not_failed(admin_client: Client) -> None:
    sent = message(state=State.SENT)

    response = admin_client.post(reverse("notify:retry", args=[sent.code]), follow=True)

    assert "Only failed messages can be retried" in response.content.decode()
    sent.refresh_from_db()
    assert sent.state == State.SENT
    assert not AuditRecord.objects.filter(action="notify.message_retried").exists()


def test_retry_now_ignores_a_next_address_on_another_site(admin_client: Client) -> None:
    failed = message(state=State.FAILED)
    response = admin_client.post(
        reverse("notify:retry", args=[failed.code]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("notify:outbox")


def test_retry_now_by_htmx_swaps_in_the_updated_row(admin_client: Client) -> None:
    failed = message(state=State.FAILED)
    response = admin_client.post(
        reverse("notify:retry", args=[failed.code]), headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert f'id="message-{failed.code}"' in page
    assert "Queued" in page
    assert "Retry now" not in page


def test_retry_needs_a_post(admin_client: Client) -> None:
    failed = message(state=State.FAILED)
    assert admin_client.get(reverse("notify:retry", args=[failed.code])).status_code == 405


def test_a_security_admin_cannot_retry(
    make_user: Callable[..., User], staff_client: Callable[[User], Client]
) -> None:
    failed = message(state=State.FAILED)
    client = staff_client(make_user("sec", Role.SECURITY_ADMIN, all_offices=True))
    assert client.post(reverse("notify:retry", args=[failed.code])).status_code == 403
    failed.refresh_from_db()
    assert failed.state == State.FAILED


@pytest.mark.browser
def test_an_admin_retries_a_failed_message_in_the_browser(
    live_server: Any,
    page: Any,
    make_user: Callable[..., User],
    staff_client: Callable[[User], Client],
) -> None:
    # Given a failed WhatsApp message, a sent SMS and a signed-in administrator
    failed = message(
        "whatsapp", "+919831055555", State.FAILED, last_error="WhatsApp API answered 400"
    )
    sent = message("sms", "+919830099999", State.SENT)
    client = staff_client(make_user("meera", Role.SYSTEM_ADMIN, all_offices=True))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    # When she opens the outbox, filters failed messages and presses "Retry now"
    page.goto(f"{live_server.url}/notify/outbox/")
    page.select_option("#id_state", "failed")
    page.wait_for_url("**state=failed**")
    page.locator(f"#message-{sent.code}").wait_for(state="detached")
    row = page.locator(f"#message-{failed.code}")
    assert "+91 ******5555" in row.inner_text()
    row.get_by_role("button", name="Retry now").click()

    # Then the row shows the message queued again
    page.locator(f"#message-{failed.code} .badge", has_text="Queued").wait_for()
    failed.refresh_from_db()
    assert failed.state == State.QUEUED
