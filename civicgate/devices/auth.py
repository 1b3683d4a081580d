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
An endpoint whose every call also reads one more row (the gate scan reads the pass it names)
subclasses DeviceAuth and adds it to the same statement (along()), one round trip fewer.
"""

import logging
from dataclasses import dataclass
from typing import Any

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

_DEVICE = Columns(Device, "dv")
_OFFICE = Columns(Office, "dv_o")
_GATE = Columns(Gate, "dv_g")
_WIDTH = _DEVICE.width + _OFFICE.width + _GATE.width
# Names from the models' metadata only; the token hash goes as a parameter.
_SELECT = f"SELECT {_DEVICE.sql}, {_OFFICE.sql}, {_GATE.sql}"
_FROM = (
    f' FROM "{Device._meta.db_table}" dv '
    f'INNER JOIN "{Office._meta.db_table}" dv_o ON dv_o."id" = dv."office_id" '
    f'LEFT OUTER JOIN "{Gate._meta.db_table}" dv_g ON dv_g."id" = dv."gate_id"'
)
_WHERE = ' WHERE dv."token_hash" = %s'


@dataclass(frozen=True)
class Along:
    """A row to read in the device's statement: a derived table LEFT JOINed ON TRUE (a
    SELECT of at most one row; its columns follow the device's) and its parameters."""

    select: str
    params: list[Any]


def device_by_token_hash(
    token_hash: str, along: Along | None = None
) -> tuple[Device | None, tuple[Any, ...] | None]:
    """The device holding this token hash, with its office and gate loaded (revoked or not),
    and the columns of along's row (all None when it found none), or None without along."""
    # The first statement of a device's request, prepared on PostgreSQL, and the check that a
    # connection kept from an earlier request still works.
    if along is None:
        row = fetchone_first(_SELECT + _FROM + _WHERE, [token_hash])
    else:
        row = fetchone_first(
            f"{_SELECT}, along.*{_FROM} LEFT OUTER JOIN ({along.select}) along ON TRUE{_WHERE}",
            [*along.params, token_hash],
        )
    if row is None:
        return None, None
    device = _DEVICE.build(row)
    device.office = _OFFICE.build(row, _DEVICE.width)
    device.gate = _GATE.build(row, _DEVICE.width + _OFFICE.width)
    return device, (row[_WIDTH:] if along is not None else None)


def token_shaped(token: str) -> bool:
    """Whether a bearer token (stripped) is worth looking up."""
    return token.startswith(TOKEN_PREFIX) and len(token) <= _MAX_TOKEN_LENGTH


class DeviceAuth(HttpBearer):
    """Bearer token of a registered, unrevoked device; sets request.device."""

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        token = token.strip()
        if not token_shaped(token):
            return None
        device, along = device_by_token_hash(hash_token(token), self.along(request))
        if device is None:
            return None
        if along is not None:
            request.device_along = along  # type: ignore[attr-defined]
        if device.revoked_at is not None:
            logger.warning(
                "Revoked device %s (%s) tried to authenticate", device.code, device.office.code
            )
            return None
        request.device = device  # type: ignore[attr-defined]
        return device

    def along(self, request: HttpRequest) -> Along | None:
        """The row this endpoint reads with the device (request.device_along), or None."""
        return None


device_auth = DeviceAuth()


def current_device(request: HttpRequest) -> Device:
    """The device that authenticated this request (only on endpoints with auth=device_auth)."""
    device = getattr(request, "device", None)
    if not isinstance(device, Device):
        raise RuntimeError("current_device() needs an endpoint protected by device_auth.")
    return device
