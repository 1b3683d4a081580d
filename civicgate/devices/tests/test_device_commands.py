"""Registering, rotating and revoking devices from manage.py."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from civicgate.audit.models import AuditRecord
from civicgate.devices.models import Device
from civicgate.devices.tests.conftest import bearer
from civicgate.org.models import Office

ME = "/api/v1/devices/me"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_device_prints_a_token_that_works(client: Client, hq: Office) -> None:
    output = run(
        "create_device",
        "--office",
        "HQ",
        "--gate",
        "Gate 1",
        "--kind",
        "scanner",
        "--direction",
        "in",
    )

    token = output.strip().splitlines()[-1]
    response = client.get(ME, **bearer(token))
    assert response.status_code == 200
    assert response.json() | {"code": "-"} == {
        "code": "-",
        "name": "Gate 1 scanner",
        "kind": "scanner",
        "office": "HQ",
        "gate": "Gate 1",
        "direction": "in",
    }
    assert (
        AuditRecord.objects.get(action="devices.registered").actor_label
        == "manage.py create_device"
    )


def test_create_device_names_a_second_device_at_the_same_gate_apart(hq: Office) -> None:
    run("create_device", "--office", "HQ", "--gate", "G1", "--kind", "kiosk")
    run("create_device", "--office", "hq", "--gate", "gate 1", "--kind", "kiosk")

    assert sorted(Device.objects.values_list("name", flat=True)) == [
        "Gate 1 kiosk",
        "Gate 1 kiosk 2",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--office", "XX", "--kind", "scanner"],
            "No office with code 'XX'. Known offices: BR-07, HQ.",
        ),
        (
            ["--office", "HQ", "--gate", "Gate 9", "--kind", "scanner"],
            "HQ has no gate 'Gate 9'. Its gates: Gate 1, Gate 2, Gate 3, Gate 4.",
        ),
        (
            ["--office", "HQ", "--kind", "toaster"],
            "Unknown kind 'toaster'. Choose one of: scanner, card_reader",
        ),
        (
            ["--office", "HQ", "--gate", "Main Gate", "--kind", "scanner"],
            "HQ has no gate 'Main Gate'",
        ),
        (["--office", "HQ", "--kind", "scanner", "--direction", "up"], "Unknown direction “up”"),
    ],
)
def test_create_device_explains_what_is_wrong(
    hq: Office, borough: Office, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        run("create_device", *args)

    assert not Device.objects.exists()


def test_rotate_and_revoke_commands_stop_the_old_token(client: Client, hq: Office) -> None:
    old_token = run("create_device", "--office", "HQ", "--kind", "kiosk").strip().splitlines()[-1]
    device = Device.objects.get()

    new_token = run("rotate_device_token", device.code.lower()).strip().splitlines()[-1]

    assert client.get(ME, **bearer(old_token)).status_code == 401
    assert client.get(ME, **bearer(new_token)).status_code == 200

    output = run("revoke_device", device.code, "--reason", "Replaced by a new kiosk")

    assert "Revoked HQ kiosk" in output
    assert client.get(ME, **bearer(new_token)).status_code == 401
    assert (
        AuditRecord.objects.get(action="devices.revoked").data["reason"]
        == "Replaced by a new kiosk"
    )
    with pytest.raises(CommandError, match="already revoked"):
        run("revoke_device", device.code, "--reason", "Again")
    with pytest.raises(CommandError, match="No device with code 'NOPE'"):
        run("rotate_device_token", "NOPE")
