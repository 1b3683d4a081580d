"""The demo data: the same organisation, logins and devices however often it is loaded."""

from typing import Any

import pytest
from django.core.management import call_command

from civicgate.accounts.models import User
from civicgate.audit.models import AuditRecord
from civicgate.devices.models import Device
from civicgate.org.demo import DEMO_PASSWORD
from civicgate.org.models import Department, Employee, Gate, Office, Official
from civicgate.org.selectors import team_ids

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "offices": Office.objects.count(),
        "gates": Gate.objects.count(),
        "departments": Department.objects.count(),
        "employees": Employee.objects.count(),
        "officials": Official.objects.count(),
        "hq_devices": Device.objects.filter(office__code="HQ").count(),
        "demo_users": User.objects.filter(username__startswith="demo_").count(),
    }


def test_seeding_twice_gives_the_same_organisation(capsys: Any) -> None:
    call_command("seed_demo")
    first = counts()
    snapshot = sorted(
        Employee.objects.values_list(
            "staff_number", "name", "card_number", "supervisor__staff_number"
        )
    )
    audit_after_first = AuditRecord.objects.count()

    call_command("seed_demo")

    assert counts() == first
    assert first["employees"] == 200 and first["officials"] == 20
    assert first["hq_devices"] == 8 and first["demo_users"] == 7
    assert first["offices"] == 4 and Gate.objects.filter(office__code="HQ").count() == 4
    assert (
        sorted(
            Employee.objects.values_list(
                "staff_number", "name", "card_number", "supervisor__staff_number"
            )
        )
        == snapshot
    )
    assert AuditRecord.objects.count() == audit_after_first
    out = capsys.readouterr().out
    assert "nothing changed" in out
    assert f"demo_guard        {DEMO_PASSWORD}" in out
    assert "TOTP" in out


def test_every_demo_login_works_with_the_printed_password() -> None:
    call_command("seed_demo")

    for username in [
        "demo_sysadmin",
        "demo_security",
        "demo_desk",
        "demo_guard",
        "demo_official",
        "demo_supervisor",
        "demo_employee",
    ]:
        user = User.objects.get(username=username)
        assert user.is_active and user.check_password(DEMO_PASSWORD), username


def test_the_demo_guard_and_desk_are_limited_to_headquarters_and_the_supervisor_has_a_team() -> (
    None
):
    call_command("seed_demo")

    for username in ["demo_guard", "demo_desk"]:
        user = User.objects.get(username=username)
        assert not user.all_offices
        assert list(user.offices.values_list("code", flat=True)) == ["HQ"]
    supervisor = User.objects.get(username="demo_supervisor")
    team = team_ids(supervisor.employee)
    assert len(team) >= 3
    assert Employee.objects.filter(pk__in=team, supervisor=supervisor.employee).count() < len(team)
    assert User.objects.get(username="demo_employee").employee_id in team


def test_demo_employees_have_valid_mobiles_and_unique_cards() -> None:
    from civicgate.core.phone import normalize_mobile

    call_command("seed_demo")

    employees = list(Employee.objects.all())
    assert all(normalize_mobile(e.mobile) == e.mobile for e in employees)
    assert len({e.card_number for e in employees}) == 200
    assert Employee.objects.filter(office__code="BR-07").exists()
