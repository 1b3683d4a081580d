"""In a real browser: tracking and dues without signing in, the head's escalations, the import
screen's dry run, and a plan's status moved by Building staff."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.conftest import sign_in
from civicgate.org.models import Department, Employee, Office
from civicgate.services.escalation import escalate_overdue
from civicgate.services.import_actions import import_records
from civicgate.services.models import Assessment, PlanApplication, ServiceRequest
from civicgate.services.tests.test_imports import ASSESSMENTS, BAD_ASSESSMENTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_anyone_tracks_a_request_and_sees_dues_on_a_phone(
    live_server: Any, page: Any, file_request: Callable[..., ServiceRequest]
) -> None:
    sr = file_request()
    import_records(ASSESSMENTS.encode(), "roll.csv", "assessments", actor="t")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/citizen/services/track/")
    page.fill("#id_number", sr.number.lower().replace("-", " "))
    page.click("[data-testid=track-form] button[type=submit]")
    assert page.inner_text("[data-testid=track-state]") == "Submitted"
    assert "Lake Place" not in page.inner_text("main")
    page.goto(f"{live_server.url}/citizen/services/property-tax/")
    page.fill("#id_number", "110010100011")
    page.click("[data-testid=lookup-form] button[type=submit]")
    assert page.inner_text("[data-testid=total-due]") == "₹ 4200.00"
    assert (
        page.get_attribute("[data-testid=pay-link]", "href") == "https://www.kmcgov.in/KMCPortal/"
    )
    assert page.is_visible("[data-testid=status-only]")
    assert "Anirban" not in page.inner_text("main")


def test_the_head_opens_an_escalated_request_from_their_screen(
    live_server: Any, page: Any, file_request: Callable[..., ServiceRequest], head_user: User
) -> None:
    sr = file_request()
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        assert escalate_overdue() == 1
    sign_in(page, live_server.url, head_user.username)
    page.goto(f"{live_server.url}/services/")
    page.click("[data-testid=escalations-link]")
    row = page.locator("[data-testid=escalation-row]")
    assert row.count() == 1 and sr.number in row.inner_text()
    page.click(f"text={sr.number}")
    page.wait_for_url(re.compile(rf".*/services/r/{sr.number}/$"))
    assert page.is_visible("[data-testid=event-escalated]")


def test_an_assessment_clerk_sees_bad_rows_then_imports_a_clean_file(
    live_server: Any,
    page: Any,
    tmp_path: Any,
    make_user: Callable[..., User],
    make_employee: Callable[..., Employee],
    hq: Office,
) -> None:
    department = Department.objects.create(code="AC", name="Assessment-Collection")
    clerk = make_user(
        "acclerk",
        Role.DEPARTMENT_STAFF,
        offices=[hq],
        employee=make_employee(department=department),
    )
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(BAD_ASSESSMENTS)
    good.write_text(ASSESSMENTS)
    sign_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/services/import/")
    page.set_input_files("#id_file", str(bad))
    page.click("[data-testid=import-form] button[type=submit]")
    errors = page.inner_text("[data-testid=import-errors]")
    assert "owner_name is missing." in errors and "repeated: first in row 2" in errors
    assert not Assessment.objects.exists()
    page.goto(f"{live_server.url}/services/import/")
    page.set_input_files("#id_file", str(good))
    page.click("[data-testid=import-form] button[type=submit]")
    page.click("[data-testid=import-confirm]")
    assert "Imported good.csv: 2 new" in page.inner_text(".messages")
    assert Assessment.objects.count() == 2


def test_building_staff_move_a_plan_to_sanctioned(
    live_server: Any,
    page: Any,
    make_user: Callable[..., User],
    make_employee: Callable[..., Employee],
    hq: Office,
) -> None:
    building = Department.objects.create(code="BLD", name="Building")
    clerk = make_user(
        "bldclerk", Role.DEPARTMENT_STAFF, offices=[hq], employee=make_employee(department=building)
    )
    import_records(
        b"number,applicant_name,premises,ward,submitted_on,status\n"
        b"2026070012,Anirban Mukherjee,12 Lake Place,85,2026-07-01,scrutiny\n",
        "p.csv",
        "plans",
        actor="t",
    )
    sign_in(page, live_server.url, clerk.username)
    page.goto(f"{live_server.url}/services/records/?number=2026070012")
    page.select_option("#id_status", "sanctioned")
    page.fill("#id_note", "Sanction letter issued")
    page.click("[data-testid=status-form] button[type=submit]")
    assert page.inner_text("[data-testid=record-status]") == "Sanctioned"
    assert PlanApplication.objects.get().status == "sanctioned"
