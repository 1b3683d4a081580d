"""Reminders the day before and two hours before a confirmed appointment, each sent once.

A reminder is claimed with one conditional UPDATE (... WHERE day_reminder_at IS NULL), in the
same transaction as its messages, so several workers running at once send each reminder once.
A reminder whose moment had already passed when the appointment was confirmed is not sent.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civicgate.appointments import notices
from civicgate.appointments.actions.places import release_lapsed
from civicgate.appointments.models import Appointment
from civicgate.audit.chain import record

DAY_BEFORE = timedelta(hours=24)
SOON = timedelta(hours=2)
# A reminder due while the worker was down is still worth sending until this close to the slot.
LAST_USEFUL = timedelta(minutes=15)


def _due(field: str, lead: timedelta, now: datetime) -> list[int]:
    return list(
        Appointment.objects.filter(
            state=Appointment.State.CONFIRMED,
            start__lte=now + lead,
            start__gt=now + LAST_USEFUL,
            confirmed_at__lte=F("start") - lead,
            **{f"{field}__isnull": True},
        )
        .order_by("start")
        .values_list("pk", flat=True)[:500]
    )


def send_due_reminders(now: datetime | None = None) -> int:
    """Send every reminder now due; returns how many this call sent."""
    now = now or timezone.now()
    sent = 0
    for field, lead, kind in (
        ("day_reminder_at", DAY_BEFORE, "day"),
        ("soon_reminder_at", SOON, "soon"),
    ):
        for pk in _due(field, lead, now):
            with transaction.atomic():
                claimed = Appointment.objects.filter(
                    pk=pk, state=Appointment.State.CONFIRMED, **{f"{field}__isnull": True}
                ).update(**{field: now})
                if not claimed:
                    continue
                appointment = Appointment.objects.select_related(
                    "official__employee", "office", "citizen"
                ).get(pk=pk)
                notices.tell_citizen(appointment, notices.REMINDER)
                record(
                    "appointments.reminder_sent",
                    actor="appointment_reminders",
                    obj=appointment,
                    office=appointment.office,
                    data={"kind": kind},
                )
            sent += 1
    return sent


def sweep_lapsed_holds(now: datetime | None = None) -> int:
    """Give back the places of holds that ran out (booking also does this lazily)."""
    now = now or timezone.now()
    officials = (
        Appointment.objects.filter(state=Appointment.State.HELD, hold_expires_at__lte=now)
        .values_list("official_id", flat=True)
        .distinct()
    )
    from civicgate.org.models import Official

    released = 0
    for official in Official.objects.filter(pk__in=list(officials)).select_related(
        "employee__office"
    ):
        with transaction.atomic():
            released += release_lapsed(official)
    return released
