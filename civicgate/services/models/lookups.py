"""Records citizens look up by number: property-tax assessments, building plans, permissions.

Owners' names and mobile numbers are personal data: stored encrypted, the mobile number with a
blind index, so a lookup can tell the verified owner (who sees everything) from anyone else
(who sees the status only).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgate.core.fields import EncryptedTextField
from civicgate.core.models import TimeStamped, public_code_field


class Assessment(TimeStamped):
    """A property on KMC's assessment roll: valuation, arrears and quarterly dues."""

    code = public_code_field()
    assessee_no = models.CharField(_("assessee number"), max_length=20, unique=True)
    owner_name = EncryptedTextField(_("owner"))
    owner_mobile = EncryptedTextField(_("owner's mobile"), blank=True)
    owner_mobile_index = models.CharField(max_length=64, blank=True, db_index=True)
    premises = EncryptedTextField(_("premises"))
    ward = models.PositiveSmallIntegerField(_("ward"))
    annual_valuation = models.DecimalField(_("annual valuation"), max_digits=14, decimal_places=2)
    arrears = models.DecimalField(_("arrears"), max_digits=14, decimal_places=2, default=0)
    imported_from = models.CharField(_("imported from"), max_length=200, blank=True)

    class Meta:
        ordering = ["assessee_no"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        permissions = [
            ("import_records", "Can import assessments, receipts, plans and permissions")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ward__gte=1, ward__lte=144), name="assessment_ward_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(arrears__gte=0, annual_valuation__gte=0),
                name="assessment_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.assessee_no


class AssessmentDue(models.Model):
    """What is still owed for one quarter of one financial year (April to March)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="dues", verbose_name=_("assessment")
    )
    year = models.PositiveSmallIntegerField(_("financial year starting"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    amount = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2)
    due_date = models.DateField(_("due date"))

    class Meta:
        ordering = ["year", "quarter"]
        verbose_name = _("quarterly due")
        verbose_name_plural = _("quarterly dues")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "year", "quarter"], name="assessment_due_unique_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="assessment_due_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="assessment_due_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d} Q{self.quarter}"


class AssessmentPayment(models.Model):
    """A payment received against an assessment, with KMC's receipt number."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="payments", verbose_name=_("assessment")
    )
    receipt_no = models.CharField(_("receipt number"), max_length=40, unique=True)
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    period = models.CharField(_("for"), max_length=40, blank=True)

    class Meta:
        ordering = ["-paid_on", "receipt_no"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive")
        ]

    def __str__(self) -> str:
        return self.receipt_no


class PlanApplication(TimeStamped):
    """A building plan application to the Building department, by its application number."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        SCRUTINY = "scrutiny", _("Under scrutiny")
        INSPECTION = "inspection", _("Site inspection")
        QUERY = "query", _("Query raised: reply needed")
        SANCTIONED = "sanctioned", _("Sanctioned")
        REJECTED = "rejected", _("Rejected")
        COMPLETION = "completion", _("Completion certificate issued")

    code = public_code_field()
    number = models.CharField(_("application number"), max_length=30, unique=True)
    applicant_name = EncryptedTextField(_("applicant"))
    applicant_mobile = EncryptedTextField(_("applicant's mobile"), blank=True)
    applicant_mobile_index = models.CharField(max_length=64, blank=True, db_index=True)
    premises = EncryptedTextField(_("premises"))
    ward = models.PositiveSmallIntegerField(_("ward"))
    submitted_on = models.DateField(_("submitted on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    status_changed_at = models.DateTimeField(_("status since"))

    class Meta:
        ordering = ["-submitted_on", "number"]
        verbose_name = _("building plan application")
        verbose_name_plural = _("building plan applications")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ward__gte=1, ward__lte=144), name="plan_ward_in_range"
            )
        ]

    def __str__(self) -> str:
        return self.number


class AdvertisementPermission(TimeStamped):
    """A hoarding or signboard permission of the Advertisement department."""

    class Kind(models.TextChoices):
        HOARDING = "hoarding", _("Hoarding")
        SIGNBOARD = "signboard", _("Signboard")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REVIEW = "review", _("Under review")
        GRANTED = "granted", _("Granted")
        RENEWAL = "renewal", _("Renewal applied")
        RENEWED = "renewed", _("Renewed")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    code = public_code_field()
    number = models.CharField(_("permission number"), max_length=30, unique=True)
    holder_name = EncryptedTextField(_("holder"))
    holder_mobile = EncryptedTextField(_("holder's mobile"), blank=True)
    holder_mobile_index = models.CharField(max_length=64, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    site = EncryptedTextField(_("site"))
    ward = models.PositiveSmallIntegerField(_("ward"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    status_changed_at = models.DateTimeField(_("status since"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("advertisement permission")
        verbose_name_plural = _("advertisement permissions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ward__gte=1, ward__lte=144), name="permission_ward_in_range"
            )
        ]

    def __str__(self) -> str:
        return self.number


class StatusEntry(models.Model):
    """One step of a plan's or a permission's status history."""

    plan = models.ForeignKey(
        PlanApplication,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="history",
    )
    permission = models.ForeignKey(
        AdvertisementPermission,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="history",
    )
    status = models.CharField(_("status"), max_length=12)
    at = models.DateTimeField(_("at"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.CharField(_("by"), max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status entry")
        verbose_name_plural = _("status entries")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(plan__isnull=False) & models.Q(permission__isnull=True))
                | (models.Q(plan__isnull=True) & models.Q(permission__isnull=False)),
                name="status_entry_one_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.status} at {self.at}"
