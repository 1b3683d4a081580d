"""Writes of appointments. The chatbot, the web pages and the API call these functions."""

from civicgate.appointments.actions.booking import (
    book_appointment,
    cancel_appointment,
    free_slots_for,
    hold_slot,
    rate_appointment,
    reschedule_appointment,
)
from civicgate.appointments.actions.errors import (
    AppointmentError,
    Changed,
    LimitReached,
    NotOffered,
    SlotTaken,
    TooLate,
)
from civicgate.appointments.actions.staff import (
    confirm_appointment,
    decline_appointment,
    mark_visit,
)
from civicgate.appointments.selectors.slots import department_free_slots, free_slots

__all__ = [
    "AppointmentError",
    "Changed",
    "LimitReached",
    "NotOffered",
    "SlotTaken",
    "TooLate",
    "book_appointment",
    "cancel_appointment",
    "confirm_appointment",
    "decline_appointment",
    "department_free_slots",
    "free_slots",
    "free_slots_for",
    "hold_slot",
    "mark_visit",
    "rate_appointment",
    "reschedule_appointment",
]
