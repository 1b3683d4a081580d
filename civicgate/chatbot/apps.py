from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatbotConfig(AppConfig):
    name = "civicgate.chatbot"
    label = "chatbot"
    verbose_name = _("Chatbot")
    # Put back by notify after every migrate when missing (after a flush, or deleted).
    message_templates = "civicgate.chatbot.migrations.0002_message_templates.rows"

    def ready(self) -> None:
        from civicgate.chatbot.channels.whatsapp import on_message_received
        from civicgate.notify.signals import whatsapp_message_received

        whatsapp_message_received.connect(
            on_message_received, dispatch_uid="civicgate_chatbot_whatsapp"
        )
