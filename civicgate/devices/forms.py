from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from civicgate.devices.models import Device
from civicgate.org.models import Gate, Office


class DeviceFilterForm(forms.Form):
    office = forms.ModelChoiceField(
        label=_("Office"),
        queryset=Office.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All offices"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Device.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Active and revoked")), ("active", _("Active")), ("revoked", _("Revoked"))],
    )

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices  # type: ignore[attr-defined]

    def filter(self, devices: QuerySet[Device]) -> QuerySet[Device]:
        if not self.is_valid():
            return devices
        data = self.cleaned_data
        if data["office"]:
            devices = devices.filter(office=data["office"])
        if data["kind"]:
            devices = devices.filter(kind=data["kind"])
        if data["status"] == "active":
            devices = devices.filter(revoked_at__isnull=True)
        elif data["status"] == "revoked":
            devices = devices.filter(revoked_at__isnull=False)
        return devices


class GateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.office.code} · {obj.name}"


class DeviceForm(forms.Form):
    """Registration of a device; office and gate choices are the user's offices only."""

    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("E.g. Gate 1 entry scanner.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Device.Kind.choices)
    office = forms.ModelChoiceField(
        label=_("Office"), queryset=Office.objects.none(), to_field_name="code"
    )
    gate = GateChoiceField(
        label=_("Gate"),
        queryset=Gate.objects.none(),
        required=False,
        empty_label=_("No gate (inside the office)"),
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Device.Direction.choices,
        initial=Device.Direction.BOTH,
        help_text=_("Which way people pass this device."),
    )
    serial_number = forms.CharField(label=_("Serial number"), max_length=64, required=False)

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = offices.filter(active=True)
        self.fields["office"].queryset = active  # type: ignore[attr-defined]
        self.fields["gate"].queryset = (  # type: ignore[attr-defined]
            Gate.objects.filter(office__in=active, active=True).select_related("office")
        )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit trail, e.g. lost, stolen, replaced."),
    )
