"""What staff may see and change: the official themself, office staff, administrators."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404

from civicgate.accounts.access import has_role, role_required, scope_to_offices
from civicgate.accounts.roles import Role
from civicgate.appointments.gatepass import with_arrival
from civicgate.appointments.models import Appointment
from civicgate.appointments.selectors.slots import zone
from civicgate.org.models import Employee, Official

# Who manages officials other than themselves, within their offices.
MANAGER_ROLES = (Role.SYSTEM_ADMIN, Role.DEPARTMENT_STAFF)
STAFF_ROLES = (Role.OFFICIAL, *MANAGER_ROLES)
role_required_staff = role_required(*STAFF_ROLES)


def own_official(user: Any) -> Official | None:
    employee = getattr(user, "employee", None)
    if employee is None:
        return None
    return (
        Official.objects.select_related("employee__office", "employee__department")
        .filter(employee=employee)
        .first()
    )


def managed_officials(user: Any) -> QuerySet[Official]:
    """Officials whose appointments and availability user manages.

    An official: themself. Department staff: the officials of their own department in their
    offices (as for the department's service requests). Administrators: every official of
    their offices.
    """
    qs = Official.objects.select_related("employee__office", "employee__department")
    employee_id = getattr(user, "employee_id", None)
    mine = Q(employee__user=user) if employee_id else Q(pk__in=[])
    if has_role(user, Role.SYSTEM_ADMIN):
        scoped = scope_to_offices(qs, user, field="employee__office")
        return qs.filter(mine | Q(pk__in=scoped.values("pk")))
    if has_role(user, Role.DEPARTMENT_STAFF):
        department = (
            Employee.objects.filter(pk=employee_id, active=True).values("department_id")[:1]
            if employee_id
            else Employee.objects.none().values("department_id")
        )
        scoped = scope_to_offices(
            qs.filter(employee__department_id__in=department), user, field="employee__office"
        )
        return qs.filter(mine | Q(pk__in=scoped.values("pk")))
    if has_role(user, Role.OFFICIAL):
        return qs.filter(mine)
    return qs.none()


def official_for(user: Any, code: str) -> Official:
    official = managed_officials(user).filter(code=code).first()
    if official is None:
        raise Http404
    return official


def appointments_for(user: Any) -> QuerySet[Appointment]:
    return Appointment.objects.filter(official__in=managed_officials(user).values("pk"))


def appointment_for(user: Any, code: str) -> Appointment:
    appointment = (
        appointments_for(user)
        .select_related("official__employee__office", "office", "citizen", "gate_pass")
        .filter(code=code)
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


def day_bounds(official: Official, day: date) -> tuple[datetime, datetime]:
    tz = zone(official.employee.office.time_zone)
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def day_view(official: Official, day: date) -> QuerySet[Appointment]:
    """The official's appointments of one day with arrival from the gate, in time order."""
    lo, hi = day_bounds(official, day)
    qs = Appointment.objects.filter(
        official=official,
        start__gte=lo,
        start__lt=hi,
        state__in=[
            Appointment.State.REQUESTED,
            Appointment.State.CONFIRMED,
            Appointment.State.SEEN,
            Appointment.State.NO_SHOW,
        ],
    ).select_related("gate_pass")
    return with_arrival(qs).order_by("start", "id")


def waiting_requests(official: Official) -> QuerySet[Appointment]:
    return Appointment.objects.filter(
        official=official, state=Appointment.State.REQUESTED
    ).order_by("start", "id")


def report(user: Any, first: date, last: date, *, by: str = "official") -> list[dict[str, Any]]:
    """Appointments per official (or department) between two days: counts, no-show rate and the
    average wait from booking to slot."""
    qs = appointments_for(user).filter(start__date__gte=first, start__date__lte=last)
    if by == "department":
        keys = ["department__name"]
    else:
        keys = ["official__code", "official__employee__name", "department__name"]
    wait = ExpressionWrapper(F("start") - F("created_at"), output_field=DurationField())
    rows = (
        qs.exclude(state__in=[Appointment.State.HELD, Appointment.State.LAPSED])
        .values(*keys)
        .annotate(
            total=Count("id"),
            confirmed=Count("id", filter=Q(state=Appointment.State.CONFIRMED)),
            seen=Count("id", filter=Q(state=Appointment.State.SEEN)),
            no_show=Count("id", filter=Q(state=Appointment.State.NO_SHOW)),
            cancelled=Count("id", filter=Q(state=Appointment.State.CANCELLED)),
            declined=Count("id", filter=Q(state=Appointment.State.DECLINED)),
            rating=Avg("rating"),
            wait=Avg(wait),
        )
        .order_by(*keys)
    )
    out = []
    for row in rows:
        met = row["seen"] + row["no_show"]
        row["no_show_rate"] = round(100 * row["no_show"] / met, 1) if met else None
        wait_value = row["wait"]
        row["wait_hours"] = (
            round(wait_value.total_seconds() / 3600, 1) if wait_value is not None else None
        )
        out.append(row)
    return out
