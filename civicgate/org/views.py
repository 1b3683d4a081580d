"""Screens of the organisation: offices, employees, officials, a guard's gates, a supervisor's team."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from civicgate.accounts.access import has_role, role_required
from civicgate.accounts.roles import Role
from civicgate.core.phone import mask_mobile
from civicgate.org import actions, selectors
from civicgate.org.forms import EmployeeFilterForm, OfficialFilterForm
from civicgate.org.models import Office, Official

PAGE_SIZE = 25


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> dict[str, Any]:
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return {"page": page, "query": params.urlencode()}


@role_required(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
@require_GET
def offices(request: HttpRequest) -> HttpResponse:
    return render(
        request, "org/offices.html", {"offices": selectors.offices_with_counts(request.user)}
    )


@role_required(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SUPERVISOR)
@require_GET
def employees(request: HttpRequest) -> HttpResponse:
    visible = selectors.employees_for(request.user)
    form = EmployeeFilterForm(
        request.GET or None,
        offices=Office.objects.filter(pk__in=visible.values("office_id")).order_by("code"),
    )
    queryset = visible
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if q:
            queryset = queryset.filter(
                Q(name__icontains=q) | Q(staff_number__istartswith=q) | Q(card_number__iexact=q)
            )
        if form.cleaned_data["office"]:
            queryset = queryset.filter(office=form.cleaned_data["office"])
        if form.cleaned_data["department"]:
            queryset = queryset.filter(department=form.cleaned_data["department"])
    context = {"form": form, **_page(request, queryset.order_by("name", "staff_number"))}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "org/partials/employee_results.html", context)
    return render(request, "org/employees.html", context)


@role_required(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SUPERVISOR)
@require_GET
def employee_detail(request: HttpRequest, code: str) -> HttpResponse:
    employee = selectors.employee_for(request.user, code)
    return render(request, "org/employee_detail.html", _detail_context(request, employee))


@role_required(Role.SYSTEM_ADMIN)
@require_POST
def employee_mobile(request: HttpRequest, code: str) -> HttpResponse:
    """Show an employee's full mobile number to a system administrator, and audit the look."""
    employee = selectors.employee_for(request.user, code)
    full = actions.reveal_mobile(employee, actor=request.user, request=request)
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request, "org/partials/mobile.html", {"employee": employee, "full_mobile": full}
        )
    return render(
        request, "org/employee_detail.html", _detail_context(request, employee, full_mobile=full)
    )


def _detail_context(request: HttpRequest, employee: Any, full_mobile: str = "") -> dict[str, Any]:
    return {
        "employee": employee,
        "masked_mobile": mask_mobile(employee.mobile),
        "full_mobile": full_mobile,
        "can_reveal": has_role(request.user, Role.SYSTEM_ADMIN) and bool(employee.mobile),
        "official": Official.objects.filter(employee=employee).first(),
        "reports": selectors.employees_for(request.user)
        .filter(supervisor=employee)
        .order_by("name"),
    }


@role_required(Role.SYSTEM_ADMIN, Role.DESK_OPERATOR, Role.OFFICIAL)
@require_GET
def officials(request: HttpRequest) -> HttpResponse:
    form = OfficialFilterForm(request.GET or None)
    queryset = selectors.officials_for(request.user)
    if form.is_valid() and (q := form.cleaned_data["q"].strip()):
        queryset = queryset.filter(
            Q(employee__name__icontains=q)
            | Q(title__icontains=q)
            | Q(employee__department__name__icontains=q)
        )
    context = {"form": form, **_page(request, queryset.order_by("employee__name"))}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "org/partials/official_results.html", context)
    return render(request, "org/officials.html", context)


@role_required(Role.GUARD)
@require_GET
def my_gates(request: HttpRequest) -> HttpResponse:
    return render(request, "org/my_gates.html", {"gates": selectors.gates_for(request.user)})


@role_required(Role.SUPERVISOR)
@require_GET
def my_team(request: HttpRequest) -> HttpResponse:
    me = getattr(request.user, "employee", None)
    team = selectors.team_of(request.user).order_by("supervisor__name", "name")
    return render(request, "org/my_team.html", {"me": me, "team": team})
