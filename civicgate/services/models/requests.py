"""Service requests (complaints and applications), their history and photos."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgate.core.fields import EncryptedTextField
from civicgate.core.models import TimeStamped, public_code_field

WARDS = 144
BOROUGHS = 16


class ServiceRequest(TimeStamped):
    """A complaint or application, known to the citizen by its tracking number (WS-2611-00123).

    The number reads well on the phone: the department's code, the year and month it was filed
    and a serial that restarts every month. The citizen is the verified mobile number, stored
    encrypted with a blind index. Assignment to an employee carries the day of the field visit,
    so the employee's work diary lists the visit on that day.
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        WHATSAPP = "whatsapp", _("WhatsApp")
        CHATBOT = "chatbot", _("Chatbot")
        APP = "app", _("Mobile app")
        HELPDESK = "helpdesk", _("Helpdesk")

    OPEN_STATES = (State.SUBMITTED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED)

    code = public_code_field()
    number = models.CharField(_("tracking number"), max_length=20, unique=True)
    service = models.ForeignKey(
        "services.Service",
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("service"),
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("department"),
    )
    office = models.ForeignKey(
        "org.Office",
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("office"),
    )
    citizen = models.ForeignKey(
        "accounts.Citizen",
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("citizen"),
    )
    mobile = EncryptedTextField(_("mobile"))
    mobile_index = models.CharField(max_length=64, db_index=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    description = models.TextField(_("description"), max_length=2000)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ward = models.PositiveSmallIntegerField(_("ward"))
    borough = models.PositiveSmallIntegerField(_("borough"), null=True, blank=True)
    address = models.CharField(_("address or landmark"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.SUBMITTED
    )
    assigned_to = models.ForeignKey(
        "org.Employee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_requests",
        verbose_name=_("assigned to"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    visit_on = models.DateField(_("field visit on"), null=True, blank=True)
    due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        "org.Employee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalated_requests",
        verbose_name=_("escalated to"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ward__gte=1, ward__lte=WARDS), name="request_ward_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(borough__isnull=True)
                | models.Q(borough__gte=1, borough__lte=BOROUGHS),
                name="request_borough_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="request_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="request_location_whole_and_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="assigned") | models.Q(assigned_to__isnull=False),
                name="request_assigned_has_employee",
            ),
        ]
        indexes = [
            # The inbox: one department, newest first; offices and states are filtered on the
            # way down the index, so the first page reads a few dozen rows, not the queue.
            models.Index(fields=["department", "-created_at", "-id"], name="request_inbox_idx"),
            models.Index(
                fields=["department", "ward", "-created_at", "-id"], name="request_inbox_ward_idx"
            ),
            models.Index(fields=["assigned_to", "visit_on"], name="request_visits_idx"),
            models.Index(fields=["escalated_to", "-escalated_at"], name="request_escalated_idx"),
            # The escalation worker: open requests past their deadline, not yet escalated.
            models.Index(
                fields=["due_at"],
                name="request_overdue_idx",
                condition=models.Q(escalated_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def is_overdue(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return bool(self.is_open and self.due_at and self.due_at < moment)  # type: ignore[operator]


class RequestEvent(models.Model):
    """One line of a request's history: a change of state, an assignment, a note, a rating.

    Public lines are what the citizen sees on the timeline and is told about; internal notes
    stay with the staff.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ASSIGNED = "assigned", _("Assigned")
        STARTED = "started", _("Work started")
        NOTE = "note", _("Note")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        RATED = "rated", _("Rated")
        ESCALATED = "escalated", _("Escalated")

    code = public_code_field()
    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state_from = models.CharField(max_length=12, blank=True)
    state_to = models.CharField(max_length=12, blank=True)
    public = models.BooleanField(_("shown to the citizen"), default=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    actor_label = models.CharField(_("by"), max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        indexes = [models.Index(fields=["request", "at"], name="request_event_time_idx")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class RequestPhoto(models.Model):
    """A photo of a request: the citizen's, or the staff's after the work.

    Photos are re-encoded as JPEG without their metadata (no EXIF, no GPS tags), then stored
    encrypted in the database, so every app server can serve them and only through a view
    that checks who is asking.
    """

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen's photo")
        AFTER = "after", _("After the work")

    code = public_code_field()
    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="photos", verbose_name=_("request")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    data = models.BinaryField(_("encrypted image"))
    content_type = models.CharField(max_length=40, default="image/jpeg")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("request photo")
        verbose_name_plural = _("request photos")

    def __str__(self) -> str:
        return f"{self.code} ({self.kind})"


class TrackingCounter(models.Model):
    """The last serial given out for one department prefix in one month (YYMM)."""

    prefix = models.CharField(max_length=30)
    period = models.CharField(max_length=4)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["prefix", "period"]
        constraints = [
            models.UniqueConstraint(fields=["prefix", "period"], name="tracking_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.period}: {self.last}"
