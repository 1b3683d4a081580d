"""The citizen's passes on the web (request, pass page, QR, slip, list) and host approvals."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgate.accounts.access import role_required
from civicgate.accounts.citizen import citizen_required, current_citizen
from civicgate.accounts.models import Citizen
from civicgate.accounts.roles import Role
from civicgate.audit.chain import record
from civicgate.core.phone import mask_mobile
from civicgate.org.models import Office
from civicgate.passes import approvals, citizen_actions, rendering
from civicgate.passes.actions import CONSENT_NOTICE_VERSION
from civicgate.passes.forms import PassRequestForm, RejectForm
from civicgate.passes.models import GatePass

PassView = Callable[..., HttpResponse]
# States in which the pass opens a gate (given its time window): only then is the QR shown.
USABLE_STATES = {GatePass.State.ISSUED, GatePass.State.INSIDE, GatePass.State.OUTSIDE}
STATE_BADGES: dict[str, str] = {
    GatePass.State.PENDING: "warn",
    GatePass.State.ISSUED: "ok",
    GatePass.State.INSIDE: "ok",
    GatePass.State.OUTSIDE: "ok",
    GatePass.State.REJECTED: "bad",
    GatePass.State.REVOKED: "bad",
    GatePass.State.EXPIRED: "bad",
}


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _name_for(citizen: Citizen) -> str:
    visitor = citizen_actions.visitor_for(citizen)
    return visitor.name if visitor else citizen.name


def _apply_errors(form: PassRequestForm, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, messages_ in error.message_dict.items():
        target = field if field in form.fields else None
        for message in messages_:
            form.add_error(target, message)


@citizen_required
@require_http_methods(["GET", "POST"])
def request_pass(request: HttpRequest) -> HttpResponse:
    """Ask for a pass. An htmx GET with an office gives back just the host box for it."""
    citizen = current_citizen(request)
    assert citizen is not None
    if request.method == "GET" and request.htmx:  # type: ignore[attr-defined]
        code = request.GET.get("office", "")
        office = Office.objects.filter(code=code, active=True).first() if code else None
        form = PassRequestForm(office=office)
        return render(request, "passes/partials/request_hosts.html", {"form": form})
    status = 200
    if request.method == "POST":
        form = PassRequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            wanted = citizen_actions.PassRequest(
                office=data["office"],
                host_official=data["host_official"],
                host_department=data["host_department"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                purpose=data["purpose"],
                name=data["name"],
            )
            try:
                gate_pass = citizen_actions.request_pass(
                    citizen=citizen, wanted=wanted, language=_language(), request=request
                )
            except citizen_actions.TooManyRequests as exc:
                form.add_error(None, exc.message)
                status = 429
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                if gate_pass.state == GatePass.State.PENDING:
                    messages.info(
                        request,
                        _(
                            "Your request has gone to the host for approval. We will send you "
                            "the pass by SMS and WhatsApp once it is approved."
                        ),
                    )
                else:
                    messages.success(
                        request, _("Your pass is ready. We have also sent it by SMS and WhatsApp.")
                    )
                return redirect("passes:pass", gate_pass.code)
    else:
        form = PassRequestForm(initial={"name": _name_for(citizen)})
    context = {"form": form, "notice_version": CONSENT_NOTICE_VERSION}
    return render(request, "passes/request.html", context, status=status)


def _pass_access(view: PassView) -> Callable[..., HttpResponse]:
    """The pass's owner (the signed-in citizen with its mobile), or whoever holds its signed
    link, may see a pass. Anyone else is sent to sign in, refused, or told it is not there."""

    @wraps(view)
    def wrapped(request: HttpRequest, code: str, **kwargs: Any) -> HttpResponse:
        citizen = current_citizen(request)
        signature = request.GET.get(citizen_actions.LINK_PARAM, "")
        if citizen is None and not signature:
            response = redirect("citizen:start")
            response["Location"] += "?" + urlencode({"next": request.get_full_path()})
            return response
        gate_pass = (
            GatePass.objects.select_related(
                "visitor", "office", "host_official__employee", "host_department"
            )
            .filter(code=code)
            .first()
        )
        access: dict[str, Any] = {}
        if gate_pass is not None and citizen_actions.owns_pass(citizen, gate_pass):
            access = {"actor": citizen, "via": "owner", "signature": ""}
        elif signature:
            if gate_pass is None or not citizen_actions.link_is_valid(code, signature):
                return render(request, "passes/pass_refused.html", status=403)
            access = {"actor": "pass link", "via": "link", "signature": signature}
        else:
            raise Http404
        return view(request, gate_pass, access, **kwargs)

    return wrapped


def _audit_view(
    request: HttpRequest, gate_pass: GatePass, access: dict[str, Any], what: str
) -> None:
    record(
        "passes.pass_viewed",
        actor=access["actor"],
        obj=gate_pass,
        office=gate_pass.office,
        request=request,
        data={"via": access["via"], "what": what},
    )


def _usable(gate_pass: GatePass) -> bool:
    return gate_pass.state in USABLE_STATES and gate_pass.valid_until > timezone.now()


def _with_signature(url: str, access: dict[str, Any], **params: str) -> str:
    if access["signature"]:
        params[citizen_actions.LINK_PARAM] = access["signature"]
    return f"{url}?{urlencode(params)}" if params else url


@never_cache
@require_GET
@_pass_access
def pass_page(request: HttpRequest, gate_pass: GatePass, access: dict[str, Any]) -> HttpResponse:
    _audit_view(request, gate_pass, access, "page")
    usable = _usable(gate_pass)
    code = gate_pass.code
    links = {
        "png": _with_signature(reverse("passes:pass_qr", args=[code, "png"]), access),
        "svg": _with_signature(reverse("passes:pass_qr", args=[code, "svg"]), access),
        "a6": _with_signature(reverse("passes:pass_slip", args=[code]), access, size="a6"),
        "thermal": _with_signature(reverse("passes:pass_slip", args=[code]), access, size="80mm"),
    }
    context = {
        "gate_pass": gate_pass,
        "usable": usable,
        "expired": gate_pass.valid_until <= timezone.now(),
        "qr_svg": rendering.qr_svg_inline(gate_pass.token, _("Gate pass QR code"))
        if usable
        else "",
        "host": rendering.host_text(gate_pass),
        "masked_mobile": mask_mobile(gate_pass.visitor.mobile),
        "badge": STATE_BADGES.get(gate_pass.state, ""),
        "links": links,
        "owner": access["via"] == "owner",
    }
    return render(request, "passes/pass.html", context)


def _not_usable(request: HttpRequest) -> HttpResponse:
    return render(request, "passes/pass_refused.html", {"not_usable": True}, status=409)


@never_cache
@require_GET
@_pass_access
def pass_qr(
    request: HttpRequest, gate_pass: GatePass, access: dict[str, Any], fmt: str
) -> HttpResponse:
    if not _usable(gate_pass):
        return _not_usable(request)
    _audit_view(request, gate_pass, access, f"qr_{fmt}")
    if fmt == "svg":
        body, content_type = rendering.qr_svg(gate_pass.token), "image/svg+xml"
    else:
        body, content_type = rendering.qr_png(gate_pass.token), "image/png"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="gate-pass-{gate_pass.code}.{fmt}"'
    return response


@never_cache
@require_GET
@_pass_access
def pass_slip(request: HttpRequest, gate_pass: GatePass, access: dict[str, Any]) -> HttpResponse:
    size = request.GET.get("size", "a6").lower()
    if size not in rendering.SLIP_SIZES:
        size = "a6"
    if not _usable(gate_pass):
        return _not_usable(request)
    _audit_view(request, gate_pass, access, f"slip_{size}")
    response = HttpResponse(
        rendering.pass_slip_pdf(gate_pass, size), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="gate-pass-{gate_pass.code}-{size}.pdf"'
    return response


@citizen_required
@require_GET
def my_passes(request: HttpRequest) -> HttpResponse:
    citizen = current_citizen(request)
    assert citizen is not None
    passes = list(citizen_actions.passes_of(citizen)[:100])
    rows = [
        {
            "pass": p,
            "host": rendering.host_text(p),
            "window": rendering.window_text(p.valid_from, p.valid_until),
            "badge": STATE_BADGES.get(p.state, ""),
        }
        for p in passes
    ]
    return render(request, "passes/pass_mine.html", {"rows": rows})


@role_required(Role.OFFICIAL)
@require_GET
def approval_list(request: HttpRequest) -> HttpResponse:
    pending = list(approvals.pending_for(request.user))
    rows = [
        {
            "pass": p,
            "host": rendering.host_text(p),
            "window": rendering.window_text(p.valid_from, p.valid_until),
            "masked_mobile": mask_mobile(p.visitor.mobile),
        }
        for p in pending
    ]
    context = {
        "rows": rows,
        "is_host": approvals.official_of(request.user) is not None,
    }
    return render(request, "passes/approvals.html", context)


@role_required(Role.OFFICIAL)
@require_POST
def approve(request: HttpRequest, code: str) -> HttpResponse:
    try:
        gate_pass = approvals.pass_to_decide(request.user, code)
        approvals.approve_pass(gate_pass, user=request.user, request=request)
    except approvals.AlreadyDecided as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Pass %(code)s approved. The visitor has been sent the pass.")
            % {"code": gate_pass.code},
        )
    return redirect("passes:approvals")


@role_required(Role.OFFICIAL)
@require_POST
def reject(request: HttpRequest, code: str) -> HttpResponse:
    form = RejectForm(request.POST)
    try:
        gate_pass = approvals.pass_to_decide(request.user, code)
        if not form.is_valid():
            raise ValidationError(form.errors["reason"][0])
        approvals.reject_pass(
            gate_pass, user=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except approvals.AlreadyDecided as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Pass %(code)s not approved.") % {"code": gate_pass.code})
    return redirect("passes:approvals")
