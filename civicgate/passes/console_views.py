"""The guard's gate console: choose a gate, the full-screen console, and its JSON endpoints.

The console decides online through scanning.record_scan. With the network down it decides
in the browser from what bootstrap gave it (public keys, revoked and inside passes, the words
in the guard's language) and uploads its queue later; scan ids keep every scan counted once.
"""

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from civicgate.accounts.access import has_role, role_required, scope_to_offices
from civicgate.accounts.roles import Role
from civicgate.org.models import Gate
from civicgate.passes import keys, scanning
from civicgate.passes.models import GatePass, GateScan
from civicgate.passes.schemas import ScanOut

DIRECTIONS = ("in", "out", "toggle")
MAX_UPLOAD = 500
MAX_CODE_LENGTH = 2000


class BadRequest(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


def guard_gates(user: Any) -> QuerySet[Gate]:
    """The open gates of the guard's offices."""
    return (
        scope_to_offices(Gate.objects.select_related("office"), user)
        .filter(active=True, office__active=True)
        .order_by("office__code", "code")
    )


def gate_key(gate: Gate) -> str:
    return f"{gate.office.code}.{gate.code}"


def _find_gate(user: Any, key: str) -> Gate | None:
    office_code, _dot, gate_code = key.partition(".")
    if not office_code or not gate_code:
        return None
    return guard_gates(user).filter(office__code=office_code, code=gate_code).first()


def console_api(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the console's JSON endpoints: a signed-in guard of the gate's office, errors as JSON.

    A console left open outlives its session; it must hear 401, not an HTML login page.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, gate: str, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _error(401, "unauthorized", _("Your session has ended. Sign in again."))
        if not has_role(request.user, Role.GUARD):
            return _error(403, "forbidden", _("Only guards may use the gate console."))
        found = _find_gate(request.user, gate)
        if found is None:
            return _error(404, "not_found", _("No such gate among your offices."))
        try:
            return view(request, found, **kwargs)
        except BadRequest as exc:
            return _error(400, "bad_request", exc.message)

    return wrapped


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(_("The request is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise BadRequest(_("The request must be a JSON object."))
    return body


def _scan_fields(item: Any, where: str = "") -> dict[str, Any]:
    """Validate one scan from the console: scan_id, code, direction, scanned_at."""
    prefix = f"{where}: " if where else ""
    if not isinstance(item, dict):
        raise BadRequest(prefix + _("Each scan must be a JSON object."))
    try:
        scan_id = uuid.UUID(str(item.get("scan_id", "")))
    except ValueError:
        raise BadRequest(prefix + _("scan_id must be a UUID.")) from None
    code = item.get("code")
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH:
        raise BadRequest(prefix + _("code must be the text of the QR code."))
    direction = item.get("direction")
    if direction not in ("in", "out"):
        raise BadRequest(prefix + _('direction must be "in" or "out".'))
    raw_time = item.get("scanned_at")
    scanned_at = parse_datetime(raw_time) if isinstance(raw_time, str) else None
    if scanned_at is None or timezone.is_naive(scanned_at):
        raise BadRequest(prefix + _("scanned_at must be an ISO 8601 time with its time zone."))
    return {"scan_id": scan_id, "code": code, "direction": direction, "scanned_at": scanned_at}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def result_payload(result: scanning.ScanResult) -> dict[str, Any]:
    """A ScanResult as the device API gives it, plus the scan id and whether it was a repeat."""
    payload: dict[str, Any] = ScanOut.of(result).model_dump(by_alias=True, mode="json")
    payload.update(
        scan_id=str(result.scan.scan_id),
        duplicate=result.duplicate,
        overridden=bool(result.scan.override_reason),
    )
    return payload


@role_required(Role.GUARD)
@require_GET
def choose(request: HttpRequest) -> HttpResponse:
    """Pick a gate and a direction; the choice opens the full-screen console."""
    gates = list(guard_gates(request.user))
    chosen = request.GET.get("gate", "")
    direction = request.GET.get("direction", "toggle")
    error = ""
    if chosen:
        gate = next((g for g in gates if gate_key(g) == chosen), None)
        if gate is None:
            error = _("Choose one of your gates.")
        elif direction not in DIRECTIONS:
            error = _("Choose in, out or both.")
        else:
            url = reverse("passes:console_gate", args=[chosen])
            return redirect(f"{url}?direction={direction}")
    context = {
        "gates": [(gate_key(g), g) for g in gates],
        "chosen": chosen,
        "direction": direction,
        "error": error,
    }
    return render(request, "passes/console_choose.html", context)


@role_required(Role.GUARD)
@require_GET
@ensure_csrf_cookie
def console(request: HttpRequest, gate: str) -> HttpResponse:
    """The full-screen console of one gate."""
    found = _find_gate(request.user, gate)
    if found is None:
        return render(request, "404.html", status=404)
    direction = request.GET.get("direction", "toggle")
    if direction not in DIRECTIONS:
        direction = "toggle"
    config = {
        "gate": gate_key(found),
        "direction": direction,
        "urls": {
            name: reverse(f"passes:console_{name}", args=[gate_key(found)])
            for name in ("bootstrap", "scan", "upload", "override")
        },
        "choose_url": reverse("passes:console"),
        "refresh_seconds": 60,
        "retry_seconds": 5,
        "timeout_ms": 4000,
    }
    return render(
        request, "passes/console.html", {"gate": found, "config": config, "direction": direction}
    )


def _console_strings() -> dict[str, str]:
    """Every word the console's script shows, in the guard's language."""
    return {
        "allow": _("ALLOW"),
        "deny": _("DENY"),
        "in": _("IN"),
        "out": _("OUT"),
        "toggle": _("Tap to switch between in and out"),
        "ready": _("Ready: scan a pass"),
        "checking": _("Checking…"),
        "online": _("Online"),
        "offline": _("OFFLINE — decided locally"),
        "offline_status": _("Offline: deciding locally"),
        "signed_out": _("Your session has ended. Sign in again; scans are kept meanwhile."),
        "queued": _("Scans waiting to upload: {n}"),
        "uploaded": _("Uploaded {n} offline scans."),
        "synced": _("updated {time}"),
        "visitor": _("Visitor"),
        "host": _("Host"),
        "window": _("Valid"),
        "pass": _("Pass"),
        "no_details_offline": _("Compare the face with the pass: no photo offline."),
        "typed_offline": _("A typed pass code needs the network; scan the QR code."),
        "duplicate": _("Already recorded: this is the first decision."),
        "overridden": _("Let through by the guard."),
        "override": _("Override: let through"),
        "override_title": _("Let this visitor through"),
        "override_reason": _("Reason (required)"),
        "override_submit": _("Let through"),
        "override_cancel": _("Cancel"),
        "override_needs_reason": _("Give a reason for the override."),
        "override_offline": _("Overrides need the network."),
        "camera_start": _("Use camera"),
        "camera_stop": _("Stop camera"),
        "camera_insecure": _(
            "The camera works only over https or on this computer (localhost). Use the USB scanner."
        ),
        "camera_unavailable": _("No camera could be opened: {error}"),
        "error": _("The scan could not be recorded: {message}"),
    }


def _reason_messages() -> dict[str, dict[str, str]]:
    """The scan engine's own words for each reason, for entries and for exits."""
    return {
        direction: {reason: scanning.message_for(reason, direction) for reason in scanning.REASONS}
        for direction in ("in", "out")
    }


def _passes_known_to_gate(gate: Gate) -> dict[str, Any]:
    """What an offline console needs about the passes of the gate's office.

    refused: code -> the reason the scan engine refuses a pass in that state (revoked, used,
    waiting for approval, ...); inside: code -> when the visit began, for anti-passback.
    """
    since = timezone.now() - timedelta(days=settings.PASS_MAX_DAYS)
    states = [GatePass.State.INSIDE, *scanning._STATE_DENIALS]
    rows = GatePass.objects.filter(
        office_id=gate.office_id, state__in=states, updated_at__gte=since
    ).values_list("code", "state", "entered_at")
    refused: dict[str, str] = {}
    inside: dict[str, str | None] = {}
    for code, state, entered_at in rows:
        if state == GatePass.State.INSIDE:
            inside[code] = _iso(entered_at)
        else:
            refused[code] = scanning._STATE_DENIALS[GatePass.State(state)]
    return {"refused": refused, "inside": inside}


@require_GET
@console_api
def bootstrap(request: HttpRequest, gate: Gate) -> HttpResponse:
    """Everything the console needs to decide with no network, in the guard's language."""
    now = timezone.now()
    return JsonResponse(
        {
            "generated_at": now.isoformat(),
            "office": gate.office.code,
            "office_name": gate.office.name,
            "time_zone": gate.office.time_zone,
            "gate": gate.code,
            "gate_name": gate.name,
            "language": get_language(),
            "keys": keys.published_keys(),
            "forgiveness_minutes": settings.PASS_ANTI_PASSBACK_FORGIVENESS_MINUTES,
            **_passes_known_to_gate(gate),
            "strings": _console_strings(),
            "reasons": _reason_messages(),
        }
    )


@require_POST
@console_api
def scan(request: HttpRequest, gate: Gate) -> HttpResponse:
    fields = _scan_fields(_json_body(request))
    result = scanning.record_scan(**fields, gate=gate, guard=request.user, request=request)
    return JsonResponse(result_payload(result))


@require_POST
@console_api
def upload(request: HttpRequest, gate: Gate) -> HttpResponse:
    """The offline queue of a console, in one go; each scan counts once, however often sent."""
    scans = _json_body(request).get("scans")
    if not isinstance(scans, list) or not scans:
        raise BadRequest(_("scans must be a non-empty list."))
    if len(scans) > MAX_UPLOAD:
        raise BadRequest(_("Send at most %(n)d scans at a time.") % {"n": MAX_UPLOAD})
    checked = []
    for index, item in enumerate(scans):
        fields = _scan_fields(item, where=f"scans[{index}]")
        local = item.get("local_decision")
        if local not in ("allow", "deny"):
            raise BadRequest(f"scans[{index}]: " + _('local_decision must be "allow" or "deny".'))
        checked.append({**fields, "local_decision": local})
    results = scanning.upload_offline_scans(checked, gate=gate, guard=request.user)
    return JsonResponse({"results": [result_payload(r) for r in results]})


@require_POST
@console_api
def override(request: HttpRequest, gate: Gate) -> HttpResponse:
    """Let a visitor whom this gate refused through, with the guard's reason."""
    body = _json_body(request)
    try:
        scan_id = uuid.UUID(str(body.get("scan_id", "")))
    except ValueError:
        raise BadRequest(_("scan_id must be a UUID.")) from None
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise BadRequest(_("Give a reason for the override."))
    found = GateScan.objects.filter(scan_id=scan_id, gate=gate).first()
    if found is None:
        return _error(404, "not_found", _("No such scan at this gate."))
    try:
        result = scanning.override_scan(
            found, guard=request.user, reason=reason.strip()[:300], request=request
        )
    except ValidationError as error:
        return _error(409, "not_overridable", " ".join(error.messages))
    return JsonResponse(result_payload(result))
