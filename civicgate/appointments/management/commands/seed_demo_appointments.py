"""Demo appointments on top of seed_demo: every department head receives visitors on weekdays;
demo_official confirms requests (bookings waiting and confirmed); a few citizens have booked.
Idempotent: a second run changes nothing."""

from datetime import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from civicgate.accounts.models import Citizen, User
from civicgate.appointments import actions
from civicgate.appointments.models import Appointment, Availability, BookingMode, WeeklyHours
from civicgate.core.crypto import blind_index
from civicgate.org.models import Official

CITIZENS = [
    ("Paromita Basu", "+919830200001", "bn"),
    ("Rahul Shaw", "+919830200002", "hi"),
    ("Sudipta Roy", "+919830200003", "en"),
    ("Nasreen Khatun", "+919830200004", "bn"),
]
PURPOSES = [
    "Low water pressure in Ward 62",
    "New water connection for a flat",
    "Objection to the water bill",
    "Leaking main on the lane",
]
HOURS = [(time(10, 30), time(13, 30)), (time(14, 30), time(17, 0))]


def _availability(official: Official, *, mode: str) -> bool:
    availability, created = Availability.objects.get_or_create(
        official=official,
        defaults={
            "booking_mode": mode,
            "slot_minutes": 15,
            "buffer_after_minutes": 5,
            "min_notice_minutes": 60,
            "horizon_days": 30,
            "max_per_day": 12,
        },
    )
    if created:
        WeeklyHours.objects.bulk_create(
            WeeklyHours(availability=availability, weekday=day, start=start, end=end)
            for day in range(5)
            for start, end in HOURS
        )
    return created


def _citizen(name: str, mobile: str, language: str) -> Citizen:
    citizen, _created = Citizen.objects.get_or_create(
        mobile_index=blind_index(mobile, "mobile"),
        defaults={"mobile": mobile, "name": name, "language": language},
    )
    return citizen


class Command(BaseCommand):
    help = "Add demo availability and appointments (run after seed_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.select_related("employee").filter(username="demo_official").first()
        if user is None or user.employee is None:
            raise CommandError("Run seed_demo first.")
        demo = Official.objects.select_related("employee__office").get(employee=user.employee)
        with transaction.atomic():
            added = 0
            for official in Official.objects.filter(accepts_visitors=True):
                mode = BookingMode.REQUEST if official.pk == demo.pk else BookingMode.INSTANT
                added += _availability(official, mode=mode)
        citizens = [_citizen(*row) for row in CITIZENS]
        if Appointment.objects.filter(citizen__in=citizens).exists():
            self.stdout.write(f"Availability for {added} officials; demo bookings already there.")
            return
        slots = actions.free_slots(demo, days=14)
        # Two a day apart, so the day view and the requests list both have something to show.
        chosen = slots[:: max(1, len(slots) // 8)][: len(citizens)]
        made = 0
        for n, (citizen, slot) in enumerate(zip(citizens, chosen, strict=False)):
            appointment = actions.book_appointment(
                official=demo,
                start=slot.start,
                citizen=citizen,
                name=citizen.name,
                purpose=PURPOSES[n % len(PURPOSES)],
                language=citizen.language,
                channel=Appointment.Channel.WEB,
            )
            if n % 2 == 0:
                actions.confirm_appointment(appointment, user=user)
            made += 1
        self.stdout.write(f"Availability for {added} officials; {made} demo appointments.")
