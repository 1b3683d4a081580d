"""Visitors, their gate passes, the scans at the gates, the watch list and tout flags."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgate.core.fields import EncryptedTextField
from civicgate.core.models import TimeStamped, public_code_field


class Visitor(TimeStamped):
    """A person who visits a KMC office. The verified mobile number is the identity.

    Only the type and the last four digits of an identity proof are kept: never a full
    Aadhaar number (docs/adr/0002-personal-data.md).
    """

    class IdProof(models.TextChoices):
        NONE = "", _("None")
        AADHAAR = "aadhaar", _("Aadhaar")
        VOTER_ID = "voter_id", _("Voter ID")
        PAN = "pan", _("PAN card")
        DRIVING_LICENCE = "driving_licence", _("Driving licence")
        PASSPORT = "passport", _("Passport")
        OTHER = "other", _("Other")

    code = public_code_field()
    name = models.CharField(_("name"), max_length=200)
    mobile = EncryptedTextField(_("mobile"))
    mobile_index = models.CharField(max_length=64, unique=True)
    mobile_verified_at = models.DateTimeField(null=True, blank=True)
    id_proof_type = models.CharField(
        _("identity proof"), max_length=20, choices=IdProof.choices, blank=True
    )
    id_proof_last4 = models.CharField(_("last four digits"), max_length=4, blank=True)
    photo = models.ImageField(_("photo"), upload_to="visitors/", blank=True)
    consent_notice_version = models.CharField(max_length=20, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, default="en")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id_proof_last4="")
                | models.Q(id_proof_last4__regex=r"^[0-9A-Za-z]{4}$"),
                name="visitor_id_proof_last4_only",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SigningKey(TimeStamped):
    """An Ed25519 key that signs the QR tokens of passes.

    The newest active key signs; retired keys keep verifying until the passes they signed
    expire, so rotation never invalidates a live pass. The private key is stored encrypted.
    """

    kid = models.CharField(max_length=8, unique=True)
    private_key = EncryptedTextField()
    public_key = models.CharField(
        max_length=64, help_text="Raw public key, base64url without padding."
    )
    signs = models.BooleanField(default=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    verify_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid


class PassPolicy(TimeStamped):
    """Per department: whether a host must approve a pass before it is valid."""

    department = models.OneToOneField(
        "org.Department", on_delete=models.CASCADE, related_name="pass_policy"
    )
    requires_host_approval = models.BooleanField(_("host approval required"), default=False)

    class Meta:
        ordering = ["department__name"]
        verbose_name = _("pass policy")
        verbose_name_plural = _("pass policies")

    def __str__(self) -> str:
        return f"{self.department}: {'approval' if self.requires_host_approval else 'automatic'}"


class GatePass(TimeStamped):
    """Permission for one visitor to enter one office in a time window.

    Every state change goes through passes.actions and is audited.
    """

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single entry")
        DAY = "day", _("Day pass (re-entry after exit)")
        MULTI_DAY = "multi_day", _("Multi-day pass")

    class Channel(models.TextChoices):
        CHATBOT = "chatbot", _("Chatbot")
        WEB = "web", _("Web")
        GATE_DESK = "gate_desk", _("Gate desk")
        APPOINTMENT = "appointment", _("Appointment")
        STAFF = "staff", _("Staff")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for host approval")
        ISSUED = "issued", _("Issued")
        INSIDE = "inside", _("Inside")
        OUTSIDE = "outside", _("Outside")
        CLOSED = "closed", _("Closed")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        REJECTED = "rejected", _("Rejected by host")

    code = public_code_field()
    visitor = models.ForeignKey(
        Visitor, on_delete=models.PROTECT, related_name="passes", verbose_name=_("visitor")
    )
    office = models.ForeignKey(
        "org.Office",
        on_delete=models.PROTECT,
        related_name="passes",
        verbose_name=_("office"),
        db_index=False,  # pass_office_state_idx leads with it
    )
    gates = models.ManyToManyField(
        "org.Gate",
        blank=True,
        related_name="passes",
        verbose_name=_("allowed gates"),
        help_text=_("Empty means every gate of the office."),
    )
    host_official = models.ForeignKey(
        "org.Official",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="passes",
        verbose_name=_("host"),
    )
    host_department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="passes",
        verbose_name=_("department"),
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ISSUED)
    token = models.CharField(max_length=400, editable=False)
    signing_key = models.ForeignKey(
        SigningKey,
        on_delete=models.PROTECT,
        related_name="passes",
        editable=False,
        db_index=False,  # read by key rotation only
    )
    entries = models.PositiveIntegerField(default=0)
    last_scan_at = models.DateTimeField(null=True, blank=True)
    last_gate = models.ForeignKey(
        "org.Gate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    entered_at = models.DateTimeField(
        null=True, blank=True, help_text="Start of the current visit inside."
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    revoked_reason = models.CharField(max_length=300, blank=True)
    closed_without_exit = models.BooleanField(default=False)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("gate pass")
        verbose_name_plural = _("gate passes")
        # Every allowed scan rewrites the pass (state, last gate, times) and with it an entry
        # in each of its indexes: they are kept to the lookups made (by code, visitor, host,
        # and who is inside an office); key rotation, and deleting a gate or a user, read the
        # table without one.
        indexes = [models.Index(fields=["office", "state"], name="pass_office_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="pass_window_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(host_official__isnull=False)
                | models.Q(host_department__isnull=False),
                name="pass_has_host",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class GateScan(models.Model):
    """One scan at a gate, allowed or denied, with its reason. Kept for every scan.

    scan_id comes from the scanner (a UUID it makes), so a scan uploaded twice — a retry, or
    an offline console's queue — is recorded once and answered with its first decision.
    """

    class Direction(models.TextChoices):
        IN = "in", _("In")
        OUT = "out", _("Out")

    class Decision(models.TextChoices):
        ALLOW = "allow", _("Allow")
        DENY = "deny", _("Deny")

    scan_id = models.UUIDField(unique=True, default=uuid.uuid4)
    gate_pass = models.ForeignKey(
        GatePass, on_delete=models.PROTECT, null=True, blank=True, related_name="scans"
    )
    office = models.ForeignKey(
        "org.Office", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    gate = models.ForeignKey(
        "org.Gate", on_delete=models.PROTECT, null=True, blank=True, related_name="scans"
    )
    device = models.ForeignKey(
        "devices.Device",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    guard = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    decision = models.CharField(max_length=5, choices=Decision.choices)
    reason = models.CharField(max_length=30)
    raw_code = models.CharField(max_length=400, blank=True)
    scanned_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    offline = models.BooleanField(default=False)
    override_reason = models.CharField(max_length=300, blank=True)
    conflict = models.CharField(
        max_length=200, blank=True, help_text="Set when reconciling found a clash."
    )

    class Meta:
        ordering = ["-scanned_at"]
        # One row per scan, the busiest insert of the product: indexed for the pass's visits,
        # the gate's and the office's scans by time, and scan_id's uniqueness only.
        indexes = [models.Index(fields=["office", "scanned_at"], name="scan_office_time_idx")]

    def __str__(self) -> str:
        return f"{self.scan_id} {self.decision} {self.reason}"


class WatchlistEntry(TimeStamped):
    """A person security wants to know about: held with an alert, or refused outright."""

    class Action(models.TextChoices):
        HOLD = "hold", _("Hold and alert")
        BLOCK = "block", _("Block")

    code = public_code_field()
    name = models.CharField(_("name"), max_length=200, blank=True)
    aliases = models.TextField(_("aliases"), blank=True, help_text=_("One per line."))
    mobile = EncryptedTextField(_("mobile"), blank=True)
    mobile_index = models.CharField(max_length=64, blank=True, db_index=True)
    action = models.CharField(
        _("action"), max_length=5, choices=Action.choices, default=Action.HOLD
    )
    office = models.ForeignKey(
        "org.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("office"),
        help_text=_("Empty means every office."),
    )
    reason = models.TextField(_("reason"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("watch list entry")
        verbose_name_plural = _("watch list")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(mobile_index="") | ~models.Q(name=""),
                name="watchlist_identifies_someone",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.code


class SecurityAlert(TimeStamped):
    """Something the security administrators must look at now (a held visitor at a gate)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    code = public_code_field()
    office = models.ForeignKey("org.Office", on_delete=models.PROTECT, related_name="+")
    gate = models.ForeignKey(
        "org.Gate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30)
    message = models.CharField(max_length=300)
    visitor = models.ForeignKey(
        Visitor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scan = models.ForeignKey(
        GateScan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    watchlist_entry = models.ForeignKey(
        WatchlistEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        max_length=12, choices=State.choices, default=State.OPEN, db_index=True
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class ToutFlag(TimeStamped):
    """A visitor whose pattern of passes looks like a tout's, for security to review."""

    class Rule(models.TextChoices):
        MANY_PASSES = "many_passes", _("Many passes in a week")
        MANY_HOSTS = "many_hosts", _("Many different departments or officials")
        SHARED_THUMB = "shared_thumb", _("One thumb under several mobile numbers")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        WATCHLISTED = "watchlisted", _("Added to watch list")

    code = public_code_field()
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="tout_flags")
    rule = models.CharField(max_length=20, choices=Rule.choices)
    details = models.JSONField(default=dict)
    state = models.CharField(
        max_length=12, choices=State.choices, default=State.OPEN, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "rule"],
                condition=models.Q(state="open"),
                name="one_open_flag_per_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visitor} {self.rule}"
