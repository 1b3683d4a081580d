"""Editing the service catalogue in Django's admin; every save is audited."""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from civicgate.audit.chain import record
from civicgate.services.models import Service


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "slug",
            "department_code",
            "department",
            "kind",
            "name_en",
            "name_bn",
            "name_hi",
            "details",
            "location",
            "accepts_photos",
            "handler",
            "resolution_hours",
            "position",
            "active",
        ]

    def clean_details(self) -> Any:
        details = self.cleaned_data.get("details") or []
        if not isinstance(details, list) or not all(
            isinstance(item, dict) and item.get("key") for item in details
        ):
            raise forms.ValidationError(
                'Details are a list of {"key": ..., "label": {"en": ..., "bn": ..., "hi": ...}, "required": ...}.'
            )
        return details


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceForm
    list_display = ("name_en", "slug", "department_code", "kind", "resolution_hours", "active")
    list_filter = ("department_code", "kind", "active")
    search_fields = ("slug", "name_en", "name_bn", "name_hi")
    readonly_fields = ("code",)

    def save_model(
        self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        record(
            f"services.service_{'changed' if change else 'created'}_in_admin",
            actor=request.user,
            obj=obj,
            request=request,
            data={"fields": sorted(form.changed_data)},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A service with requests stays; switch it off ("offered") instead.
        return False
