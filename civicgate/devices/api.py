"""Endpoints that devices call with their bearer token."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from civicgate.devices.actions import record_heartbeat
from civicgate.devices.auth import current_device, device_auth
from civicgate.devices.schemas import DeviceOut, ErrorOut, HeartbeatIn, HeartbeatOut

router = Router(tags=["devices"])


@router.post(
    "/heartbeat",
    auth=device_auth,
    response={200: HeartbeatOut, 401: ErrorOut, 422: ErrorOut},
    summary="Report that the device is alive and learn its clock drift",
)
def heartbeat(request: HttpRequest, payload: HeartbeatIn) -> HeartbeatOut:
    device = current_device(request)
    drift = record_heartbeat(
        device,
        device_time=payload.device_time,
        firmware=payload.firmware,
        ip=request.META.get("REMOTE_ADDR") or None,
        status=payload.status,
    )
    return HeartbeatOut(
        server_time=device.last_seen_at or timezone.now(),
        clock_drift_seconds=drift,
        device=DeviceOut.of(device),
    )


@router.get(
    "/me",
    auth=device_auth,
    response={200: DeviceOut, 401: ErrorOut},
    summary="The device this token belongs to",
)
def me(request: HttpRequest) -> DeviceOut:
    return DeviceOut.of(current_device(request))
