"""The service catalogue: what each department offers, what it asks and how fast it answers."""

from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicgate.core.models import TimeStamped, public_code_field


class Service(TimeStamped):
    """One service of a KMC department: a complaint, an application, a lookup or information.

    The catalogue names each service's department by code, so the catalogue ships with the
    software (a data migration) before the departments are created; the link to the Department
    row is made as soon as a department with that code exists (see services.catalogue).
    """

    class Kind(models.TextChoices):
        INFORMATION = "information", _("Information")
        LOOKUP = "lookup", _("Lookup")
        COMPLAINT = "complaint", _("Complaint")
        APPLICATION = "application", _("Application")

    class Location(models.TextChoices):
        NONE = "none", _("Not asked")
        OPTIONAL = "optional", _("Optional")
        REQUIRED = "required", _("Required")

    code = public_code_field()
    slug = models.SlugField(
        _("key"), max_length=60, unique=True, help_text=_("Stable key, e.g. ws-no-water.")
    )
    department_code = models.CharField(_("department code"), max_length=30, db_index=True)
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("department"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_bn = models.CharField(_("name (Bengali)"), max_length=120)
    name_hi = models.CharField(_("name (Hindi)"), max_length=120)
    details = models.JSONField(
        _("details asked"),
        default=list,
        blank=True,
        help_text=_(
            'What the citizen is asked besides the description: a list of {"key": ..., '
            '"label": {"en": ..., "bn": ..., "hi": ...}, "required": true/false}.'
        ),
    )
    location = models.CharField(
        _("location"), max_length=10, choices=Location.choices, default=Location.OPTIONAL
    )
    accepts_photos = models.BooleanField(_("accepts photos"), default=True)
    handler = models.CharField(
        _("handled by"),
        max_length=200,
        blank=True,
        help_text=_("The post that handles it, e.g. Assistant Engineer (Water Supply), borough."),
    )
    resolution_hours = models.PositiveIntegerField(
        _("resolution target (hours)"), null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["department_code", "position", "slug"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolution_hours__isnull=True)
                | models.Q(resolution_hours__gte=1),
                name="service_resolution_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name_en

    def name_in(self, language: str | None = None) -> str:
        language = (language or get_language() or "en")[:2]
        return str(getattr(self, f"name_{language}", "") or self.name_en)

    @property
    def name(self) -> str:
        return self.name_in()

    @property
    def takes_requests(self) -> bool:
        return self.kind in (self.Kind.COMPLAINT, self.Kind.APPLICATION)

    def detail_fields(self, language: str | None = None) -> list[dict[str, Any]]:
        language = (language or get_language() or "en")[:2]
        out = []
        for item in self.details or []:
            label = item.get("label") or {}
            out.append(
                {
                    "key": str(item.get("key", "")),
                    "label": label.get(language) or label.get("en") or item.get("key", ""),
                    "required": bool(item.get("required", False)),
                }
            )
        return out
