"""Authentication of devices on the JSON API: `Authorization: Bearer cgd_...`.

Any app's endpoint that a device calls (gate scans, card punches) uses it:

    from civicgate.devices.auth import device_auth, current_device

    @router.post("/scans", auth=device_auth)
    def scan(request, payload: ScanIn) -> ...:
        device = current_device(request)

Unknown, malformed and revoked tokens all answer 401 {"error": "unauthorized", ...}.

Every request reads the device afresh (a revoked or rotated token stops at once), in one
hand-written statement: the device with its office and gate, built into model instances by
core.rows without the query compiler, which on a busy gate costs more than the database does.
"""

import logging

from django.http import HttpRequest
from ninja.security import HttpBearer

from civicgate.core.prepared import fetchone_first
from civicgate.core.rows import Columns
from civicgate.devices.actions import TOKEN_PREFIX, hash_token
from civicgate.devices.models import Device
from civicgate.org.models import Gate, Office

logger = logging.getLogger(__name__)

# Tokens are TOKEN_PREFIX plus 43 base64url characters; anything far off is not looked up.
_MAX_TOKEN_LENGTH = 100

_DEVICE = Columns(Device, "d")
_OFFICE = Columns(Office, "o")
_GATE = Columns(Gate, "g")
# Names from the models' metadata only; the token hash goes as a parameter.
_SQL = (
    f"SELECT {_DEVICE.sql}, {_OFFICE.sql}, {_GATE.sql} "  # noqa: S608
    f'FROM "{Device._meta.db_table}" d '
    f'INNER JOIN "{Office._meta.db_table}" o ON o."id" = d."office_id" '
    f'LEFT OUTER JOIN "{Gate._meta.db_table}" g ON g."id" = d."gate_id" '
    'WHERE d."token_hash" = %s'
)


def device_by_token_hash(token_hash: str) -> Device | None:
    """The device holding this token hash, with its office and gate loaded (revoked or not)."""
    # The first statement of a device's request, prepared on PostgreSQL, and the check that a
    # connection kept from an earlier request still works.
    row = fetchone_first(_SQL, [token_hash])
    if row is None:
        return None
    device = _DEVICE.build(row)
    device.office = _OFFICE.build(row, _DEVICE.width)
    device.gate = _GATE.build(row, _DEVICE.width + _OFFICE.width)
    return device


class DeviceAuth(HttpBearer):
    """Bearer token of a registered, unrevoked device; sets request.device."""

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        token = token.strip()
        if not token.startswith(TOKEN_PREFIX) or len(token) > _MAX_TOKEN_LENGTH:
            return None
        device = device_by_token_hash(hash_token(token))
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
