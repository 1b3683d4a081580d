"""The devices screens: the list with status, last seen and drift; registering; rotating; revoking."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.devices.actions import record_heartbeat, revoke_device
from civicgate.devices.models import Device
from civicgate.devices.tests.conftest import bearer
from civicgate.org.models import Office

MakeDevice = Callable[..., tuple[Device, str]]
NOON = datetime(2026, 1, 5, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
ME = "/api/v1/devices/me"
HEARTBEAT = "/api/v1/devices/heartbeat"


def text(response: object) -> str:
    """The page as a person reads it: tags dropped, spaces collapsed."""
    html = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


def row(response: object, device: Device) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    match = re.search(rf'<tr data-device="{device.code}">(.*?)</tr>', html, re.S)
    assert match, f"{device.name} is not listed"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).replace("\xa0", " ")


@pytest.fixture
def hq_admin(make_user: Callable[..., User], hq: Office) -> User:
    return make_user("hq_security", Role.SECURITY_ADMIN, offices=[hq])


@pytest.fixture
def borough_admin(make_user: Callable[..., User], borough: Office) -> User:
    return make_user("br_security", Role.SECURITY_ADMIN, offices=[borough])


def test_the_list_shows_status_last_seen_and_a_drift_warning(
    staff_client: Callable[[User], Client],
    hq_admin: User,
    make_device: MakeDevice,
    settings: object,
) -> None:
    settings.DEVICE_CLOCK_DRIFT_WARN_SECONDS = 60  # type: ignore[attr-defined]
    punctual, punctual_token = make_device(name="Gate 1 scanner")
    late, late_token = make_device(name="Gate 2 scanner", gate_name="Gate 2")
    silent, _ = make_device(name="Lobby kiosk", kind="kiosk", gate_name=None)
    revoked, _ = make_device(name="Old reader", kind="card_reader")
    revoke_device(revoked, actor=hq_admin, reason="Replaced")
    with time_machine.travel(NOON, tick=False):
        for token, offset in ((punctual_token, 2), (late_token, -95)):
            device_time = (NOON + timedelta(seconds=offset)).isoformat()
            beat = Client().post(
                HEARTBEAT,
                {"device_time": device_time},
                content_type="application/json",
                **bearer(token),
            )
            assert beat.status_code == 200

    with time_machine.travel(NOON + timedelta(minutes=2), tick=False):
        response = staff_client(hq_admin).get("/devices/")

    assert response.status_code == 200
    assert "active" in row(response, punctual)
    assert "2 minutes ago" in row(response, punctual)
    assert "+2 s" in row(response, punctual)
    assert "clock off" not in row(response, punctual)
    assert "-95 s" in row(response, late)
    assert "clock off" in row(response, late)
    assert "never" in row(response, silent)
    assert "revoked" in row(response, revoked)


def test_the_list_filters_by_office_kind_and_status(
    staff_client: Callable[[User], Client],
    make_user: Callable[..., User],
    make_device: MakeDevice,
    hq: Office,
    borough: Office,
) -> None:
    admin = make_user("admin", Role.SYSTEM_ADMIN, all_offices=True)
    make_device(name="HQ scanner")
    make_device(name="HQ kiosk", kind="kiosk", gate_name=None)
    make_device(name="Borough scanner", office=borough, gate_name="Main Gate")
    client = staff_client(admin)

    by_office = text(client.get("/devices/", {"office": "BR-07"}))
    by_kind = text(client.get("/devices/", {"kind": "kiosk"}))
    both = text(client.get("/devices/", {"office": "HQ", "kind": "scanner"}))

    assert "Borough scanner" in by_office and "HQ scanner" not in by_office
    assert (
        "HQ kiosk" in by_kind and "HQ scanner" not in by_kind and "Borough scanner" not in by_kind
    )
    assert "HQ scanner" in both and "HQ kiosk" not in both and "Borough scanner" not in both


def test_the_list_answers_htmx_with_only_the_table(
    staff_client: Callable[[User], Client], hq_admin: User, make_device: MakeDevice
) -> None:
    make_device(name="HQ scanner")

    response = staff_client(hq_admin).get("/devices/", {"kind": "scanner"}, HTTP_HX_REQUEST="true")

    assert "HQ scanner" in text(response)
    assert "<html" not in response.content.decode()


def test_the_list_takes_the_same_few_queries_for_many_devices(
    staff_client: Callable[[User], Client],
    hq_admin: User,
    make_device: MakeDevice,
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    client = staff_client(hq_admin)
    for n in range(30):
        make_device(name=f"Scanner {n}", gate_name=f"Gate {n % 4 + 1}")

    with django_assert_max_num_queries(7):  # type: ignore[operator]
        response = client.get("/devices/")

    assert response.content.decode().count("<tr data-device=") == 30


def test_an_admin_of_another_office_can_neither_see_nor_revoke_an_hq_device(
    staff_client: Callable[[User], Client], borough_admin: User, hq_scanner: tuple[Device, str]
) -> None:
    device, token = hq_scanner
    client = staff_client(borough_admin)

    listing = client.get("/devices/")
    detail = client.get(f"/devices/{device.code}/")
    revoke = client.post(f"/devices/{device.code}/revoke/", {"reason": "Not mine"})
    rotate = client.post(f"/devices/{device.code}/rotate/")
    by_filter = client.get("/devices/", {"office": "HQ"})

    assert "Gate 1 scanner" not in text(listing)
    assert "Gate 1 scanner" not in text(by_filter)
    assert (detail.status_code, revoke.status_code, rotate.status_code) == (404, 404, 404)
    device.refresh_from_db()
    assert device.is_active
    assert Client().get(ME, **bearer(token)).status_code == 200
    assert not AuditRecord.objects.filter(
        action__in=["devices.revoked", "devices.token_rotated"]
    ).exists()


@pytest.mark.parametrize("role", [Role.GUARD, Role.DESK_OPERATOR, Role.EMPLOYEE])
def test_other_roles_are_refused(
    role: str,
    staff_client: Callable[[User], Client],
    make_user: Callable[..., User],
    hq: Office,
    hq_scanner: tuple[Device, str],
) -> None:
    client = staff_client(make_user("someone", role, offices=[hq]))

    assert client.get("/devices/").status_code == 403
    assert client.get(f"/devices/{hq_scanner[0].code}/").status_code == 403


def test_registering_shows_the_token_once_and_never_again(
    staff_client: Callable[[User], Client], hq_admin: User, hq: Office
) -> None:
    client = staff_client(hq_admin)
    gate = hq.gates.get(name="Gate 3")

    response = client.post(
        "/devices/new/",
        {
            "name": "Gate 3 exit scanner",
            "kind": "scanner",
            "office": "HQ",
            "gate": gate.pk,
            "direction": "out",
            "serial_number": "ZK-0042",
        },
    )

    assert response.status_code == 200
    token = re.search(r'class="secret"[^>]*>\s*(cgd_[\w-]+)', response.content.decode()).group(1)
    assert "no-store" in response["Cache-Control"]
    device = Device.objects.get(name="Gate 3 exit scanner")
    assert (device.gate, device.direction, device.created_by) == (gate, "out", hq_admin)
    assert Client().get(ME, **bearer(token)).json()["code"] == device.code
    for page in (f"/devices/{device.code}/", "/devices/"):
        assert token not in client.get(page).content.decode()
    entry = AuditRecord.objects.get(action="devices.registered")
    assert (entry.actor_label, entry.object_id) == ("hq_security", device.code)


def test_the_form_offers_only_the_users_offices_and_their_gates(
    staff_client: Callable[[User], Client], hq_admin: User, borough: Office
) -> None:
    client = staff_client(hq_admin)

    form = client.get("/devices/new/").content.decode()
    response = client.post(
        "/devices/new/",
        {
            "name": "Sneaky",
            "kind": "scanner",
            "office": "BR-07",
            "gate": borough.gates.get().pk,
            "direction": "both",
        },
    )

    assert "Main Gate" not in form and "BR-07" not in form
    assert "HQ · Gate 1" in form
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not Device.objects.exists()


def test_the_form_refuses_a_gate_of_another_office_and_keeps_what_was_typed(
    staff_client: Callable[[User], Client],
    make_user: Callable[..., User],
    hq: Office,
    borough: Office,
) -> None:
    admin = make_user("admin", Role.SYSTEM_ADMIN, all_offices=True)

    response = staff_client(admin).post(
        "/devices/new/",
        {
            "name": "Mixed up scanner",
            "kind": "scanner",
            "office": "HQ",
            "gate": borough.gates.get().pk,
            "direction": "in",
            "serial_number": "SN-77",
        },
    )

    assert "Main Gate is not a gate of HQ." in text(response)
    assert 'value="Mixed up scanner"' in response.content.decode()
    assert 'value="SN-77"' in response.content.decode()
    assert not Device.objects.exists()


def test_rotating_on_screen_asks_first_then_shows_the_new_token(
    staff_client: Callable[[User], Client], hq_admin: User, hq_scanner: tuple[Device, str]
) -> None:
    device, old_token = hq_scanner
    client = staff_client(hq_admin)

    confirm = client.get(f"/devices/{device.code}/rotate/")
    assert "stops working at once" in text(confirm)
    assert Client().get(ME, **bearer(old_token)).status_code == 200

    response = client.post(f"/devices/{device.code}/rotate/")

    new_token = re.search(r'class="secret"[^>]*>\s*(cgd_[\w-]+)', response.content.decode()).group(
        1
    )
    assert Client().get(ME, **bearer(old_token)).status_code == 401
    assert Client().get(ME, **bearer(new_token)).status_code == 200
    assert AuditRecord.objects.get(action="devices.token_rotated").actor_label == "hq_security"


def test_revoking_on_screen_needs_a_reason_and_is_audited(
    staff_client: Callable[[User], Client], hq_admin: User, hq_scanner: tuple[Device, str]
) -> None:
    device, token = hq_scanner
    client = staff_client(hq_admin)

    refused = client.post(f"/devices/{device.code}/revoke/", {"reason": ""})
    assert "This field is required" in text(refused)
    assert Client().get(ME, **bearer(token)).status_code == 200

    response = client.post(f"/devices/{device.code}/revoke/", {"reason": "Stolen"}, follow=True)

    assert "is revoked; its token no longer works" in text(response)
    assert "Rotate token" not in text(response)
    assert Client().get(ME, **bearer(token)).status_code == 401
    entry = AuditRecord.objects.get(action="devices.revoked")
    assert (entry.actor_label, entry.data["reason"], entry.office_code) == (
        "hq_security",
        "Stolen",
        "HQ",
    )


def test_the_detail_page_shows_the_last_heartbeat(
    staff_client: Callable[[User], Client], hq_admin: User, hq_scanner: tuple[Device, str]
) -> None:
    device, token = hq_scanner
    with time_machine.travel(NOON, tick=False):
        record_heartbeat(
            device,
            device_time=NOON + timedelta(hours=2, minutes=30),
            firmware="3.1",
            ip="10.1.2.3",
            status={"battery": 64},
        )

    with time_machine.travel(NOON + timedelta(seconds=20), tick=False):
        page = text(staff_client(hq_admin).get(f"/devices/{device.code}/"))

    assert "just now" in page
    assert "+2.5 h" in page and "clock off" in page
    assert "10.1.2.3" in page and "3.1" in page and "battery: 64" in page
    assert token not in page and device.token_prefix in page
