"""Staff sign-in, second factor, home and profile."""

import base64
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgate.accounts.access import offices_for
from civicgate.accounts.navigation import entries_for
from civicgate.audit.chain import record
from civicgate.core.phone import mask_mobile


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record("accounts.login", actor=self.request.user, request=self.request)
        return response


login_view = LoginView.as_view()


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record("accounts.logout", actor=request.user, request=request)
    logout(request)
    return redirect("accounts:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/home.html",
        {"entries": entries_for(request.user), "offices": offices_for(request.user)},
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    employee = getattr(request.user, "employee", None)
    return render(
        request,
        "accounts/profile.html",
        {
            "employee": employee,
            "masked_mobile": mask_mobile(employee.mobile) if employee else "",
            "offices": offices_for(request.user),
        },
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP authenticator on first sign-in, then ask for its code at every sign-in."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = confirmed
    if device is None:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record("accounts.totp_enrolled", actor=user, request=request)
            otp_login(request, device)
            record("accounts.second_factor_passed", actor=user, request=request)
            return redirect(request.GET.get("next") or settings.LOGIN_REDIRECT_URL)
        record("accounts.second_factor_failed", actor=user, request=request)
        form.add_error(
            "token", _("That code is not right. Check the time on your phone and try again.")
        )
    context = {"form": form, "enrolling": confirmed is None}
    if confirmed is None:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4)
        context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "accounts/two_factor.html", context)


def lockout_response(
    request: HttpRequest, credentials: dict[str, str], *args: object, **kwargs: object
) -> HttpResponse:
    messages.error(request, _("Too many failed sign-ins. Try again in a few minutes."))
    return render(request, "accounts/locked_out.html", status=429)
