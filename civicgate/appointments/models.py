"""Appointments with officials: availability rules, blocked days, bookings and their places."""

import secrets
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgate.core.models import TimeStamped, public_code_field


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class BookingMode(models.TextChoices):
    INSTANT = "instant", _("Confirmed at once")
    REQUEST = "request", _("Requested, then confirmed by the official")


class Availability(TimeStamped):
    """How one official receives visitors: slot length, buffers, capacity and booking limits.

    Times of day are in the official's office's time zone. An official without a row (or with
    accepting unset) offers no slots.
    """

    official = models.OneToOneField(
        "org.Official",
        on_delete=models.CASCADE,
        related_name="availability",
        verbose_name=_("official"),
    )
    accepting = models.BooleanField(_("accepting appointments"), default=True)
    booking_mode = models.CharField(
        _("booking mode"), max_length=10, choices=BookingMode.choices, default=BookingMode.INSTANT
    )
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=15)
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"), default=0
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(_("buffer after (minutes)"), default=0)
    capacity = models.PositiveSmallIntegerField(
        _("citizens per slot"), default=1, help_text=_("Several citizens heard together.")
    )
    min_notice_minutes = models.PositiveIntegerField(_("minimum notice (minutes)"), default=120)
    horizon_days = models.PositiveSmallIntegerField(_("book up to (days ahead)"), default=30)
    max_per_day = models.PositiveSmallIntegerField(
        _("most appointments a day"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    per_citizen_limit = models.PositiveSmallIntegerField(
        _("open appointments per citizen"), default=2
    )
    reschedule_limit = models.PositiveSmallIntegerField(_("reschedules allowed"), default=2)
    cancel_notice_minutes = models.PositiveIntegerField(
        _("cancellation notice (minutes)"),
        default=60,
        help_text=_("A citizen may cancel or reschedule until this long before the slot."),
    )
    pass_margin_before_minutes = models.PositiveSmallIntegerField(
        _("pass valid before the slot (minutes)"), default=30
    )
    pass_margin_after_minutes = models.PositiveSmallIntegerField(
        _("pass valid after the slot (minutes)"), default=60
    )
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)

    class Meta:
        ordering = ["official__employee__name"]
        verbose_name = _("availability")
        verbose_name_plural = _("availabilities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=5) & models.Q(slot_minutes__lte=480),
                name="availability_slot_length_sane",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="availability_capacity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(horizon_days__gte=1), name="availability_horizon_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.official}"


class WeeklyHours(models.Model):
    """One stretch of working hours on one weekday (Monday = 0); a day may have several."""

    availability = models.ForeignKey(
        Availability, on_delete=models.CASCADE, related_name="hours", verbose_name=_("availability")
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["availability", "weekday", "start"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="weekly_hours_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="weekly_hours_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Holiday(TimeStamped):
    """A day no official of an office receives visitors: West Bengal and KMC holidays.

    office empty: the holiday applies to every office.
    """

    code = public_code_field()
    date = models.DateField(_("date"), db_index=True)
    name = models.CharField(_("name"), max_length=120)
    office = models.ForeignKey(
        "org.Office",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office"),
        help_text=_("Empty: every office."),
    )

    class Meta:
        ordering = ["date", "name"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "office"], name="holiday_unique_date_per_office"
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(office__isnull=True),
                name="holiday_unique_date_everywhere",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d-%m-%Y} {self.name}"


class Leave(TimeStamped):
    """Days an official is away (leave, tour, out of office), from first_day to last_day.

    With a delegate, new bookings for those days go to the delegate.
    """

    code = public_code_field()
    official = models.ForeignKey(
        "org.Official", on_delete=models.CASCADE, related_name="leaves", verbose_name=_("official")
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    delegate = models.ForeignKey(
        "org.Official",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="delegated_leaves",
        verbose_name=_("delegate"),
        help_text=_("Receives new bookings while the official is away."),
    )

    class Meta:
        ordering = ["first_day"]
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        indexes = [models.Index(fields=["official", "last_day"], name="leave_official_last_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="leave_last_not_before_first",
            ),
            models.CheckConstraint(
                condition=~models.Q(delegate=models.F("official")), name="leave_not_own_delegate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.official} {self.first_day}..{self.last_day}"

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


class Appointment(TimeStamped):
    """A citizen's meeting with an official in one slot.

    held -> requested | confirmed; requested -> confirmed | declined; confirmed -> seen | no_show;
    any open state -> cancelled. A held slot lapses at hold_expires_at. sequence rises with every
    change (the .ics SEQUENCE, and the version compared when two people change it at once).
    """

    class State(models.TextChoices):
        HELD = "held", _("Held")
        REQUESTED = "requested", _("Waiting for the official")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        LAPSED = "lapsed", _("Hold lapsed")
        SEEN = "seen", _("Seen")
        NO_SHOW = "no_show", _("Did not come")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        CHATBOT = "chatbot", _("Chatbot")
        API = "api", _("App")
        STAFF = "staff", _("Staff")

    code = public_code_field()
    official = models.ForeignKey(
        "org.Official",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("official"),
    )
    requested_official = models.ForeignKey(
        "org.Official",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("official asked for"),
        help_text=_("Differs from the official when a delegate took the booking."),
    )
    office = models.ForeignKey(
        "org.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    citizen = models.ForeignKey(
        "accounts.Citizen",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("citizen"),
    )
    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=300)
    language = models.CharField(_("language"), max_length=8, default="en")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, db_index=True)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    reschedules = models.PositiveSmallIntegerField(default=0)
    gate_pass = models.ForeignKey(
        "passes.GatePass",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gate pass"),
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=300, blank=True)
    day_reminder_at = models.DateTimeField(null=True, blank=True)
    soon_reminder_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["official", "start"], name="appt_official_start_idx"),
            models.Index(fields=["citizen", "state"], name="appt_citizen_state_idx"),
            models.Index(fields=["state", "start"], name="appt_state_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True)
                | (models.Q(rating__gte=1) & models.Q(rating__lte=5)),
                name="appointment_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


OPEN_STATES = (
    Appointment.State.HELD,
    Appointment.State.REQUESTED,
    Appointment.State.CONFIRMED,
)


class SlotLoad(models.Model):
    """How many places of one official's slot are taken (held, requested or confirmed).

    The only counter booking changes: one conditional UPDATE (taken < capacity), so however many
    citizens try the last place at once, exactly the capacity is booked.
    """

    official = models.ForeignKey("org.Official", on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    taken = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["official", "start"]
        constraints = [
            models.UniqueConstraint(fields=["official", "start"], name="slot_load_unique"),
            models.CheckConstraint(condition=models.Q(taken__gte=0), name="slot_load_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.official_id} {self.start:%Y-%m-%d %H:%M} {self.taken}"


class DayLoad(models.Model):
    """How many appointments an official has on one day, for the daily maximum."""

    official = models.ForeignKey("org.Official", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    taken = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["official", "day"]
        constraints = [
            models.UniqueConstraint(fields=["official", "day"], name="day_load_unique"),
            models.CheckConstraint(condition=models.Q(taken__gte=0), name="day_load_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.official_id} {self.day} {self.taken}"
