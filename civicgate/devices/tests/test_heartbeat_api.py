"""Devices report a heartbeat; the server answers with its time and the device's clock drift."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client

from civicgate.audit.models import AuditRecord
from civicgate.devices.models import Device
from civicgate.devices.tests.conftest import bearer

HEARTBEAT = "/api/v1/devices/heartbeat"
KOLKATA = ZoneInfo("Asia/Kolkata")
NOON = datetime(2026, 1, 5, 12, 0, tzinfo=KOLKATA)


def post(client: Client, token: str, body: object) -> object:
    return client.post(
        HEARTBEAT, json.dumps(body), content_type="application/json", **bearer(token)
    )


@time_machine.travel(NOON, tick=False)
def test_it_measures_how_far_the_device_clock_is_ahead(
    client: Client, hq_scanner: tuple[Device, str]
) -> None:
    device, token = hq_scanner
    device_clock = NOON + timedelta(seconds=95.5)

    response = post(client, token, {"device_time": device_clock.isoformat(), "firmware": "2.4.1"})

    assert response.status_code == 200
    body = response.json()
    assert body["clock_drift_seconds"] == 95.5
    assert datetime.fromisoformat(body["server_time"]) == NOON
    assert body["device"] == {
        "code": device.code,
        "name": "Gate 1 scanner",
        "kind": "scanner",
        "office": "HQ",
        "gate": "Gate 1",
        "direction": "in",
    }
    device.refresh_from_db()
    assert device.last_seen_at == NOON
    assert device.clock_drift_seconds == 95.5
    assert device.firmware == "2.4.1"
    assert device.last_ip == "127.0.0.1"


@time_machine.travel(NOON, tick=False)
def test_it_reports_a_clock_behind_as_negative_drift_whatever_the_zone(
    client: Client, hq_scanner: tuple[Device, str]
) -> None:
    _device, token = hq_scanner
    in_utc = (NOON - timedelta(seconds=30)).astimezone(ZoneInfo("UTC"))

    response = post(client, token, {"device_time": in_utc.isoformat().replace("+00:00", "Z")})

    assert response.status_code == 200
    assert response.json()["clock_drift_seconds"] == -30


def test_it_keeps_the_reported_status_but_does_not_audit_each_heartbeat(
    client: Client, hq_scanner: tuple[Device, str]
) -> None:
    device, token = hq_scanner
    records_before = AuditRecord.objects.count()

    for _ in range(3):
        response = post(
            client,
            token,
            {
                "device_time": datetime.now(KOLKATA).isoformat(),
                "status": {"battery": 81, "queue": 0, "printer": "ok"},
            },
        )
        assert response.status_code == 200

    device.refresh_from_db()
    assert device.last_status == {"battery": 81, "queue": 0, "printer": "ok"}
    assert AuditRecord.objects.count() == records_before


def test_it_refuses_a_device_time_without_a_zone_and_changes_nothing(
    client: Client, hq_scanner: tuple[Device, str]
) -> None:
    device, token = hq_scanner

    response = post(client, token, {"device_time": "2026-01-05T12:00:00"})

    assert response.status_code == 422
    assert response.json()["error"] == "invalid"
    assert "device_time" in response.json()["message"]
    device.refresh_from_db()
    assert device.last_seen_at is None


def test_it_refuses_a_heartbeat_that_is_not_a_time_at_all(
    client: Client, hq_scanner: tuple[Device, str]
) -> None:
    _device, token = hq_scanner

    response = post(client, token, {"device_time": "yesterday at noon"})

    assert response.status_code == 422
    assert response.json()["message"].startswith("device_time:")


def test_it_refuses_an_oversized_status(client: Client, hq_scanner: tuple[Device, str]) -> None:
    _device, token = hq_scanner

    response = post(
        client,
        token,
        {"device_time": datetime.now(KOLKATA).isoformat(), "status": {"log": "x" * 5000}},
    )

    assert response.status_code == 422
    assert "status" in response.json()["message"]


def test_it_refuses_a_heartbeat_without_a_token(
    client: Client, hq_scanner: tuple[Device, str]
) -> None:
    device, _token = hq_scanner

    response = client.post(
        HEARTBEAT,
        json.dumps({"device_time": datetime.now(KOLKATA).isoformat()}),
        content_type="application/json",
    )

    assert response.status_code == 401
    device.refresh_from_db()
    assert device.last_seen_at is None


def test_the_openapi_document_describes_the_device_endpoints(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")

    doc = response.json()
    heartbeat = doc["paths"]["/api/v1/devices/heartbeat"]["post"]
    assert heartbeat["security"]
    assert set(heartbeat["responses"]) >= {"200", "401", "422"}
    assert "device_time" in doc["components"]["schemas"]["HeartbeatIn"]["properties"]
    assert "clock_drift_seconds" in doc["components"]["schemas"]["HeartbeatOut"]["properties"]
    assert "/api/v1/devices/me" in doc["paths"]


def test_a_device_needs_no_csrf_cookie_only_its_token(hq_scanner: tuple[Device, str]) -> None:
    _device, token = hq_scanner
    device_client = Client(enforce_csrf_checks=True)

    response = post(device_client, token, {"device_time": datetime.now(KOLKATA).isoformat()})

    assert response.status_code == 200
