"""What the appointment actions raise besides ValidationError (bad input)."""

from civicgate.appointments.selectors.slots import Slot


class AppointmentError(Exception):
    """A booking rule refused the action; code is stable for the API and the chatbot."""

    code = "refused"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SlotTaken(AppointmentError):
    """Every place of the slot is taken (or the day is full); alternatives are the nearest
    free slots of the same official."""

    code = "slot_taken"

    def __init__(self, message: str, alternatives: list[Slot] | None = None):
        super().__init__(message)
        self.alternatives = alternatives or []


class NotOffered(AppointmentError):
    """The time is not one of the official's slots (hours, holiday, leave, notice, horizon)."""

    code = "not_offered"


class LimitReached(AppointmentError):
    """The citizen already has as many open appointments with the official as allowed, or
    has rescheduled as often as allowed."""

    code = "limit_reached"


class TooLate(AppointmentError):
    """Too close to the slot to cancel or reschedule (or the slot has not begun, for seen)."""

    code = "too_late"


class Changed(AppointmentError):
    """Someone changed the appointment first (compare-and-swap lost); reload and try again."""

    code = "changed"
