from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "civicgate.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from civicgate.audit.guard import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="civicgate_audit_guard")
