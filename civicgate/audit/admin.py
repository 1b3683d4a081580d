"""Audit records in the Django admin: to read, never to add, change or delete."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicgate.audit.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = [
        "seq",
        "at",
        "action",
        "actor_kind",
        "actor_label",
        "object_type",
        "object_id",
        "office_code",
    ]
    list_filter = ["actor_kind", "office_code"]
    search_fields = ["action", "actor_label", "object_id"]
    ordering = ["-seq"]
    readonly_fields = [f.name for f in AuditRecord._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
