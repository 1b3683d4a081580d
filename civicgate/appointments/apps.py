from importlib import import_module
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_templates(sender: AppConfig, **kwargs: Any) -> None:
    """Put back any appointment message template that is missing (after a flush, say);
    existing rows, with an administrator's edits, are left as they are."""
    if sender.label != "appointments":
        return
    defaults = import_module("civicgate.appointments.migrations.0002_message_templates")
    defaults.load(kwargs.get("apps") or global_apps, None)


class AppointmentsConfig(AppConfig):
    name = "civicgate.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        post_migrate.connect(_ensure_templates, dispatch_uid="civicgate_appointment_templates")
