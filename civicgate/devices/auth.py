"""Authentication of devices on the JSON API: `Authorization: Bearer cgd_...`.

Any app's endpoint that a device calls (gate scans, card punches) uses it:

    from civicgate.devices.auth import device_auth, current_device

    @router.post("/scans", auth=device_auth)
    def scan(request, payload: ScanIn) -> ...:
        device = current_device(request)

Unknown, malformed and revoked tokens all answer 401 {"error": "unauthorized", ...}.
"""

import logging

from django.http import HttpRequest
from ninja.security import HttpBearer

from civicgate.devices.actions import TOKEN_PREFIX, hash_token
from civicgate.devices.models import Device

logger = logging.getLogger(__name__)

# Tokens are TOKEN_PREFIX plus 43 base64url characters; anything far off is not looked up.
_MAX_TOKEN_LENGTH = 100


class DeviceAuth(HttpBearer):
    """Bearer token of a registered, unrevoked device; sets request.device."""

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        token = token.strip()
        if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_LENGTH:
            return None
        device = (
            Device.objects.select_related("office", "gate")
            .filter(token_hash=hash_token(token))
            .first()
        )
        if device is None:
            return None
        if device.revoked_at is not None:
            logger.warning(
                "Revoked device %s (%s) tried to authenticate", device.code, device.office.code
            )
            return None
        request.device = device  # type: ignore[attr-defined]
        return device


device_auth = DeviceAuth()


def current_device(request: HttpRequest) -> Device:
    """The device that authenticated this request (only on endpoints with auth=device_auth)."""
    device = getattr(request, "device", None)
    if not isinstance(device, Device):
        raise RuntimeError("current_device() needs an endpoint protected by device_auth.")
    return device
