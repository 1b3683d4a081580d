"""The Django admin for the organisation: plain-text mobile on screen, encrypted in the database,
office scoping, and an audit record for every save."""

from typing import Any

from django.db import connection
from django.urls import reverse

from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.org.models import Employee, Office


def admin_client(make_user: Any, staff_client: Any, **kwargs: Any) -> Any:
    user = make_user("admin", Role.SYSTEM_ADMIN, **kwargs)
    user.is_staff = True
    user.save()
    return staff_client(user)


def test_the_admin_shows_and_saves_the_mobile_as_text_but_stores_it_encrypted(
    make_employee: Any, make_user: Any, staff_client: Any
) -> None:
    # given an employee, opened in the admin
    employee = make_employee(mobile="+919830012345")
    client = admin_client(make_user, staff_client, all_offices=True)
    url = reverse("admin:org_employee_change", args=[employee.pk])
    assert 'value="+919830012345"' in client.get(url).content.decode()

    # when the administrator types a new number the usual way
    form = {
        "staff_number": employee.staff_number,
        "name": employee.name,
        "designation": "Head Clerk",
        "department": employee.department_id,
        "office": employee.office_id,
        "mobile": "94330 22222",
        "card_number": employee.card_number,
        "supervisor": "",
        "active": "on",
    }
    response = client.post(url, form)

    # then it is saved in E.164, the database column holds no digits of it, and the save is audited
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.mobile == "+919433022222"
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM org_employee WHERE id = %s", [employee.pk])
        stored = cursor.fetchone()[0]
    assert "9433022222" not in stored
    entry = AuditRecord.objects.get(action="org.employee_changed_in_admin")
    assert set(entry.data["fields"]) == {"designation", "mobile"}


def test_the_admin_refuses_a_bad_mobile(
    make_employee: Any, make_user: Any, staff_client: Any
) -> None:
    employee = make_employee()
    client = admin_client(make_user, staff_client, all_offices=True)
    form = {
        "staff_number": employee.staff_number,
        "name": employee.name,
        "designation": "Clerk",
        "department": employee.department_id,
        "office": employee.office_id,
        "mobile": "12345",
        "card_number": "",
        "supervisor": "",
        "active": "on",
    }

    response = client.post(reverse("admin:org_employee_change", args=[employee.pk]), form)

    assert "Enter a valid 10-digit mobile number." in response.content.decode()
    assert Employee.objects.get(pk=employee.pk).designation == "Clerk"


def test_an_admin_limited_to_br07_sees_only_its_employees_in_the_admin(
    make_employee: Any, borough: Office, make_user: Any, staff_client: Any
) -> None:
    make_employee(name="Headquarters Person")
    make_employee(name="Borough Person", office=borough)
    client = admin_client(make_user, staff_client, offices=[borough])

    html = client.get(reverse("admin:org_employee_changelist")).content.decode()

    assert "Borough Person" in html and "Headquarters Person" not in html


def test_the_admin_finds_an_employee_by_mobile_number(
    make_employee: Any, make_user: Any, staff_client: Any
) -> None:
    make_employee(name="Sohini Pal", mobile="+919836199999")
    make_employee(name="Someone Else")
    client = admin_client(make_user, staff_client, all_offices=True)

    html = client.get(
        reverse("admin:org_employee_changelist"), {"q": "98361 99999"}
    ).content.decode()

    assert "Sohini Pal" in html and "Someone Else" not in html
