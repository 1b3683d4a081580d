"""Citizen sign-in by mobile number and one-time code, and the citizen's home page."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicgate.accounts.citizen import (
    citizen_required,
    current_citizen,
    over_rate_limit,
    sign_in_citizen,
    sign_out_citizen,
)
from civicgate.accounts.models import OtpChallenge
from civicgate.accounts.otp import OtpError, request_code, resend_wait_seconds, verify_code
from civicgate.audit.chain import client_address, record
from civicgate.core.crypto import decrypt_text, encrypt_text
from civicgate.core.phone import mask_mobile, normalize_mobile

PENDING_KEY = "civicgate_citizen_pending"
# Per client address, on top of the per-number and per-address daily caps in otp.py.
REQUESTS_PER_WINDOW = 20
TRIES_PER_WINDOW = 30
WINDOW_SECONDS = 600


class MobileForm(forms.Form):
    mobile = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        help_text=gettext_lazy("We will send a 6-digit code to this number by SMS."),
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "tel",
                "autofocus": True,
                "placeholder": "98300 12345",
            }
        ),
    )

    def clean_mobile(self) -> str:
        return normalize_mobile(self.cleaned_data["mobile"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "pattern": "[0-9 ]*",
                "maxlength": "7",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError(_("Enter the 6 digits from the SMS."))
        return code


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure()):
        return value
    return ""


def _pending(request: HttpRequest) -> dict[str, str] | None:
    """The number waiting for its code in this session (kept encrypted in the session)."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    try:
        return {**pending, "mobile": decrypt_text(pending["mobile"])}
    except (KeyError, ValueError):
        request.session.pop(PENDING_KEY, None)
        return None


def _set_pending(request: HttpRequest, mobile: str, next_url: str) -> None:
    request.session[PENDING_KEY] = {"mobile": encrypt_text(mobile), "next": next_url}


def _too_many(request: HttpRequest, scope: str, limit: int) -> bool:
    return over_rate_limit(scope, client_address(request), limit, WINDOW_SECONDS)


def _rate_limited_message() -> str:
    return _("Too many tries from this connection. Please wait a few minutes and try again.")


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if current_citizen(request) is not None:
        return redirect(next_url or "citizen:home")
    form = MobileForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        if _too_many(request, "otp-request", REQUESTS_PER_WINDOW):
            form.add_error(None, _rate_limited_message())
            status = 429
        else:
            try:
                request_code(
                    mobile,
                    purpose=OtpChallenge.Purpose.LOGIN,
                    client_address=client_address(request),
                    language=get_language() or settings.LANGUAGE_CODE,
                )
            except OtpError as exc:
                if exc.code != "cooldown":
                    form.add_error(None, exc.message)
                    status = 429
                else:
                    # The code sent a moment ago is still good: go and enter it.
                    _set_pending(request, mobile, next_url)
                    messages.info(request, exc.message)
                    return redirect("citizen:verify")
            else:
                _set_pending(request, mobile, next_url)
                return redirect("citizen:verify")
    return render(request, "citizen/start.html", {"form": form, "next": next_url}, status=status)


def _resend(request: HttpRequest, mobile: str) -> HttpResponse:
    if _too_many(request, "otp-request", REQUESTS_PER_WINDOW):
        messages.error(request, _rate_limited_message())
        return redirect("citizen:verify")
    try:
        request_code(
            mobile,
            purpose=OtpChallenge.Purpose.LOGIN,
            client_address=client_address(request),
            language=get_language() or settings.LANGUAGE_CODE,
        )
    except OtpError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new code has been sent. The earlier code no longer works."))
    return redirect("citizen:verify")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        messages.info(request, _("Enter your mobile number first."))
        return redirect("citizen:start")
    mobile = pending["mobile"]
    if request.method == "POST" and request.POST.get("action") == "resend":
        return _resend(request, mobile)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if _too_many(request, "otp-verify", TRIES_PER_WINDOW):
            form.add_error(None, _rate_limited_message())
            status = 429
        else:
            try:
                citizen = verify_code(
                    mobile,
                    form.cleaned_data["code"],
                    purpose=OtpChallenge.Purpose.LOGIN,
                    client_address=client_address(request),
                    language=get_language(),
                )
            except OtpError as exc:
                form.add_error("code", exc.message)
            else:
                next_url = _safe_next(request, pending.get("next"))
                request.session.pop(PENDING_KEY, None)
                sign_in_citizen(request, citizen)
                messages.success(request, _("Your mobile number is verified. You are signed in."))
                return redirect(next_url or "citizen:home")
    context: dict[str, Any] = {
        "form": form,
        "masked_mobile": mask_mobile(mobile),
        "wait_seconds": resend_wait_seconds(mobile),
        "valid_minutes": settings.CITIZEN_OTP_TTL_SECONDS // 60,
    }
    return render(request, "citizen/verify.html", context, status=status)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    citizen = current_citizen(request)
    if citizen is not None:
        record("citizen.signed_out", actor=citizen, obj=citizen, request=request)
    sign_out_citizen(request)
    messages.success(request, _("You have signed out."))
    return redirect("citizen:start")


@citizen_required
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    citizen = current_citizen(request)
    assert citizen is not None
    return render(
        request,
        "citizen/home.html",
        {"citizen": citizen, "masked_mobile": mask_mobile(citizen.mobile)},
    )
