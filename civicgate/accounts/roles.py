"""Staff roles: Django groups with the permissions each role needs, and nothing more.

The groups are created and kept in step by sync_roles() (run after every migrate), so a
permission added here reaches every deployment with the next migrate.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    DESK_OPERATOR = "desk_operator", _("Desk operator")
    GUARD = "guard", _("Guard")
    OFFICIAL = "official", _("Official")
    SUPERVISOR = "supervisor", _("Supervisor")
    EMPLOYEE = "employee", _("Employee")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    HELPDESK = "helpdesk", _("Helpdesk")


# app_label.codename, as in user.has_perm().
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SYSTEM_ADMIN: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "org.view_office",
        "org.add_office",
        "org.change_office",
        "org.view_gate",
        "org.add_gate",
        "org.change_gate",
        "org.view_department",
        "org.add_department",
        "org.change_department",
        "org.view_employee",
        "org.add_employee",
        "org.change_employee",
        "org.import_employees",
        "org.view_official",
        "org.add_official",
        "org.change_official",
        "devices.view_device",
        "devices.add_device",
        "devices.change_device",
        "audit.view_auditrecord",
        "notify.view_outboundmessage",
        "notify.view_messagetemplate",
        "notify.change_messagetemplate",
        "chatbot.view_conversation",
        "appointments.view_appointment",
        "appointments.change_appointment",
        "appointments.view_availability",
        "appointments.change_availability",
        "appointments.view_holiday",
        "appointments.add_holiday",
        "appointments.delete_holiday",
        "services.view_service",
        "services.add_service",
        "services.change_service",
        "services.import_records",
    ],
    Role.SECURITY_ADMIN: [
        "org.view_office",
        "org.view_gate",
        "org.view_employee",
        "devices.view_device",
        "devices.add_device",
        "devices.change_device",
        "audit.view_auditrecord",
    ],
    Role.DESK_OPERATOR: ["org.view_office", "org.view_gate", "org.view_official"],
    Role.GUARD: ["org.view_gate"],
    Role.OFFICIAL: [
        "org.view_official",
        "appointments.view_appointment",
        "appointments.change_appointment",
        "appointments.view_availability",
        "appointments.change_availability",
    ],
    Role.SUPERVISOR: ["org.view_employee"],
    Role.EMPLOYEE: [],
    Role.DEPARTMENT_STAFF: [
        "org.view_department",
        "appointments.view_appointment",
        "appointments.change_appointment",
        "appointments.view_availability",
        "appointments.change_availability",
        "services.view_servicerequest",
        "services.change_servicerequest",
        "services.import_records",
        "services.view_planapplication",
        "services.change_planapplication",
        "services.view_advertisementpermission",
        "services.change_advertisementpermission",
    ],
    Role.HELPDESK: ["chatbot.view_conversation", "chatbot.change_conversation"],
}


def sync_roles() -> None:
    """Create one group per role and set exactly its permissions."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
