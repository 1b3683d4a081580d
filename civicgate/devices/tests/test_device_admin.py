"""The Django admin shows devices but never lets anyone type a token or add a device unaudited."""

from typing import Any

from django.test import Client

from civicgate.audit.models import AuditRecord
from civicgate.devices.models import Device


def test_the_admin_shows_token_fields_read_only_and_audits_changes(
    admin_client: Client, hq_scanner: tuple[Device, str], hq: Any
) -> None:
    device, token = hq_scanner
    url = f"/admin/devices/device/{device.pk}/change/"

    page = admin_client.get(url).content.decode()
    add = admin_client.get("/admin/devices/device/add/")
    response = admin_client.post(
        url,
        {
            "name": "Gate 1 entry scanner",
            "kind": "scanner",
            "office": hq.pk,
            "gate": device.gate_id,
            "direction": "in",
            "serial_number": "SN-1",
        },
    )

    assert device.token_prefix in page
    assert 'name="token_hash"' not in page and 'name="token_prefix"' not in page
    assert token not in page
    assert add.status_code == 403
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.name == "Gate 1 entry scanner"
    entry = AuditRecord.objects.get(action="devices.changed_in_admin")
    assert entry.data == {"name": "Gate 1 entry scanner", "serial_number": "SN-1"}


def test_the_admin_refuses_a_gate_of_another_office(
    admin_client: Client, hq_scanner: tuple[Device, str], borough: Any
) -> None:
    device, _token = hq_scanner

    response = admin_client.post(
        f"/admin/devices/device/{device.pk}/change/",
        {
            "name": device.name,
            "kind": "scanner",
            "office": device.office_id,
            "gate": borough.gates.get().pk,
            "direction": "in",
            "serial_number": "",
        },
    )

    assert response.status_code == 200
    assert "Main Gate is not a gate of HQ." in response.content.decode()
    device.refresh_from_db()
    assert device.gate.name == "Gate 1"
