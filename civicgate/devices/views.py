"""Staff screens for devices: list, register, detail, rotate token, revoke."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civicgate.accounts.access import ADMIN_ROLES, offices_for, role_required
from civicgate.devices.actions import register_device, revoke_device, rotate_token
from civicgate.devices.forms import DeviceFilterForm, DeviceForm, RevokeForm
from civicgate.devices.models import Device
from civicgate.devices.selectors import devices_for, get_device_for

PAGE_SIZE = 50


def _show_token(request: HttpRequest, device: Device, token: str, *, rotated: bool) -> HttpResponse:
    """The one page that shows a token; never cached, never stored, never shown again."""
    response = render(
        request, "devices/token.html", {"device": device, "token": token, "rotated": rotated}
    )
    add_never_cache_headers(response)
    return response


def _add_errors(form: DeviceForm | RevokeForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@role_required(*ADMIN_ROLES)
@require_GET
def device_list(request: HttpRequest) -> HttpResponse:
    form = DeviceFilterForm(request.GET or None, offices=offices_for(request.user))
    devices = form.filter(devices_for(request.user))
    page = Paginator(devices, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "devices": page.object_list}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "devices/partials/device_table.html", context)
    return render(request, "devices/list.html", context)


@role_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def device_create(request: HttpRequest) -> HttpResponse:
    form = DeviceForm(request.POST or None, offices=offices_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            device, token = register_device(
                name=data["name"],
                kind=data["kind"],
                office=data["office"],
                gate=data["gate"],
                direction=data["direction"],
                serial_number=data["serial_number"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _show_token(request, device, token, rotated=False)
    return render(request, "devices/form.html", {"form": form})


@role_required(*ADMIN_ROLES)
@require_GET
def device_detail(request: HttpRequest, code: str) -> HttpResponse:
    device = get_device_for(request.user, code)
    return render(request, "devices/detail.html", {"device": device})


@role_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def device_rotate(request: HttpRequest, code: str) -> HttpResponse:
    device = get_device_for(request.user, code)
    if request.method == "POST":
        try:
            token = rotate_token(device, actor=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("devices:detail", code=device.code)
        return _show_token(request, device, token, rotated=True)
    return render(request, "devices/confirm_rotate.html", {"device": device})


@role_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def device_revoke(request: HttpRequest, code: str) -> HttpResponse:
    device = get_device_for(request.user, code)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoke_device(
                device, actor=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is revoked; its token no longer works.") % {"name": device.name},
            )
            return redirect("devices:detail", code=device.code)
    return render(request, "devices/confirm_revoke.html", {"device": device, "form": form})
