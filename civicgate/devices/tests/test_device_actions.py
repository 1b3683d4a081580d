"""Registering, rotating and revoking devices: what changes, what is refused, what is audited."""

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from civicgate.accounts.models import User
from civicgate.accounts.roles import Role
from civicgate.audit.chain import verify_chain
from civicgate.audit.models import AuditRecord
from civicgate.devices.actions import register_device, revoke_device, rotate_token
from civicgate.devices.models import Device
from civicgate.devices.tests.conftest import bearer
from civicgate.org.models import Office

ME = "/api/v1/devices/me"


def test_after_rotation_the_old_token_stops_and_the_new_one_works(
    client: Client, hq_scanner: tuple[Device, str], make_user: Callable[..., User]
) -> None:
    device, old_token = hq_scanner
    admin = make_user("asha", Role.SECURITY_ADMIN, all_offices=True)

    new_token = rotate_token(device, actor=admin)

    assert new_token != old_token
    assert client.get(ME, **bearer(old_token)).status_code == 401
    assert client.get(ME, **bearer(new_token)).json()["code"] == device.code
    entry = AuditRecord.objects.get(action="devices.token_rotated")
    assert (entry.actor_label, entry.object_id, entry.office_code) == ("asha", device.code, "HQ")
    assert entry.data["new_token_prefix"] == new_token[:12]
    assert new_token not in str(entry.data) and old_token not in str(entry.data)


def test_registration_is_audited_without_the_token(
    hq: Office, make_user: Callable[..., User]
) -> None:
    admin = make_user("asha", Role.SYSTEM_ADMIN, all_offices=True)

    device, token = register_device(
        name="Gate 2 card reader",
        kind="card_reader",
        office=hq,
        gate=hq.gates.get(name="Gate 2"),
        actor=admin,
    )

    entry = AuditRecord.objects.get(action="devices.registered")
    assert (entry.actor_label, entry.object_id, entry.office_code) == ("asha", device.code, "HQ")
    assert entry.data["gate"] == "Gate 2"
    assert token not in str(entry.data)
    assert device.created_by == admin
    assert verify_chain()[1] == []


def test_revocation_keeps_the_reason_and_cannot_happen_twice(
    hq_scanner: tuple[Device, str], make_user: Callable[..., User]
) -> None:
    device, _token = hq_scanner
    admin = make_user("asha", Role.SECURITY_ADMIN, all_offices=True)

    revoke_device(device, actor=admin, reason="Lost during renovation")

    device.refresh_from_db()
    assert not device.is_active
    entry = AuditRecord.objects.get(action="devices.revoked")
    assert entry.data["reason"] == "Lost during renovation"
    with pytest.raises(ValidationError, match="already revoked"):
        revoke_device(device, actor=admin, reason="Again")
    with pytest.raises(ValidationError, match="revoked device cannot get a new token"):
        rotate_token(device, actor=admin)
    assert AuditRecord.objects.filter(action__startswith="devices.").count() == 2


def test_it_refuses_to_revoke_without_a_reason(hq_scanner: tuple[Device, str]) -> None:
    device, _token = hq_scanner

    with pytest.raises(ValidationError, match="reason"):
        revoke_device(device, actor="test", reason="   ")

    device.refresh_from_db()
    assert device.is_active


def test_it_refuses_a_gate_of_another_office(hq: Office, borough: Office) -> None:
    with pytest.raises(ValidationError) as error:
        register_device(name="Scanner", kind="scanner", office=hq, gate=borough.gates.get())

    assert error.value.message_dict["gate"] == ["Main Gate is not a gate of HQ."]
    assert not Device.objects.exists()


def test_it_refuses_a_second_device_with_the_same_name_in_an_office(
    hq: Office, borough: Office, hq_scanner: tuple[Device, str]
) -> None:
    with pytest.raises(ValidationError) as error:
        register_device(name="gate 1 SCANNER", kind="scanner", office=hq)

    assert "already has a device named" in error.value.message_dict["name"][0]
    register_device(name="Gate 1 scanner", kind="scanner", office=borough)
    assert Device.objects.count() == 2


def test_it_refuses_an_unknown_kind_or_direction(hq: Office) -> None:
    with pytest.raises(ValidationError) as error:
        register_device(name="Thing", kind="toaster", office=hq, direction="sideways")

    assert set(error.value.message_dict) == {"kind", "direction"}
    assert not Device.objects.exists()
