"""The organisation: offices and their gates, departments, employees and officials."""

from typing import Any

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicgate.core.crypto import blind_index
from civicgate.core.fields import EncryptedTextField
from civicgate.core.models import TimeStamped, public_code_field


class Office(TimeStamped):
    """A KMC building that visitors enter: the headquarters or a borough office."""

    class Kind(models.TextChoices):
        HEADQUARTERS = "hq", _("Headquarters")
        BOROUGH = "borough", _("Borough office")
        OTHER = "other", _("Other office")

    code = models.CharField(
        _("code"), max_length=20, unique=True, help_text=_("Short code, e.g. HQ or BR-07.")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BOROUGH)
    address = models.TextField(_("address"), blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Kolkata")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Gate(TimeStamped):
    """An entrance of an office where guards check passes."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="gates", verbose_name=_("office")
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["office__code", "code"]
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="gate_unique_code_per_office"),
            models.UniqueConstraint(fields=["office", "name"], name="gate_unique_name_per_office"),
        ]

    def __str__(self) -> str:
        return f"{self.office.code} {self.name}"


class Department(TimeStamped):
    """A KMC department (Water Supply, Building, Assessment-Collection, ...)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # What citizens and guards read in Bengali and Hindi; empty falls back to the English name.
    name_bn = models.CharField(_("name in Bengali"), max_length=200, blank=True)
    name_hi = models.CharField(_("name in Hindi"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(Lower("name"), name="department_unique_name_ci")]

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        """The name in the active language (Bengali, Hindi), else in English."""
        language = (get_language() or "en")[:2]
        translated = {"bn": self.name_bn, "hi": self.name_hi}.get(language, "")
        return translated or self.name


class Employee(TimeStamped):
    """A KMC employee: who punches a card at the gates and keeps a work diary.

    The mobile number is personal data: stored encrypted, found through its blind index.
    """

    code = public_code_field()
    staff_number = models.CharField(_("staff number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    designation = models.CharField(_("designation"), max_length=200)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="employees", verbose_name=_("department")
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="employees", verbose_name=_("office")
    )
    mobile = EncryptedTextField(_("mobile"), blank=True)
    mobile_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    photo = models.ImageField(_("photo"), upload_to="employees/", blank=True)
    card_number = models.CharField(
        _("identity card number"), max_length=40, null=True, blank=True, unique=True
    )
    supervisor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("supervisor"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["staff_number"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        permissions = [("import_employees", "Can import employees from a spreadsheet")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(supervisor=models.F("pk")), name="employee_not_own_supervisor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.staff_number})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.mobile_index = blind_index(self.mobile, "mobile") if self.mobile else ""
        super().save(*args, **kwargs)


class Official(TimeStamped):
    """An employee who receives visitors; visitors' passes and appointments name them as host."""

    code = public_code_field()
    employee = models.OneToOneField(
        Employee, on_delete=models.PROTECT, related_name="official", verbose_name=_("employee")
    )
    title = models.CharField(_("title shown to visitors"), max_length=200)
    room = models.CharField(_("room"), max_length=50, blank=True)
    accepts_visitors = models.BooleanField(_("accepts visitors"), default=True)

    class Meta:
        ordering = ["employee__name"]
        verbose_name = _("official")
        verbose_name_plural = _("officials")

    def __str__(self) -> str:
        return f"{self.employee.name}, {self.title}"

    @property
    def office(self) -> Office:
        return self.employee.office

    @property
    def department(self) -> Department:
        return self.employee.department
