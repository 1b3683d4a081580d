from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_default_templates(sender: AppConfig, **kwargs: Any) -> None:
    """Put back every app's default templates that are missing (after a flush, or deleted by
    mistake). Existing rows, including an administrator's edits and DLT ids, are left as they are.
    """
    if sender.label != "notify":
        return
    from civicgate.notify.defaults import restore_defaults

    restore_defaults(kwargs.get("apps"))


class NotifyConfig(AppConfig):
    name = "civicgate.notify"
    label = "notify"
    verbose_name = _("Notifications")
    message_templates = "civicgate.notify.migrations.0003_default_templates.rows"

    def ready(self) -> None:
        post_migrate.connect(_ensure_default_templates, dispatch_uid="civicgate_notify_templates")
