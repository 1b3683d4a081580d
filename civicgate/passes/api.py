"""The gate API for devices (turnstiles, handhelds) and offline consoles, under /api/v1/gate."""

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import NinjaJSONEncoder
from ninja.security import APIKeyCookie

from civicgate.accounts.access import has_role, offices_for
from civicgate.accounts.roles import Role
from civicgate.api import ApiError
from civicgate.devices.auth import Along, DeviceAuth, current_device, device_auth
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
        text = body.get("code") if isinstance(body, dict) else None
        code = scanning.pass_code_in(text) if isinstance(text, str) else None
        if code is None:
            return None
        sql, params = scanning.pass_query(code)
        request.scanned_code = code  # type: ignore[attr-defined]
        return Along(sql, params)


def _pass_read(request: HttpRequest) -> PassRead | None:
    row = getattr(request, "device_along", None)
    if row is None:
        return None
    gate_pass, watched = scanning.pass_from_row(row)
    return PassRead(request.scanned_code, gate_pass, watched)  # type: ignore[attr-defined]


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
    result = record_scan(
        scan_id=payload.scan_id,
        code=payload.code,
        direction=payload.direction,
        scanned_at=payload.scanned_at,
        gate=device.gate,
        device=device,
        request=request,
        read=_pass_read(request),
    )
    # Rendered here rather than validated against ScanOut again by the framework: the busiest
    # call of the API, and the payload is built from ScanOut's own fields (a test holds them to
    # the schema).
    return HttpResponse(
        json.dumps(ScanOut.payload(result), cls=NinjaJSONEncoder),
        content_type="application/json; charset=utf-8",
    )


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
