from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "civicgate.appointments"
    label = "appointments"
    verbose_name = _("Appointments")
    # Put back by notify after every migrate when missing; an administrator's edits are kept.
    message_templates = "civicgate.appointments.migrations.0002_message_templates.rows"
