"""Creating and editing the organisation through Django's admin; every save is audited."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicgate.accounts.access import offices_for, scope_to_offices
from civicgate.audit.chain import record
from civicgate.core.crypto import blind_index
from civicgate.core.phone import normalize_mobile
from civicgate.org.models import Department, Employee, Gate, Office, Official


class AuditedAdmin(admin.ModelAdmin):
    """Office-scoped like the screens; records who changed which fields (names, never values)."""

    office_field = "office"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return scope_to_offices(queryset, request.user, field=self.office_field)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Office and not request.user.is_superuser:
            kwargs["queryset"] = offices_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        verb = "changed" if change else "created"
        record(
            f"{obj._meta.label_lower}_{verb}_in_admin",
            actor=request.user,
            obj=obj,
            office=_office_of(obj),
            request=request,
            data={"fields": sorted(form.changed_data)},
        )


def _office_of(obj: Model) -> Office | None:
    if isinstance(obj, Office):
        return obj
    if isinstance(obj, Official):
        return obj.employee.office
    return getattr(obj, "office", None)


class GateInline(admin.TabularInline):
    model = Gate
    extra = 0
    fields = ["code", "name", "active"]


@admin.register(Office)
class OfficeAdmin(AuditedAdmin):
    office_field = "pk"
    list_display = ["code", "name", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "address"]
    inlines = [GateInline]


@admin.register(Gate)
class GateAdmin(AuditedAdmin):
    list_display = ["office", "code", "name", "active"]
    list_filter = ["office", "active"]
    list_select_related = ["office"]
    search_fields = ["code", "name", "office__code", "office__name"]


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return admin.ModelAdmin.get_queryset(self, request)  # departments span every office

    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]


class EmployeeAdminForm(forms.ModelForm):
    mobile = forms.CharField(
        label=_("mobile"), required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )

    class Meta:
        model = Employee
        fields = [
            "staff_number",
            "name",
            "designation",
            "department",
            "office",
            "mobile",
            "photo",
            "card_number",
            "supervisor",
            "active",
        ]

    def clean_mobile(self) -> str:
        raw = self.cleaned_data.get("mobile") or ""
        return normalize_mobile(raw) if raw.strip() else ""


@admin.register(Employee)
class EmployeeAdmin(AuditedAdmin):
    form = EmployeeAdminForm
    list_display = ["staff_number", "name", "designation", "department", "office", "active"]
    list_filter = ["office", "department", "active"]
    list_select_related = ["department", "office"]
    search_fields = ["staff_number", "name", "card_number", "designation"]
    autocomplete_fields = ["supervisor"]
    readonly_fields = ["code"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Employee], search_term: str
    ) -> tuple[QuerySet[Employee], bool]:
        """A search for a mobile number finds the employee through its blind index."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            mobile = normalize_mobile(search_term)
        except ValidationError:
            return results, may_have_duplicates
        return results | queryset.filter(
            mobile_index=blind_index(mobile, "mobile")
        ), may_have_duplicates


@admin.register(Official)
class OfficialAdmin(AuditedAdmin):
    office_field = "employee__office"
    list_display = ["employee", "title", "room", "accepts_visitors"]
    list_filter = ["accepts_visitors", "employee__office", "employee__department"]
    list_select_related = ["employee__office", "employee__department"]
    search_fields = ["employee__name", "employee__staff_number", "title", "room"]
    autocomplete_fields = ["employee"]
    readonly_fields = ["code"]
