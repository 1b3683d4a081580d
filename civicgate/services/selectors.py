"""Reads of service requests, each one checking who asks.

Department staff see their own department's requests in the offices given to them; the head
of a department also sees what was escalated to them. Citizens see their own requests in full
and anyone else's by number, status only.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from civicgate.accounts.access import has_role, scope_to_offices
from civicgate.accounts.models import Citizen
from civicgate.accounts.roles import Role
from civicgate.org.models import Employee
from civicgate.services.models import RequestEvent, Service, ServiceRequest
from civicgate.services.tracking import normalise_number

PAGE_SIZE = 25
STAFF_ROLES = (Role.DEPARTMENT_STAFF,)


def staff_employee(user: Any) -> Employee | None:
    """The department staff member's employee record, or None (then they see nothing)."""
    if not has_role(user, *STAFF_ROLES) or not getattr(user, "employee_id", None):
        return None
    cached: Employee | None = getattr(user, "_services_employee", None)
    if cached is None:
        cached = (
            Employee.objects.select_related("department")
            .filter(pk=user.employee_id, active=True)
            .first()
        )
        user._services_employee = cached
    return cached


def staff_requests(user: Any) -> QuerySet[ServiceRequest]:
    """The requests this staff user may see: their department, their offices."""
    employee = staff_employee(user)
    if employee is None:
        return ServiceRequest.objects.none()
    queryset = ServiceRequest.objects.filter(department_id=employee.department_id)
    return scope_to_offices(queryset, user)


def staff_request(user: Any, number: str) -> ServiceRequest:
    """One request for a staff screen, or 404 (never telling whether it exists elsewhere)."""
    found = (
        staff_requests(user)
        .select_related("service", "office", "assigned_to", "escalated_to", "department")
        .filter(number=normalise_number(number))
        .first()
    )
    if found is None:
        found = escalated_request(user, number)
    if found is None:
        raise Http404
    return found


def escalated_request(user: Any, number: str) -> ServiceRequest | None:
    employee = staff_employee(user)
    if employee is None:
        return None
    return (
        ServiceRequest.objects.select_related(
            "service", "office", "assigned_to", "escalated_to", "department"
        )
        .filter(number=normalise_number(number), escalated_to=employee)
        .first()
    )


def can_act(user: Any, sr: ServiceRequest) -> bool:
    """Staff of the request's department (and office), or the head it was escalated to."""
    employee = staff_employee(user)
    if employee is None:
        return False
    if sr.escalated_to_id == employee.pk:
        return True
    return staff_requests(user).filter(pk=sr.pk).exists()


def require_act(user: Any, sr: ServiceRequest) -> None:
    if not can_act(user, sr):
        raise PermissionDenied


@dataclass
class InboxFilters:
    state: str = "open"
    ward: int | None = None
    service: str = ""
    assigned: str = ""
    overdue: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, data: Any) -> "InboxFilters":
        def number(name: str, low: int, high: int) -> int | None:
            try:
                value = int(data.get(name, ""))
            except (TypeError, ValueError):
                return None
            return value if low <= value <= high else None

        state = data.get("state", "open") or "open"
        if state not in {"open", "all", *ServiceRequest.State.values}:
            state = "open"
        return cls(
            state=state,
            ward=number("ward", 1, 144),
            service=(data.get("service") or "")[:60],
            assigned=(data.get("assigned") or "")[:12],
            overdue=data.get("overdue") in ("1", "on", "true"),
            q=(data.get("q") or "").strip()[:100],
            page=number("page", 1, 10_000) or 1,
        )


@dataclass
class InboxPage:
    rows: list[ServiceRequest]
    filters: InboxFilters
    has_next: bool
    now: datetime = field(default_factory=timezone.now)


def inbox(user: Any, filters: InboxFilters, *, page_size: int = PAGE_SIZE) -> InboxPage:
    """One page of the department's queue, newest first; one query for the rows.

    No count of all matching rows: over a large queue a count costs more than the page, and
    "next page" is known by asking for one row more.
    """
    queryset = staff_requests(user)
    employee = staff_employee(user)
    now = timezone.now()
    if filters.state == "open":
        queryset = queryset.filter(state__in=ServiceRequest.OPEN_STATES)
    elif filters.state != "all":
        queryset = queryset.filter(state=filters.state)
    if filters.ward:
        queryset = queryset.filter(ward=filters.ward)
    if filters.service:
        queryset = queryset.filter(service__slug=filters.service)
    if filters.assigned == "me" and employee is not None:
        queryset = queryset.filter(assigned_to=employee)
    elif filters.assigned == "none":
        queryset = queryset.filter(assigned_to__isnull=True)
    elif filters.assigned:
        queryset = queryset.filter(assigned_to__code=filters.assigned)
    if filters.overdue:
        queryset = queryset.filter(state__in=ServiceRequest.OPEN_STATES, due_at__lt=now)
    if filters.q:
        number = normalise_number(filters.q)
        if number:
            queryset = queryset.filter(number=number)
        else:
            queryset = queryset.filter(
                Q(description__icontains=filters.q) | Q(address__icontains=filters.q)
            )
    start = (filters.page - 1) * page_size
    rows = list(
        queryset.select_related("service", "assigned_to", "office")
        .defer("details", "description", "mobile", "service__details")
        .order_by("-created_at", "-id")[start : start + page_size + 1]
    )
    return InboxPage(
        rows=rows[:page_size], filters=filters, has_next=len(rows) > page_size, now=now
    )


def department_services(user: Any) -> list[Service]:
    employee = staff_employee(user)
    if employee is None:
        return []
    return list(
        Service.objects.filter(department_id=employee.department_id).only(
            "slug", "name_en", "name_bn", "name_hi"
        )
    )


def assignable_employees(sr: ServiceRequest) -> QuerySet[Employee]:
    return Employee.objects.filter(department_id=sr.department_id, active=True).order_by("name")


def escalations_for(user: Any, *, limit: int = 100) -> list[ServiceRequest]:
    """Requests escalated to this user as head of department, still open, oldest deadline first."""
    employee = staff_employee(user)
    if employee is None:
        return []
    return list(
        ServiceRequest.objects.filter(escalated_to=employee, state__in=ServiceRequest.OPEN_STATES)
        .select_related("service", "assigned_to", "office")
        .order_by("due_at", "id")[:limit]
    )


def timeline(sr: ServiceRequest, *, public_only: bool) -> list[RequestEvent]:
    events = sr.events.all()
    if public_only:
        events = events.filter(public=True)
    return list(events)


def assigned_to(employee: Employee, day: date) -> QuerySet[ServiceRequest]:
    """The field visits of employee on day: the requests assigned to them for that day.

    For the work diary: each row has the place (ward, address, latitude/longitude), the
    service and the state, so a visit can be planned and later shown as done.
    """
    return (
        ServiceRequest.objects.filter(assigned_to=employee, visit_on=day)
        .select_related("service", "office")
        .order_by("ward", "created_at")
    )


# Citizens


def requests_of(citizen: Citizen) -> QuerySet[ServiceRequest]:
    return (
        ServiceRequest.objects.filter(mobile_index=citizen.mobile_index)
        .select_related("service")
        .order_by("-created_at", "-id")
    )


def citizen_request(citizen: Citizen, number: str) -> ServiceRequest:
    found = requests_of(citizen).filter(number=normalise_number(number)).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class TrackedRequest:
    """What anyone with the number may know: the status, never who filed it or where."""

    number: str
    service: str
    state: str
    state_label: str
    submitted_at: datetime
    updated_at: datetime
    due_at: datetime | None
    resolved_at: datetime | None


def track(number: str) -> TrackedRequest | None:
    """The status of any request by its tracking number (one indexed query), or None."""
    normal = normalise_number(number)
    if not normal:
        return None
    row = (
        ServiceRequest.objects.filter(number=normal)
        .values_list(
            "number",
            "service__name_en",
            "service__name_bn",
            "service__name_hi",
            "state",
            "created_at",
            "updated_at",
            "due_at",
            "resolved_at",
        )
        .first()
    )
    if row is None:
        return None
    from django.utils.translation import get_language

    names = {"en": row[1], "bn": row[2], "hi": row[3]}
    language = (get_language() or "en")[:2]
    return TrackedRequest(
        number=row[0],
        service=names.get(language) or row[1],
        state=row[4],
        state_label=str(ServiceRequest.State(row[4]).label),
        submitted_at=row[5],
        updated_at=row[6],
        due_at=row[7],
        resolved_at=row[8],
    )
