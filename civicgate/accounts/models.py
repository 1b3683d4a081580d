"""Who uses CivicGate: staff users (roles, offices) and citizens (verified mobile numbers)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgate.core.fields import EncryptedTextField
from civicgate.core.models import TimeStamped, public_code_field


class User(AbstractUser):
    """A staff login. Roles are groups; offices limit which records the user sees.

    A user with all_offices unset and no offices sees no office's records: least privilege
    is the default, and a system administrator grants offices explicitly.
    """

    code = public_code_field()
    all_offices = models.BooleanField(
        _("all offices"), default=False, help_text=_("Sees the records of every office.")
    )
    offices = models.ManyToManyField(
        "org.Office", blank=True, related_name="staff_users", verbose_name=_("offices")
    )
    employee = models.OneToOneField(
        "org.Employee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("employee"),
    )
    language = models.CharField(_("language"), max_length=8, default="en")

    class Meta:
        ordering = ["username"]
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")


class Citizen(TimeStamped):
    """A member of the public, identified by a mobile number verified with a one-time code."""

    code = public_code_field()
    mobile = EncryptedTextField(_("mobile"))
    mobile_index = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")

    def __str__(self) -> str:
        return self.code


class OtpChallenge(models.Model):
    """One one-time code sent to a mobile number. Only a hash of the code is stored."""

    class Purpose(models.TextChoices):
        LOGIN = "login", _("Sign in")
        PASS = "pass", _("Gate pass")
        APPOINTMENT = "appointment", _("Appointment")

    code = public_code_field()
    mobile_index = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.LOGIN)
    code_hash = models.CharField(max_length=128)
    client_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attempts__gte=0), name="otp_attempts_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.purpose})"
