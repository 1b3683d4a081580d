"""Devices authenticate on the API with the bearer token they were given once."""

from typing import Any

import pytest
from django.test import Client

from civicgate.devices.actions import revoke_device
from civicgate.devices.models import Device
from civicgate.devices.tests.conftest import bearer

ME = "/api/v1/devices/me"


def test_it_knows_the_device_by_its_token(client: Client, hq_scanner: tuple[Device, str]) -> None:
    device, token = hq_scanner

    response = client.get(ME, **bearer(token))

    assert response.status_code == 200
    assert response.json() == {
        "code": device.code,
        "name": "Gate 1 scanner",
        "kind": "scanner",
        "office": "HQ",
        "gate": "Gate 1",
        "direction": "in",
    }


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="no header"),
        pytest.param("Bearer cgd_this-token-was-never-issued-to-any-device", id="wrong token"),
        pytest.param("Token {token}", id="wrong scheme"),
        pytest.param("{token}", id="no scheme"),
        pytest.param("Bearer", id="scheme without token"),
        pytest.param("Bearer " + "cgd_" + "x" * 5000, id="absurdly long"),
        pytest.param("Bearer {token}x", id="token with a character added"),
    ],
)
def test_it_rejects_a_missing_wrong_or_malformed_token(
    client: Client, hq_scanner: tuple[Device, str], header: str | None
) -> None:
    _device, token = hq_scanner
    extra: dict[str, Any] = (
        {} if header is None else {"HTTP_AUTHORIZATION": header.format(token=token)}
    )

    response = client.get(ME, **extra)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.json()["message"]


def test_it_rejects_a_revoked_device(client: Client, hq_scanner: tuple[Device, str]) -> None:
    device, token = hq_scanner
    assert client.get(ME, **bearer(token)).status_code == 200

    revoke_device(device, actor="test", reason="Stolen from Gate 1")
    response = client.get(ME, **bearer(token))

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_it_stores_only_a_hash_of_the_token(hq_scanner: tuple[Device, str]) -> None:
    device, token = hq_scanner

    stored = Device.objects.filter(pk=device.pk).values().get()

    assert token.startswith("cgd_")
    assert len(token) > 40
    assert all(token not in str(value) for value in stored.values())
    assert token.startswith(stored["token_prefix"])
