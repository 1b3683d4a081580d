from importlib import import_module
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_default_templates(sender: AppConfig, **kwargs: Any) -> None:
    """Put back any default template that is missing (after a flush, or deleted by mistake).

    Existing rows, including an administrator's edits and DLT ids, are left as they are.
    """
    if sender.label != "notify":
        return
    defaults = import_module("civicgate.notify.migrations.0003_default_templates")
    defaults.load(kwargs.get("apps") or global_apps, None)


class NotifyConfig(AppConfig):
    name = "civicgate.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        post_migrate.connect(_ensure_default_templates, dispatch_uid="civicgate_notify_templates")
