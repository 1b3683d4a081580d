"""Staff users in the Django admin; citizens and one-time codes to look at, never to edit."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicgate.accounts.models import Citizen, OtpChallenge, User
from civicgate.core.phone import mask_mobile


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "all_offices", "is_active", "last_login"]
    filter_horizontal = ["groups", "offices"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("CivicGate"), {"fields": ("all_offices", "offices", "employee", "language")}),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Citizen)
class CitizenAdmin(ReadOnlyAdmin):
    list_display = ["code", "masked_mobile", "language", "verified_at", "created_at"]
    fields = ("code", "masked_mobile", "name", "language", "verified_at", "created_at")
    readonly_fields = fields
    search_fields = ["code"]

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj: Citizen) -> str:
        return mask_mobile(obj.mobile)


@admin.register(OtpChallenge)
class OtpChallengeAdmin(ReadOnlyAdmin):
    fields = (
        "code",
        "purpose",
        "client_address",
        "created_at",
        "expires_at",
        "attempts",
        "verified_at",
        "superseded",
    )
    list_display = fields
    readonly_fields = fields
    list_filter = ["purpose", "superseded"]
