from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _ensure_defaults(sender: AppConfig, **kwargs: Any) -> None:
    """Put back missing catalogue services (after a flush, say)."""
    if sender.label != "services":
        return
    from civicgate.services import catalogue

    catalogue.load(kwargs.get("apps") or global_apps)


def _link_department(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A department created (or recoded) takes over the catalogue's services of its code."""
    from civicgate.services.models import Service

    Service.objects.filter(department_code=instance.code, department__isnull=True).update(
        department=instance
    )


class ServicesConfig(AppConfig):
    name = "civicgate.services"
    label = "services"
    verbose_name = _("Department services")
    # Put back by notify after every migrate when missing; an administrator's edits are kept.
    message_templates = "civicgate.services.messages.rows"

    def ready(self) -> None:
        post_migrate.connect(_ensure_defaults, dispatch_uid="civicgate_services_defaults")
        post_save.connect(
            _link_department, sender="org.Department", dispatch_uid="civicgate_services_link"
        )
