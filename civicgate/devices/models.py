"""Devices at the gates and offices: scanners, card readers, kiosks, ZKTeco-type terminals."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgate.core.models import TimeStamped, public_code_field


class Device(TimeStamped):
    """A registered device. It authenticates with a bearer token shown once at creation.

    Only a SHA-256 hash of the token is stored (tokens are long random strings, so a plain
    hash suffices); the first characters are kept to tell tokens apart on admin screens.
    """

    class Kind(models.TextChoices):
        SCANNER = "scanner", _("Gate scanner")
        CARD_READER = "card_reader", _("Card reader")
        KIOSK = "kiosk", _("Kiosk")
        ZKTECO = "zkteco", _("ZKTeco-type terminal")

    class Direction(models.TextChoices):
        IN = "in", _("In")
        OUT = "out", _("Out")
        BOTH = "both", _("In and out")

    code = public_code_field()
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    office = models.ForeignKey(
        "org.Office", on_delete=models.PROTECT, related_name="devices", verbose_name=_("office")
    )
    gate = models.ForeignKey(
        "org.Gate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("gate"),
    )
    direction = models.CharField(
        _("direction"), max_length=4, choices=Direction.choices, default=Direction.BOTH
    )
    serial_number = models.CharField(_("serial number"), max_length=64, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=12, editable=False)
    token_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    clock_drift_seconds = models.FloatField(null=True, blank=True, editable=False)
    firmware = models.CharField(max_length=64, blank=True, editable=False)
    last_status = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["office__code", "name"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "name"], name="device_unique_name_per_office"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def drift_is_large(self) -> bool:
        """Whether the clock is further off than DEVICE_CLOCK_DRIFT_WARN_SECONDS allows."""
        if self.clock_drift_seconds is None:
            return False
        return abs(self.clock_drift_seconds) > settings.DEVICE_CLOCK_DRIFT_WARN_SECONDS
