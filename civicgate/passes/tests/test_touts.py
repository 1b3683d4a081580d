"""Tout detection: each rule flags a seeded tout, and nobody at or below its threshold."""

from collections.abc import Callable
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from civicgate.org.models import Department, Office, Official
from civicgate.passes.models import GatePass, SecurityAlert, ToutFlag, Visitor
from civicgate.passes.tests.test_security_support import (
    audits,
    give_pass,
    hq_security,
    visitor,
)
from civicgate.passes.touts import check_visitor, detect_touts, dismiss_flag

# Fixtures shared with the other security tests; pytest finds them by name in this module.
SHARED_FIXTURES = (hq_security,)

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Kolkata"))


@pytest.fixture(autouse=True)
def thresholds(settings: object) -> None:
    settings.TOUT_MAX_PASSES_PER_WEEK = 3  # type: ignore[attr-defined]
    settings.TOUT_MAX_HOSTS = 2  # type: ignore[attr-defined]
    settings.TOUT_WINDOW_DAYS = 30  # type: ignore[attr-defined]


@pytest.fixture
def departments(db: object) -> list[Department]:
    return [
        Department.objects.create(code=code, name=name)
        for code, name in [
            ("AC", "Assessment-Collection"),
            ("BD", "Building"),
            ("LI", "License"),
            ("HE", "Health"),
        ]
    ]


def passes_on_days(
    who: Visitor, office: Office, department: Department, days: list[int]
) -> list[GatePass]:
    """One pass issued on each of the given days after MONDAY."""
    issued = []
    for day in days:
        with time_machine.travel(MONDAY + timedelta(days=day), tick=False):
            issued.append(give_pass(who, office, department=department))
    return issued


def test_more_passes_in_a_week_than_allowed_flags_the_visitor_with_counts_and_codes(
    hq: Office, water: Department
) -> None:
    # given: four passes in four days (limit 3) for one visitor; three for another
    tout = visitor("Ratan Mitra", "+919830055555")
    issued = passes_on_days(tout, hq, water, [0, 1, 2, 3])
    passes_on_days(visitor("Anita Sen", "+919830012345"), hq, water, [0, 1, 2])

    # when
    with time_machine.travel(MONDAY + timedelta(days=3, hours=1), tick=False):
        flags = detect_touts()

    # then
    [flag] = flags
    assert flag.visitor == tout
    assert flag.rule == ToutFlag.Rule.MANY_PASSES
    assert flag.details["passes"] == 4
    assert flag.details["limit"] == 3
    assert flag.details["pass_codes"] == [p.code for p in issued]
    assert flag.details["offices"] == ["HQ"]
    [alert] = SecurityAlert.objects.filter(kind="tout")
    assert alert.visitor == tout
    assert alert.office == hq
    assert "4 passes in 7 days" in alert.message
    assert audits("passes.tout_flagged")[0].data["rule"] == "many_passes"


def test_passes_older_than_a_week_or_rejected_do_not_count(hq: Office, water: Department) -> None:
    tout = visitor("Ratan Mitra", "+919830055555")
    passes_on_days(tout, hq, water, [0, 8, 9])
    refused = passes_on_days(tout, hq, water, [10])[0]
    GatePass.objects.filter(pk=refused.pk).update(state=GatePass.State.REJECTED)

    with time_machine.travel(MONDAY + timedelta(days=10, hours=1), tick=False):
        assert detect_touts() == []


def test_passes_to_more_different_hosts_than_allowed_flags_the_visitor(
    hq: Office,
    borough: Office,
    departments: list[Department],
    make_official: Callable[..., Official],
) -> None:
    # given: over three weeks, passes to an official, two departments, and a borough department
    tout = visitor("Ratan Mitra", "+919830055555")
    engineer = make_official(department=departments[1])
    with time_machine.travel(MONDAY, tick=False):
        give_pass(tout, hq, official=engineer)
    passes_on_days(tout, hq, departments[0], [8])
    passes_on_days(tout, hq, departments[0], [9])
    passes_on_days(tout, borough, departments[2], [20])
    # and someone who saw exactly two hosts (the limit) many times over several weeks
    regular = visitor("Anita Sen", "+919830012345")
    passes_on_days(regular, hq, departments[0], [0, 7, 14])
    passes_on_days(regular, hq, departments[1], [15])

    # when
    with time_machine.travel(MONDAY + timedelta(days=21), tick=False):
        flags = detect_touts()

    # then
    [flag] = flags
    assert flag.visitor == tout
    assert flag.rule == ToutFlag.Rule.MANY_HOSTS
    assert flag.details["hosts"] == 3
    assert flag.details["officials"] == 1
    assert flag.details["days"] == 30
    assert flag.details["offices"] == ["BR-07", "HQ"]
    assert len(flag.details["pass_codes"]) == 4
    assert "License" in flag.details["host_names"]
    assert "3 different hosts in 30 days" in SecurityAlert.objects.get(kind="tout").message


def test_two_officials_of_one_department_are_two_hosts(
    hq: Office, departments: list[Department], make_official: Callable[..., Official]
) -> None:
    tout = visitor("Ratan Mitra", "+919830055555")
    for n in range(3):
        with time_machine.travel(MONDAY + timedelta(days=n * 3), tick=False):
            give_pass(tout, hq, official=make_official(department=departments[0]))

    with time_machine.travel(MONDAY + timedelta(days=7), tick=False):
        [flag] = detect_touts()

    assert flag.rule == ToutFlag.Rule.MANY_HOSTS
    assert flag.details["departments"] == 1


def test_a_visitor_keeps_one_open_flag_per_rule_however_often_the_job_runs(
    hq: Office, water: Department, departments: list[Department]
) -> None:
    tout = visitor("Ratan Mitra", "+919830055555")
    passes_on_days(tout, hq, water, [0, 1])
    passes_on_days(tout, hq, departments[0], [2])
    passes_on_days(tout, hq, departments[1], [3])

    with time_machine.travel(MONDAY + timedelta(days=3, hours=1), tick=False):
        first = detect_touts()
        second = detect_touts()
        passes_on_days(tout, hq, water, [3])
        third = detect_touts()

    assert sorted(f.rule for f in first) == ["many_hosts", "many_passes"]
    assert second == third == []
    assert ToutFlag.objects.filter(visitor=tout, state="open").count() == 2
    assert SecurityAlert.objects.filter(kind="tout").count() == 2


def test_a_dismissed_flag_returns_only_when_new_passes_break_the_rule_again(
    hq: Office, water: Department, hq_security: object
) -> None:
    tout = visitor("Ratan Mitra", "+919830055555")
    passes_on_days(tout, hq, water, [0, 1, 2, 3])
    with time_machine.travel(MONDAY + timedelta(days=3, hours=1), tick=False):
        [flag] = detect_touts()
        dismiss_flag(flag, actor=hq_security, note="Runs the ward's water committee")
        assert detect_touts() == []

    passes_on_days(tout, hq, water, [4])
    with time_machine.travel(MONDAY + timedelta(days=4, hours=1), tick=False):
        [again] = detect_touts()

    assert again.rule == ToutFlag.Rule.MANY_PASSES
    assert again.details["passes"] == 5


def test_check_visitor_looks_at_that_visitor_only(hq: Office, water: Department) -> None:
    tout = visitor("Ratan Mitra", "+919830055555")
    other = visitor("Bikash Roy", "+919830055556")
    passes_on_days(tout, hq, water, [0, 1, 2, 3])
    passes_on_days(other, hq, water, [0, 1, 2, 3])

    with time_machine.travel(MONDAY + timedelta(days=3, hours=1), tick=False):
        flags = check_visitor(tout)

    assert [f.visitor for f in flags] == [tout]
    assert not ToutFlag.objects.filter(visitor=other).exists()


def test_the_detect_touts_command_raises_the_flags_and_says_how_many(
    hq: Office, water: Department
) -> None:
    tout = visitor("Ratan Mitra", "+919830055555")
    passes_on_days(tout, hq, water, [0, 1, 2, 3])
    out = StringIO()

    with time_machine.travel(MONDAY + timedelta(days=3, hours=1), tick=False):
        call_command("detect_touts", stdout=out)

    assert "Raised 1 new tout flag(s)." in out.getvalue()
    assert ToutFlag.objects.get().visitor == tout


def test_check_visitor_flags_a_visitor_over_the_hosts_limit(
    hq: Office, departments: list[Department]
) -> None:
    # given: passes to three departments (limit 2) in three days, under the weekly pass limit
    tout = visitor("Ratan Mitra", "+919830055555")
    for day, department in enumerate(departments[:3]):
        passes_on_days(tout, hq, department, [day])

    # when
    with time_machine.travel(MONDAY + timedelta(days=2, hours=1), tick=False):
        flags = check_visitor(tout)

    # then
    [flag] = flags
    assert flag.rule == ToutFlag.Rule.MANY_HOSTS
    assert flag.details["hosts"] == 3


def test_check_visitor_costs_one_query_for_a_visitor_within_the_limits(
    hq: Office, departments: list[Department], django_assert_num_queries: Any
) -> None:
    # given: three passes in a week (limit 3) to two departments (limit 2), and two passes
    # a month ago (outside both windows) to two other departments
    usual = visitor("Anita Sen", "+919830012345")
    passes_on_days(usual, hq, departments[2], [-40])
    passes_on_days(usual, hq, departments[3], [-35])
    passes_on_days(usual, hq, departments[0], [0, 1])
    passes_on_days(usual, hq, departments[1], [2])

    # when
    with (
        time_machine.travel(MONDAY + timedelta(days=2, hours=1), tick=False),
        django_assert_num_queries(1),
    ):
        flags = check_visitor(usual)

    # then
    assert flags == []
    assert not ToutFlag.objects.exists()
