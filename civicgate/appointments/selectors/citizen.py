"""What a citizen sees: departments and officials to book, and the citizen's own appointments."""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civicgate.accounts.models import Citizen
from civicgate.appointments.models import Appointment
from civicgate.appointments.selectors.slots import Slot, bookable_officials, zone
from civicgate.org.models import Department, Official


def bookable_departments() -> QuerySet[Department]:
    return Department.objects.filter(
        active=True, employees__official__in=bookable_officials()
    ).distinct()


def department(code: str) -> Department:
    found = bookable_departments().filter(code=code).first()
    if found is None:
        raise Http404
    return found


def official(code: str) -> Official:
    # With the staff login, if any: the official's booking messages go in its language.
    found = bookable_officials().select_related("employee__user").filter(code=code).first()
    if found is None:
        raise Http404
    return found


def mine(citizen: Citizen) -> QuerySet[Appointment]:
    """The citizen's appointments (not lapsed holds), soonest upcoming first then the past."""
    return (
        Appointment.objects.filter(citizen=citizen)
        .exclude(state__in=[Appointment.State.HELD, Appointment.State.LAPSED])
        .select_related("official__employee", "office", "gate_pass")
        .order_by("-start", "-id")
    )


def my_appointment(citizen: Citizen, code: str) -> Appointment:
    found = (
        Appointment.objects.filter(citizen=citizen, code=code)
        .select_related(
            "official__employee__office", "official__employee__department", "office", "gate_pass"
        )
        .first()
    )
    if found is None:
        raise Http404
    return found


def by_day(slots: list[Slot]) -> list[tuple[date, list[Slot]]]:
    """Slots grouped by the local day of their office, in order."""
    groups: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        tz = zone(slot.official.employee.office.time_zone)
        groups[slot.start.astimezone(tz).date()].append(slot)
    return sorted(groups.items())


def local(slot: Slot) -> Any:
    return slot.start.astimezone(zone(slot.official.employee.office.time_zone))
