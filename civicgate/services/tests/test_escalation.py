"""Overdue requests escalate to the department head, exactly once, and show on their screen."""

from collections.abc import Callable
from datetime import timedelta

import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.audit.models import AuditRecord
from civicgate.notify.models import OutboundMessage
from civicgate.org.models import Employee
from civicgate.services import actions
from civicgate.services.escalation import escalate_overdue
from civicgate.services.models import RequestEvent, ServiceRequest


def test_an_overdue_request_escalates_to_the_head_once(
    file_request: Callable[..., ServiceRequest],
    head: Employee,
    engineer: Employee,
    fitter: Employee,
    water_staff: User,
) -> None:
    # Given a no-water complaint (24 hours) and a leakage filed later, one assigned
    late = file_request()
    actions.assign_request(late, fitter, actor=water_staff)
    on_time = file_request(service="ws-low-pressure")  # 48 hours
    # When the worker runs 25 hours later, twice
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        assert escalate_overdue() == 1
        assert escalate_overdue() == 0
    # Then only the overdue one is escalated, to the head, with one message and one audit record
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.escalated_to == head and late.escalated_at is not None
    assert on_time.escalated_at is None
    assert RequestEvent.objects.filter(request=late, kind="escalated", public=False).count() == 1
    assert AuditRecord.objects.filter(action="services.request_escalated").count() == 1
    message = OutboundMessage.objects.get(template_key="service_request_escalated")
    assert message.recipient == head.mobile and late.number in message.body


def test_a_resolved_request_does_not_escalate(
    file_request: Callable[..., ServiceRequest], fitter: Employee, water_staff: User, head: Employee
) -> None:
    sr = file_request()
    sr = actions.assign_request(sr, fitter, actor=water_staff)
    actions.resolve_request(sr, actor=water_staff, note="done")
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        call_command("escalate_overdue_requests")
    sr.refresh_from_db()
    assert sr.escalated_at is None


def test_the_head_sees_escalations_and_a_clerk_does_not(
    client: Client,
    file_request: Callable[..., ServiceRequest],
    head_user: User,
    water_staff: User,
) -> None:
    sr = file_request()
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        escalate_overdue()
        client.force_login(head_user)
        page = client.get("/services/escalations/")
        assert page.status_code == 200
        assert sr.number in page.content.decode()
        inbox = client.get("/services/")
        assert 'data-testid="escalations-link"' in inbox.content.decode()
        assert 'data-testid="overdue"' in inbox.content.decode()
        client.force_login(water_staff)
        page = client.get("/services/escalations/")
        assert sr.number not in page.content.decode()
        assert "escalations-link" not in client.get("/services/").content.decode()


def test_the_escalations_screen_costs_the_same_queries_for_one_or_many(
    client: Client,
    file_request: Callable[..., ServiceRequest],
    head_user: User,
    django_assert_max_num_queries: object,
) -> None:
    file_request()
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        escalate_overdue()
        client.force_login(head_user)
        client.get("/services/escalations/")
        with django_assert_max_num_queries(7):  # type: ignore[operator]
            one = client.get("/services/escalations/")
    for _n in range(12):
        file_request()
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        escalate_overdue()
        with django_assert_max_num_queries(7):  # type: ignore[operator]
            many = client.get("/services/escalations/")
    assert one.content.decode().count('data-testid="escalation-row"') == 1
    assert many.content.decode().count('data-testid="escalation-row"') == 13
