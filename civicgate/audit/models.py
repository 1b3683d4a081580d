"""The audit trail: an append-only, hash-chained record of every action that matters."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditQuerySet(models.QuerySet["AuditRecord"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit records cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit records cannot be deleted.")


class AuditRecord(models.Model):
    """One action: who did what to which object, when and from where.

    Each record carries the hash of the one before it (by seq), so editing, deleting or
    reordering any record breaks the chain at that point; verify_audit finds where. Database
    triggers refuse UPDATE and DELETE as well, so only someone who drops them can tamper.
    """

    class ActorKind(models.TextChoices):
        STAFF = "staff", _("Staff")
        CITIZEN = "citizen", _("Citizen")
        DEVICE = "device", _("Device")
        SYSTEM = "system", _("System")

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    office_code = models.CharField(max_length=20, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        # Written with every scan and every sensitive read, searched now and then: one index
        # per filter of the audit screen (audit.forms), so each insert updates as few as it can.
        # The action filter is a prefix (LIKE 'passes.%'): pattern operators on PostgreSQL;
        # other columns are compared whole, so no second (LIKE) index for them.
        indexes = [
            models.Index(
                fields=["action"], name="audit_action_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["actor_id"], name="audit_actor_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["office_code", "seq"], name="audit_office_seq_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["hash"], name="audit_hash_unique")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit records cannot be deleted.")


class ChainHead(models.Model):
    """The newest link of the chain, in one row: its number, its hash and the hash before it.

    Appending a record moves the head forward in the same statement that hands the record its
    number and hash (chain.append), so concurrent writers queue on this row and each links to
    the record written just before it. Created with the table and again after a flush; a head
    that disagrees with the newest record is reported by verify_audit.
    """

    seq = models.PositiveBigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
