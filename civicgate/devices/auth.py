"""Authentication of devices on the JSON API: `Authorization: Bearer cgd_...`.

Any app's endpoint that a device calls (gate scans, card punches) uses it:

    from civicgate.devices.auth import device_auth, current_device

    @router.post("/scans", auth=device_auth)
    def scan(request, payload: ScanIn) -> ...:
        device = current_device(request)

Unknown, malformed and revoked tokens all answer 401 {"error": "unauthorized", ...}.

Every request reads the device afresh (a revoked or rotated token stops at once), in one
prepared statement: the device with its office and gate, built into model instances without
the query compiler, which on a busy gate costs more than the database does.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Model
from django.http import HttpRequest
from ninja.security import HttpBearer

from civicgate.devices.actions import TOKEN_PREFIX, hash_token
from civicgate.devices.models import Device
from civicgate.org.models import Gate, Office

logger = logging.getLogger(__name__)

# Tokens are TOKEN_PREFIX plus 43 base64url characters; anything far off is not looked up.
_MAX_TOKEN_LENGTH = 100

_Converter = Callable[[Any, Any, Any], Any]


class _Part:
    """One model's columns in the device query, and how to turn its row slice into an instance."""

    def __init__(self, model: type[Model], alias: str):
        self.model, self.alias = model, alias
        self.fields: list[Any] = list(model._meta.concrete_fields)
        self.names = [field.attname for field in self.fields]
        self.columns = ", ".join(f'{alias}."{field.column}"' for field in self.fields)
        self._converters: dict[str, list[tuple[int, list[_Converter], Any]]] = {}

    def converters(self) -> list[tuple[int, list[_Converter], Any]]:
        vendor = connection.vendor
        if vendor not in self._converters:
            found = []
            for i, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                funcs = connection.ops.get_db_converters(column) + field.get_db_converters(
                    connection
                )
                if funcs:
                    found.append((i, funcs, column))
            self._converters[vendor] = found
        return self._converters[vendor]

    def build(self, values: list[Any]) -> Any:
        for i, funcs, column in self.converters():
            for func in funcs:
                values[i] = func(values[i], column, connection)
        return self.model.from_db(connection.alias, self.names, values)


_DEVICE = _Part(Device, "d")
_OFFICE = _Part(Office, "o")
_GATE = _Part(Gate, "g")
# Names from the models' metadata only; the token hash goes as a parameter.
_SQL = (
    f"SELECT {_DEVICE.columns}, {_OFFICE.columns}, {_GATE.columns} "  # noqa: S608
    f'FROM "{Device._meta.db_table}" d '
    f'INNER JOIN "{Office._meta.db_table}" o ON o."id" = d."office_id" '
    f'LEFT OUTER JOIN "{Gate._meta.db_table}" g ON g."id" = d."gate_id" '
    'WHERE d."token_hash" = %s'
)


def device_by_token_hash(token_hash: str) -> Device | None:
    """The device holding this token hash, with its office and gate loaded (revoked or not)."""
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    n_device, n_office = len(_DEVICE.fields), len(_OFFICE.fields)
    values = list(row)
    device = _DEVICE.build(values[:n_device])
    device.office = _OFFICE.build(values[n_device : n_device + n_office])
    gate_values = values[n_device + n_office :]
    device.gate = _GATE.build(gate_values) if gate_values[0] is not None else None
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
