"""The gate API for devices (turnstiles, handhelds) and offline consoles, under /api/v1/gate."""

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import NinjaJSONEncoder
from ninja.security import APIKeyCookie

from civicgate.accounts.access import has_role, offices_for
from civicgate.accounts.roles import Role
from civicgate.api import ApiError
from civicgate.devices.actions import hash_token
from civicgate.devices.auth import (
    Along,
    DeviceAuth,
    current_device,
    device_auth,
    device_by_token_hash,
    token_shaped,
)
from civicgate.devices.models import Device
from civicgate.passes import keys, scanning
from civicgate.passes.models import GatePass
from civicgate.passes.scanning import PassRead, record_scan
from civicgate.passes.schemas import ErrorOut, KeyOut, KeysOut, RevocationsOut, ScanIn, ScanOut

router = Router(tags=["gate"])

_GATE_STAFF = (Role.GUARD, Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.DESK_OPERATOR)
# States in which a pass's genuine token must still be refused at a gate.
_REFUSED_STATES = (
    GatePass.State.REVOKED,
    GatePass.State.REJECTED,
    GatePass.State.PENDING,
    GatePass.State.CLOSED,
)


class GateStaffSession(APIKeyCookie):
    """A signed-in guard or security officer (past the second factor where the role needs it)."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated or not has_role(user, *_GATE_STAFF):
            return None
        if has_role(user, *settings.SECOND_FACTOR_ROLES) and not user.is_verified():  # type: ignore[attr-defined]
            return None
        return user


class ScanningDevice(DeviceAuth):
    """A device's bearer token, with the pass its scan names read in the same statement (the
    busiest call of the API: one round trip fewer). The code is only looked at here; the
    body is validated, and the pass decided on, as for any scan."""

    def along(self, request: HttpRequest) -> Along | None:
        try:
            body = json.loads(request.body)
        except ValueError:
            return None
        code = _pass_code(body.get("code") if isinstance(body, dict) else None)
        if code is None:
            return None
        request.scanned_code = code  # type: ignore[attr-defined]
        return Along(*scanning.pass_query(code))


def _pass_code(text: Any) -> str | None:
    return scanning.pass_code_in(text) if isinstance(text, str) else None


def _pass_read(code: str | None, row: tuple[Any, ...] | None) -> PassRead | None:
    """The pass read along with the device (row: its columns), for the decision."""
    if code is None or row is None:
        return None
    gate_pass, watched = scanning.pass_from_row(row)
    return PassRead(code, gate_pass, watched)


@router.post(
    "/scans",
    auth=ScanningDevice(),
    response={200: ScanOut, 401: ErrorOut, 422: ErrorOut},
    by_alias=True,
    summary="Decide a pass scanned at the device's gate: allow or deny, with the reason",
)
def scan(request: HttpRequest, payload: ScanIn) -> HttpResponse:
    device = current_device(request)
    if device.gate is None:
        raise ApiError(
            422,
            "no_gate",
            _("This device is not placed at a gate; an administrator must assign one."),
        )
    if device.direction not in (Device.Direction.BOTH, payload.direction):
        raise ApiError(
            422,
            "wrong_direction",
            _("This device scans only “%(allowed)s”; it cannot record “%(asked)s”.")
            % {"allowed": device.direction, "asked": payload.direction},
        )
    return _answer(
        request,
        device,
        payload.scan_id,
        payload.code,
        payload.direction,
        payload.scanned_at,
        _pass_read(getattr(request, "scanned_code", None), getattr(request, "device_along", None)),
    )


def _answer(
    request: HttpRequest,
    device: Device,
    scan_id: uuid.UUID,
    code: str,
    direction: str,
    scanned_at: datetime,
    read: PassRead | None,
) -> HttpResponse:
    assert device.gate is not None
    result = record_scan(
        scan_id=scan_id,
        code=code,
        direction=direction,
        scanned_at=scanned_at,
        gate=device.gate,
        device=device,
        request=request,
        read=read,
    )
    # Rendered here rather than validated against ScanOut again by the framework: the busiest
    # call of the API, and the payload is built from ScanOut's own fields (a test holds them to
    # the schema).
    return HttpResponse(
        json.dumps(ScanOut.payload(result), cls=NinjaJSONEncoder),
        content_type="application/json; charset=utf-8",
    )


# The usual scan, as a device sends it: these four keys, a UUID in its usual spelling and a
# time in ISO 8601 to the second or finer with its UTC offset (as ScanIn reads it).
_SCAN_KEYS = {"scan_id", "code", "direction", "scanned_at"}
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_AWARE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_MAX_CODE = ScanIn.model_fields["code"].metadata[0].max_length


def plain_scan(
    request: HttpRequest, endpoint: Callable[[HttpRequest], HttpResponseBase]
) -> HttpResponseBase:
    """POST /api/v1/gate/scans for the usual request (core.handlers, settings.PLAIN_API_VIEWS):
    a well-formed scan from a registered device placed at a gate, decided and answered exactly
    as scan() would, without URL routing or the API framework. Anything else, a bad body, an
    unknown or revoked token, a device without a gate or for the other direction, goes to
    endpoint, the API's own view, which answers it (and logs it) as always."""
    usual = _usual_scan(request)
    if usual is None:
        return endpoint(request)
    token, scan_id, code, direction, scanned_at = usual
    pass_code = _pass_code(code)
    along = Along(*scanning.pass_query(pass_code)) if pass_code is not None else None
    device, row = device_by_token_hash(hash_token(token), along)
    if (
        device is None
        or device.revoked_at is not None
        or device.gate is None
        or device.direction not in (Device.Direction.BOTH, direction)
    ):
        return endpoint(request)
    request.device = device  # type: ignore[attr-defined]
    read = _pass_read(pass_code, row)
    return _answer(request, device, scan_id, code, direction, scanned_at, read)


def _usual_scan(request: HttpRequest) -> tuple[str, uuid.UUID, str, str, datetime] | None:
    if request.method != "POST" or request.content_type != "application/json":
        return None
    scheme, _space, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token_shaped(token):
        return None
    try:
        body = json.loads(request.body)
    except (ValueError, RequestDataTooBig):  # the endpoint answers: 422, or 413 too_large
        return None
    if not isinstance(body, dict) or body.keys() != _SCAN_KEYS:
        return None
    scan_id, code, direction, scanned_at = (
        body["scan_id"],
        body["code"],
        body["direction"],
        body["scanned_at"],
    )
    if not (
        isinstance(scan_id, str)
        and len(scan_id) == 36
        and _UUID.fullmatch(scan_id)
        and isinstance(code, str)
        and len(code) <= _MAX_CODE
        and direction in ("in", "out")
        and isinstance(scanned_at, str)
        and _AWARE_TIME.fullmatch(scanned_at)
    ):
        return None
    try:
        moment = datetime.fromisoformat(scanned_at)
    except ValueError:  # a day or hour that does not exist
        return None
    return token, uuid.UUID(scan_id), code, direction, moment


@router.get(
    "/keys",
    auth=None,
    response={200: KeysOut},
    summary="The public keys that pass tokens are signed with (for gates deciding offline)",
)
def public_keys(request: HttpRequest, response: HttpResponse) -> KeysOut:
    response["Cache-Control"] = "public, max-age=300"
    return KeysOut(
        keys=[KeyOut(kid=kid, public_key=raw) for kid, raw in sorted(keys.published_keys().items())]
    )


@router.get(
    "/revocations",
    auth=[device_auth, GateStaffSession()],
    response={200: RevocationsOut, 401: ErrorOut},
    summary="Codes of passes a gate must refuse though their token is genuine",
)
def revocations(request: HttpRequest) -> RevocationsOut:
    now = timezone.now()
    passes = GatePass.objects.filter(
        state__in=_REFUSED_STATES,
        updated_at__gte=now - timedelta(days=settings.PASS_MAX_DAYS),
    )
    if isinstance(getattr(request, "device", None), Device):
        passes = passes.filter(office=current_device(request).office)
    else:
        passes = passes.filter(office__in=offices_for(request.user))
    return RevocationsOut(
        generated_at=now, revoked=list(passes.order_by("code").values_list("code", flat=True))
    )
