from importlib import import_module
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_templates(sender: AppConfig, **kwargs: Any) -> None:
    """Put back the chatbot's message templates if missing (after a flush, or deleted)."""
    if sender.label != "chatbot":
        return
    defaults = import_module("civicgate.chatbot.migrations.0002_message_templates")
    defaults.load(kwargs.get("apps") or global_apps, None)


class ChatbotConfig(AppConfig):
    name = "civicgate.chatbot"
    label = "chatbot"
    verbose_name = _("Chatbot")

    def ready(self) -> None:
        from civicgate.chatbot.channels.whatsapp import on_message_received
        from civicgate.notify.signals import whatsapp_message_received

        whatsapp_message_received.connect(
            on_message_received, dispatch_uid="civicgate_chatbot_whatsapp"
        )
        post_migrate.connect(_ensure_templates, dispatch_uid="civicgate_chatbot_templates")
