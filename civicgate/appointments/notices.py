"""Messages about appointments, queued in the outbox inside the caller's transaction.

The citizen hears by SMS and WhatsApp in the language of the booking; the official by SMS in
the staff user's language (English where the official has no login).
"""

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from civicgate.appointments.models import Appointment
from civicgate.appointments.selectors.slots import zone
from civicgate.notify.outbox import enqueue

CITIZEN_CHANNELS = ("sms", "whatsapp")
TIME_FORMAT = "%d-%m-%Y %H:%M"

# Citizen messages: template key per event (confirmed and reminder ship with notify).
CONFIRMED = "appointment_confirmed"
REMINDER = "appointment_reminder"
REQUESTED = "appointment_requested"
RESCHEDULED = "appointment_rescheduled"
CANCELLED = "appointment_cancelled"
DECLINED = "appointment_declined"
# Official messages.
OFFICIAL_NEW = "official_booking_new"
OFFICIAL_CHANGED = "official_booking_moved"
OFFICIAL_CANCELLED = "official_booking_cancelled"


def when(appointment: Appointment) -> str:
    tz = zone(appointment.office.time_zone)
    return timezone.localtime(appointment.start, tz).strftime(TIME_FORMAT)


def appointment_url(appointment: Appointment) -> str:
    path = reverse("citizen_appointments:detail", args=[appointment.code])
    return settings.SITE_URL.rstrip("/") + path


def _context(appointment: Appointment) -> dict[str, Any]:
    employee = appointment.official.employee
    return {
        "official": f"{employee.name}, {appointment.official.title}",
        "office": appointment.office.name,
        "when": when(appointment),
        "reference": appointment.code,
        "url": appointment_url(appointment),
        "citizen": appointment.name,
    }


def tell_citizen(appointment: Appointment, key: str) -> None:
    context = _context(appointment)
    mobile = appointment.citizen.mobile
    for channel in CITIZEN_CHANNELS:
        enqueue(channel, mobile, key, context, language=appointment.language)


def tell_official(appointment: Appointment, key: str) -> None:
    employee = appointment.official.employee
    if not employee.mobile:
        return
    user = getattr(employee, "user", None)
    language = getattr(user, "language", None) or "en"
    enqueue("sms", employee.mobile, key, _context(appointment), language=language)
