"""Reads of the organisation, always through the user's role and offices.

Administrators see the employees of their offices; a supervisor sees the people who report to
them, directly or further down, wherever those people are posted: the organisation chart, not
the office, is what makes them the supervisor's business.
"""

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from civicgate.accounts.access import has_role, offices_for, scope_to_offices
from civicgate.accounts.roles import Role
from civicgate.devices.models import Device
from civicgate.org.models import Employee, Gate, Office, Official

# Deeper than any real chart; stops a corrupted chart from looping for ever.
MAX_CHART_DEPTH = 30


def team_ids(employee: Employee | None) -> list[int]:
    """Ids of everyone reporting to employee, directly or below (one query per level)."""
    if employee is None:
        return []
    found: list[int] = []
    seen = {employee.pk}
    frontier = [employee.pk]
    for _level in range(MAX_CHART_DEPTH):
        frontier = [
            pk
            for pk in Employee.objects.filter(supervisor_id__in=frontier).values_list(
                "pk", flat=True
            )
            if pk not in seen
        ]
        if not frontier:
            break
        seen.update(frontier)
        found.extend(frontier)
    return found


def _employees() -> QuerySet[Employee]:
    return Employee.objects.select_related("department", "office", "supervisor")


def employees_for(user: Any) -> QuerySet[Employee]:
    """The employees user may list: by office for administrators, by team for supervisors."""
    if has_role(user, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        return scope_to_offices(_employees(), user)
    if has_role(user, Role.SUPERVISOR):
        return team_of(user)
    return Employee.objects.none()


def team_of(user: Any) -> QuerySet[Employee]:
    return _employees().filter(pk__in=team_ids(getattr(user, "employee", None)))


def employee_for(user: Any, code: str) -> Employee:
    """One employee by public code, or 404 when it does not exist or is not user's to see."""
    try:
        return employees_for(user).get(code=code)
    except Employee.DoesNotExist:
        raise Http404 from None


def offices_with_counts(user: Any) -> QuerySet[Office]:
    return (
        offices_for(user)
        .annotate(
            gate_count=Count("gates", distinct=True),
            employee_count=Count("employees", distinct=True),
            device_count=Count("devices", distinct=True),
        )
        .prefetch_related(Prefetch("gates", queryset=Gate.objects.order_by("code")))
        .order_by("code")
    )


def officials_for(user: Any) -> QuerySet[Official]:
    queryset = Official.objects.select_related("employee__department", "employee__office")
    return scope_to_offices(queryset, user, field="employee__office")


def gates_for(user: Any) -> QuerySet[Gate]:
    """The gates of user's offices, each with its devices."""
    devices = Device.objects.order_by("name")
    return (
        scope_to_offices(Gate.objects.select_related("office"), user)
        .filter(active=True, office__active=True)
        .prefetch_related(Prefetch("devices", queryset=devices))
        .order_by("office__code", "code")
    )
