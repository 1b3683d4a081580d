"""Admin: message templates are edited here; outbound messages can only be looked at."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicgate.notify.models import MessageTemplate, OutboundMessage


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = (
        "key",
        "channel",
        "language",
        "subject",
        "dlt_template_id",
        "whatsapp_template",
        "updated_at",
    )
    list_filter = ("channel", "language", "key")
    search_fields = ("key", "subject", "body", "dlt_template_id", "whatsapp_template")
    ordering = ("key", "channel", "language")
    fieldsets = (
        (None, {"fields": ("key", "channel", "language", "subject", "body")}),
        (_("SMS"), {"fields": ("dlt_template_id",)}),
        (
            _("WhatsApp"),
            {"fields": ("whatsapp_template", "whatsapp_parameters", "whatsapp_button_parameter")},
        ),
    )


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    """Read-only, and without the recipient in full or the text (which may hold a one-time code)."""

    list_display = (
        "code",
        "channel",
        "masked_to",
        "template_key",
        "language",
        "state",
        "attempts",
        "created_at",
    )
    list_filter = ("state", "channel", "template_key")
    search_fields = ("code", "provider_message_id")
    date_hierarchy = "created_at"
    fields = (
        "code",
        "channel",
        "masked_to",
        "template_key",
        "language",
        "state",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "last_error",
        "provider_message_id",
        "sent_at",
        "delivered_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description=_("to"))
    def masked_to(self, obj: OutboundMessage) -> str:
        return obj.masked_recipient

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("body", "payload")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
