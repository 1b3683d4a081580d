"""What each role can do: the staff home's tiles and the navigation bar come from here."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicgate.accounts.access import roles_of
from civicgate.accounts.roles import Role


@dataclass(frozen=True)
class Entry:
    title: str | Promise
    description: str | Promise
    url_name: str
    roles: tuple[str, ...]


ENTRIES: list[Entry] = [
    Entry(
        _("Offices and gates"),
        _("Headquarters, borough offices and their gates."),
        "org:offices",
        (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN),
    ),
    Entry(
        _("Employees"),
        _("Staff, cards, supervisors and officials."),
        "org:employees",
        (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SUPERVISOR),
    ),
    Entry(
        _("Import employees"),
        _("Load the HR spreadsheet (CSV or XLSX) with a dry run first."),
        "org:import",
        (Role.SYSTEM_ADMIN,),
    ),
    Entry(
        _("Officials"),
        _("Officials who receive visitors, by office and department."),
        "org:officials",
        (Role.SYSTEM_ADMIN, Role.DESK_OPERATOR, Role.OFFICIAL),
    ),
    Entry(
        _("Devices"),
        _("Gate scanners, card readers and kiosks: status, tokens, clock drift."),
        "devices:list",
        (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN),
    ),
    Entry(
        _("Audit trail"),
        _("Search every recorded action."),
        "audit:search",
        (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN),
    ),
    Entry(
        _("Outbox"),
        _("SMS, WhatsApp and e-mail messages and their delivery."),
        "notify:outbox",
        (Role.SYSTEM_ADMIN,),
    ),
    Entry(
        _("Chat inbox"),
        _("Citizens the chat assistant handed to a person: answer them in the thread."),
        "chatbot:inbox",
        (Role.HELPDESK, Role.SYSTEM_ADMIN),
    ),
    Entry(
        _("Chat analytics"),
        _("Conversations and intents by language and channel; messages not understood."),
        "chatbot:analytics",
        (Role.HELPDESK, Role.SYSTEM_ADMIN),
    ),
    Entry(
        _("Gate console"),
        _("Scan passes in and out at your gate, online or offline."),
        "passes:console",
        (Role.GUARD,),
    ),
    Entry(
        _("Who is inside"),
        _("Everyone inside now, by gate; overdue visitors; evacuation roll call."),
        "passes:inside",
        (Role.SECURITY_ADMIN, Role.GUARD),
    ),
    Entry(
        _("Security alerts"),
        _("Held visitors and other alerts from the gates."),
        "passes:alerts",
        (Role.SECURITY_ADMIN,),
    ),
    Entry(
        _("Watch list"),
        _("People to hold or refuse at every gate."),
        "passes:watchlist",
        (Role.SECURITY_ADMIN,),
    ),
    Entry(
        _("Tout review"),
        _("Visitors whose passes look like a tout's."),
        "passes:touts",
        (Role.SECURITY_ADMIN,),
    ),
    Entry(
        _("Visitor approvals"),
        _("Passes waiting for you to approve."),
        "passes:approvals",
        (Role.OFFICIAL,),
    ),
    Entry(
        _("Appointments"),
        _("Today's appointments, arrivals, requests to confirm, availability and leave."),
        "appointments:index",
        (Role.OFFICIAL, Role.DEPARTMENT_STAFF, Role.SYSTEM_ADMIN),
    ),
    Entry(
        _("My gates"), _("The gates you guard and their devices."), "org:my_gates", (Role.GUARD,)
    ),
    Entry(_("My team"), _("The employees who report to you."), "org:my_team", (Role.SUPERVISOR,)),
    Entry(
        _("Service requests"),
        _("Your department's complaints and applications: assign, resolve, escalations."),
        "services:inbox",
        (Role.DEPARTMENT_STAFF,),
    ),
    Entry(
        _("Service catalogue"),
        _("Departments' services, what they ask and their resolution targets."),
        "admin:services_service_changelist",
        (Role.SYSTEM_ADMIN,),
    ),
    Entry(
        _("Import service records"),
        _("Property-tax assessments and receipts, building plans, permissions (dry run first)."),
        "services:import",
        (Role.SYSTEM_ADMIN,),
    ),
    Entry(
        _("My profile"),
        _("Your staff record and identity card."),
        "accounts:profile",
        tuple(Role.values),
    ),
]


def entries_for(user: Any) -> list[dict[str, Any]]:
    roles = roles_of(user)
    return [
        {
            "title": e.title,
            "description": e.description,
            "url": reverse(e.url_name),
            "url_name": e.url_name,
        }
        for e in ENTRIES
        if roles & set(e.roles)
    ]
