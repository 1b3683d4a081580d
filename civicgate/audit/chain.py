"""Writing and verifying the audit hash chain."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from civicgate.audit.models import AuditRecord

GENESIS = "0" * 64
# Any fixed 64-bit number: all writers of the chain take this PostgreSQL advisory lock.
_PG_LOCK_KEY = 0x4356_4741_5544_4954


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _hashed_fields(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "at": record.at.isoformat(),
        "actor_kind": record.actor_kind,
        "actor_id": record.actor_id,
        "actor_label": record.actor_label,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "office_code": record.office_code,
        "ip_address": record.ip_address,
        "data": record.data,
    }


def _actor(actor: Any) -> tuple[str, str, str]:
    if actor is None:
        return AuditRecord.ActorKind.SYSTEM, "", "system"
    if isinstance(actor, str):
        return AuditRecord.ActorKind.SYSTEM, "", actor
    model = actor._meta.label_lower
    if model == "accounts.user":
        if not actor.is_authenticated:
            return AuditRecord.ActorKind.SYSTEM, "", "anonymous"
        return AuditRecord.ActorKind.STAFF, actor.code, actor.get_username()
    if model == "accounts.citizen":
        return AuditRecord.ActorKind.CITIZEN, actor.code, f"citizen {actor.code}"
    if model == "devices.device":
        return AuditRecord.ActorKind.DEVICE, actor.code, actor.name
    raise TypeError(f"Unknown audit actor {actor!r}")


def client_address(request: HttpRequest | None) -> str | None:
    """The caller's address as the load balancer saw it (see docs/deployment.md)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str


def record(
    action: str,
    *,
    actor: Any = None,
    obj: Any = None,
    office: Any = None,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record to the chain, inside the caller's transaction.

    actor: a staff User, Citizen, Device, a label string for system jobs, or None.
    obj: the model instance acted on (its public code is stored, else its pk).
    office: an Office or office code the action belongs to, for office-scoped searches.
    data: what changed (before/after), reasons, counts; never secrets or full personal data.
    """
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user
    kind, actor_id, label = _actor(actor)
    object_type = object_id = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(getattr(obj, "code", None) or obj.pk)
    office_code = office if isinstance(office, str) else getattr(office, "code", "") or ""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditRecord.objects.order_by("-seq").only("seq", "hash").first()
        entry = AuditRecord(
            seq=(last.seq + 1) if last else 1,
            at=timezone.now(),
            actor_kind=kind,
            actor_id=actor_id,
            actor_label=label[:200],
            action=action,
            object_type=object_type,
            object_id=object_id[:64],
            office_code=office_code,
            ip_address=client_address(request),
            data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
            prev_hash=last.hash if last else GENESIS,
        )
        entry.hash = _digest(entry.prev_hash, _hashed_fields(entry))
        entry.save()
    return entry


def verify_chain(batch_size: int = 2000) -> tuple[int, list[ChainBreak]]:
    """Walk the chain in order; return how many records were checked and every break found."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    queryset = AuditRecord.objects.order_by("seq")
    for entry in queryset.iterator(chunk_size=batch_size):
        checked += 1
        if entry.seq != expected_seq:
            breaks.append(ChainBreak(entry.seq, f"records {expected_seq} to {entry.seq - 1} are missing"))
        if entry.prev_hash != expected_prev:
            breaks.append(ChainBreak(entry.seq, "does not follow the record before it (deleted or reordered)"))
        if _digest(entry.prev_hash, _hashed_fields(entry)) != entry.hash:
            breaks.append(ChainBreak(entry.seq, "its contents were edited after it was written"))
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    return checked, breaks
