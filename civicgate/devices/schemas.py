"""Typed shapes of the devices API, in and out."""

import json
from datetime import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import AwareDatetime, field_validator

from civicgate.devices.models import Device

_MAX_STATUS_BYTES = 2048
StatusValue = str | int | float | bool | None


class ErrorOut(Schema):
    error: str = Field(description="A stable code, e.g. unauthorized, invalid.")
    message: str = Field(description="What went wrong, for a person to read.")


class DeviceOut(Schema):
    code: str = Field(description="The device's public code.")
    name: str
    kind: str = Field(description="scanner, card_reader, kiosk or zkteco.")
    office: str = Field(description="Code of the office the device belongs to, e.g. HQ.")
    gate: str | None = Field(description="Name of the gate it stands at, if any.")
    direction: str = Field(description="in, out or both: which way people pass it.")

    @staticmethod
    def of(device: Device) -> "DeviceOut":
        return DeviceOut(
            code=device.code,
            name=device.name,
            kind=device.kind,
            office=device.office.code,
            gate=device.gate.name if device.gate else None,
            direction=device.direction,
        )


class HeartbeatIn(Schema):
    device_time: AwareDatetime = Field(
        description="The device's own clock, ISO 8601 with a UTC offset, e.g. 2026-01-05T10:00:00+05:30."
    )
    firmware: str | None = Field(None, max_length=64, description="Firmware or app version.")
    status: dict[str, StatusValue] | None = Field(
        None, description="Small flat readings (battery, queue length, ...); at most 2 KB."
    )

    @field_validator("status")
    @classmethod
    def _small_status(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(json.dumps(value)) > _MAX_STATUS_BYTES:
            raise ValueError(f"status must be at most {_MAX_STATUS_BYTES} bytes of JSON")
        return value


class HeartbeatOut(Schema):
    server_time: datetime = Field(description="The server's clock when the heartbeat arrived.")
    clock_drift_seconds: float = Field(
        description="Device clock minus server clock, in seconds: positive when the device is ahead."
    )
    device: DeviceOut
