"""iCalendar (RFC 5545): one .ics per appointment and a private feed per official.

The UID is the appointment's public code, so a calendar that imported the appointment updates
it in place; SEQUENCE is the appointment's sequence, raised by every change.
"""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from civicgate.appointments.models import Appointment

PRODID = "-//Kolkata Municipal Corporation//CivicGate appointments//EN"
UID_DOMAIN = "appointments.civicgate.kmc.gov.in"
STATUS: dict[str, str] = {
    Appointment.State.CONFIRMED: "CONFIRMED",
    Appointment.State.SEEN: "CONFIRMED",
    Appointment.State.NO_SHOW: "CONFIRMED",
    Appointment.State.REQUESTED: "TENTATIVE",
    Appointment.State.HELD: "TENTATIVE",
}


def uid(appointment: Appointment) -> str:
    return f"{appointment.code}@{UID_DOMAIN}"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def _event(appointment: Appointment, *, for_official: bool, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid(appointment))
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.start)
    event.add("dtend", appointment.end)
    event.add("sequence", appointment.sequence)
    event.add("status", STATUS.get(appointment.state, "CANCELLED"))
    official = appointment.official
    if for_official:
        event.add("summary", f"{appointment.name}: {appointment.purpose}"[:200])
    else:
        event.add(
            "summary",
            _("Appointment with %(official)s") % {"official": official.employee.name},
        )
    room = f", {_('room')} {official.room}" if official.room else ""
    event.add(
        "location", f"{appointment.office.name}{room}, {appointment.office.address}".strip(", ")
    )
    event.add("description", f"{_('Reference')}: {appointment.code}\n{appointment.purpose}")
    return event


def appointment_ics(appointment: Appointment) -> bytes:
    """The citizen's .ics for one appointment."""
    cal = _calendar(_("KMC appointment"))
    cal.add_component(_event(appointment, for_official=False, stamp=timezone.now()))
    return bytes(cal.to_ical())


def feed_ics(name: str, appointments: Iterable[Appointment]) -> bytes:
    """An official's calendar: upcoming and recent appointments, cancelled ones marked so."""
    cal = _calendar(name)
    stamp = timezone.now()
    for appointment in appointments:
        cal.add_component(_event(appointment, for_official=True, stamp=stamp))
    return bytes(cal.to_ical())
