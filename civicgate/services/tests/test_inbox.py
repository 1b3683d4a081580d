"""The department's inbox and a request's screen: scoping, filters, fixed query counts, actions."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.org.models import Department, Employee, Office
from civicgate.services import actions
from civicgate.services.models import ServiceRequest
from civicgate.services.tests.conftest import jpeg


def _numbers(page: Any) -> list[str]:
    import re

    return re.findall(r'data-number="([A-Z]+-\d{4}-\d{5})"', page.content.decode())


def test_the_inbox_lists_the_departments_open_requests_newest_first(
    client: Client, file_request: Callable[..., ServiceRequest], water_staff: User
) -> None:
    first, second = file_request(), file_request(ward=12)
    client.force_login(water_staff)
    page = client.get("/services/")
    assert page.status_code == 200
    assert _numbers(page) == [second.number, first.number]
    # Filters: by ward, by number
    assert _numbers(client.get("/services/?ward=12")) == [second.number]
    assert _numbers(client.get(f"/services/?q={first.number.lower()}")) == [first.number]
    assert _numbers(client.get("/services/?q=lane")) == [second.number, first.number]
    assert _numbers(client.get("/services/?state=closed")) == []
    # htmx asks for the rows only
    partial = client.get("/services/?ward=12", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and second.number in partial.content.decode()


def test_the_inbox_costs_the_same_queries_for_five_or_forty_requests(
    client: Client,
    file_request: Callable[..., ServiceRequest],
    water_staff: User,
    fitter: Employee,
    django_assert_max_num_queries: Any,
) -> None:
    for _n in range(5):
        actions.assign_request(file_request(), fitter, actor=water_staff)
    client.force_login(water_staff)
    client.get("/services/")  # session and permission caches warm, as for a working clerk
    with django_assert_max_num_queries(9):
        small = client.get("/services/")
    for _n in range(35):
        actions.assign_request(file_request(), fitter, actor=water_staff)
    with django_assert_max_num_queries(9):
        large = client.get("/services/")
    assert len(_numbers(small)) == 5 and len(_numbers(large)) == 25
    assert 'data-testid="next-page"' in large.content.decode()


def test_staff_of_another_department_or_office_see_nothing(
    client: Client,
    file_request: Callable[..., ServiceRequest],
    make_user: Callable[..., User],
    make_employee: Callable[..., Employee],
    borough: Office,
    engineer: Employee,
) -> None:
    sr = file_request()
    roads = Department.objects.create(code="RD", name="Roads")
    road_engineer = make_user(
        "roads", Role.DEPARTMENT_STAFF, all_offices=True, employee=make_employee(department=roads)
    )
    borough_clerk = make_user(
        "boroughclerk", Role.DEPARTMENT_STAFF, offices=[borough], employee=make_employee()
    )
    guard = make_user("guard", Role.GUARD, all_offices=True, employee=make_employee())
    for user in (road_engineer, borough_clerk):
        client.force_login(user)
        assert _numbers(client.get("/services/")) == []
        assert client.get(f"/services/r/{sr.number}/").status_code == 404
        assert (
            client.post(f"/services/r/{sr.number}/note/", {"note": "x", "public": "on"}).status_code
            == 404
        )
    client.force_login(guard)
    assert client.get("/services/").status_code == 403
    assert sr.events.count() == 1


def test_staff_assign_and_resolve_with_an_after_photo_on_the_screen(
    client: Client, file_request: Callable[..., ServiceRequest], water_staff: User, fitter: Employee
) -> None:
    sr = file_request(photos=[jpeg()])
    client.force_login(water_staff)
    page = client.get(f"/services/r/{sr.number}/")
    body = page.content.decode()
    assert "+91 ******2345" in body and "9830012345" not in body
    response = client.post(
        f"/services/r/{sr.number}/assign/",
        {"employee": fitter.code, "visit_on": "", "note": "On it"},
    )
    assert response.status_code == 302
    photo = jpeg((10, 200, 10))
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/services/r/{sr.number}/resolve/",
        {
            "note": "Valve replaced",
            "after_photo": SimpleUploadedFile("after.jpg", photo, "image/jpeg"),
        },
    )
    assert response.status_code == 302
    sr.refresh_from_db()
    assert sr.state == ServiceRequest.State.RESOLVED
    after = sr.photos.get(kind="after")
    # The photo is served to the staff, and each look is audited
    shown = client.get(f"/services/r/{sr.number}/photo/{after.code}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert shown["Cache-Control"] == "private, no-store"
    assert AuditRecord.objects.filter(action="services.photo_viewed").count() == 1


def test_a_bad_after_photo_is_refused_and_the_request_stays_open(
    client: Client, file_request: Callable[..., ServiceRequest], water_staff: User, fitter: Employee
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    sr = actions.assign_request(file_request(), fitter, actor=water_staff)
    client.force_login(water_staff)
    response = client.post(
        f"/services/r/{sr.number}/resolve/",
        {"note": "Done", "after_photo": SimpleUploadedFile("x.jpg", b"not an image", "image/jpeg")},
    )
    assert response.status_code == 400
    assert "not a photo we can read" in response.content.decode()
    sr.refresh_from_db()
    assert sr.state == ServiceRequest.State.ASSIGNED


@pytest.mark.parametrize("public", [True, False])
def test_notes_are_public_or_internal(
    client: Client, file_request: Callable[..., ServiceRequest], water_staff: User, public: bool
) -> None:
    from civicgate.notify.models import OutboundMessage

    sr = file_request()
    client.force_login(water_staff)
    data = {"note": "Inspector visits on Monday"} | ({"public": "on"} if public else {})
    client.post(f"/services/r/{sr.number}/note/", data)
    assert sr.events.get(kind="note").public is public
    assert OutboundMessage.objects.filter(template_key="service_request_update").exists() is public


def test_looking_at_a_request_and_revealing_the_mobile_are_audited(
    client: Client, file_request: Callable[..., ServiceRequest], water_staff: User
) -> None:
    sr = file_request()
    client.force_login(water_staff)
    client.get(f"/services/r/{sr.number}/")
    assert AuditRecord.objects.filter(action="services.request_viewed", object_id=sr.code).exists()
    shown = client.post(f"/services/r/{sr.number}/mobile/").content.decode()
    assert "+919830012345" in shown
    assert AuditRecord.objects.filter(action="services.citizen_mobile_viewed").count() == 1


def test_a_catalogue_edit_in_the_admin_is_audited(
    client: Client, make_user: Callable[..., User], water: Department
) -> None:
    from civicgate.conftest import verify_second_factor
    from civicgate.services.models import Service

    admin = make_user("sysadmin", Role.SYSTEM_ADMIN, all_offices=True)
    admin.is_staff = True
    admin.save()
    verify_second_factor(client, admin)
    service = Service.objects.get(slug="ws-tanker")
    url = f"/admin/services/service/{service.pk}/change/"
    form = client.get(url)
    assert form.status_code == 200
    data = {
        "slug": "ws-tanker",
        "department_code": "WS",
        "department": str(water.pk),
        "kind": "application",
        "name_en": "Water tanker",
        "name_bn": service.name_bn,
        "name_hi": service.name_hi,
        "details": "[]",
        "location": "required",
        "accepts_photos": "",
        "handler": service.handler,
        "resolution_hours": "6",
        "position": "9",
        "active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    service.refresh_from_db()
    assert service.resolution_hours == 6
    entry = AuditRecord.objects.get(action="services.service_changed_in_admin")
    assert "resolution_hours" in entry.data["fields"]
