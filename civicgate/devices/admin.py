from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from civicgate.audit.chain import record
from civicgate.devices.models import Device


class DeviceAdminForm(forms.ModelForm):
    class Meta:
        model = Device
        fields = ["name", "kind", "office", "gate", "direction", "serial_number"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        gate, office = data.get("gate"), data.get("office")
        if gate is not None and office is not None and gate.office_id != office.pk:
            self.add_error(
                "gate",
                _("%(gate)s is not a gate of %(office)s.")
                % {"gate": gate.name, "office": office.code},
            )
        return data


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """Devices are registered, rotated and revoked on the devices screens (audited), not here."""

    list_display = [
        "name",
        "code",
        "kind",
        "office",
        "gate",
        "direction",
        "revoked_at",
        "last_seen_at",
    ]
    list_filter = ["kind", "office", "direction"]
    search_fields = ["name", "code", "serial_number", "token_prefix"]
    list_select_related = ["office", "gate"]
    form = DeviceAdminForm
    readonly_fields = [
        "code",
        "token_prefix",
        "token_hash",
        "token_rotated_at",
        "revoked_at",
        "last_seen_at",
        "last_ip",
        "clock_drift_seconds",
        "firmware",
        "last_status",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Device, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record(
                "devices.changed_in_admin",
                actor=request.user,
                obj=obj,
                office=obj.office.code,
                request=request,
                data={field: str(form.cleaned_data.get(field)) for field in form.changed_data},
            )
