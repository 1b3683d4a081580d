"""Who heads a department: the person overdue requests escalate to.

The head is the department's active employee at the top of its chain: one with no supervisor,
or whose supervisor belongs to another department (a director reporting to the commissioner).
Where several qualify, the lowest staff number (the longest-serving post) is the head.
"""

from typing import Any

from django.db.models import F, Q

from civicgate.org.models import Department, Employee


def department_head(department: Department | None) -> Employee | None:
    if department is None:
        return None
    return (
        Employee.objects.filter(department=department, active=True)
        .filter(Q(supervisor__isnull=True) | ~Q(supervisor__department=F("department")))
        .select_related("office")
        .order_by("staff_number")
        .first()
    )


def heads_department(user: Any) -> Department | None:
    """The department user's employee heads, if any."""
    from civicgate.services.selectors import staff_employee

    employee = staff_employee(user)
    if employee is None:
        return None
    head = department_head(employee.department)
    return employee.department if head is not None and head.pk == employee.pk else None
