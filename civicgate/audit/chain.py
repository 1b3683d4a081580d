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


def _canonical(fields: dict[str, Any]) -> str:
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, ensure_ascii=False
    )


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{_canonical(fields)}".encode()).hexdigest()


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


@dataclass
class Prepared:
    """An audit record made ready outside any lock: everything but its place in the chain."""

    entry: AuditRecord
    # The hashed JSON up to its last key, "seq" (keys are sorted: it comes last).
    body_prefix: str
    params: list[Any]


def prepare(
    action: str,
    *,
    actor: Any = None,
    obj: Any = None,
    office: Any = None,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> Prepared:
    """Build a record for append(); see record() for the arguments.

    A busy writer (a gate scan) prepares its record before it queues for the database, so
    that it holds the chain for no longer than the few statements that link the record in.
    """
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user
    kind, actor_id, label = _actor(actor)
    object_type = object_id = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(getattr(obj, "code", None) or obj.pk)
    office_code = office if isinstance(office, str) else getattr(office, "code", "") or ""
    entry = AuditRecord(
        seq=0,
        at=timezone.now(),
        actor_kind=kind,
        actor_id=actor_id,
        actor_label=label[:200],
        action=action,
        object_type=object_type,
        object_id=object_id[:64],
        office_code=office_code,
        ip_address=ip_address or client_address(request),
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
        prev_hash=GENESIS,
        hash="",
    )
    fields = _hashed_fields(entry)
    del fields["seq"]
    body = _canonical(fields)
    params = [
        field.get_db_prep_save(field.pre_save(entry, True), connection) for field in _INSERT_FIELDS
    ]
    return Prepared(entry, body[:-1], params)


def append(prepared: Prepared) -> AuditRecord:
    """Link a prepared record into the chain, inside the caller's transaction."""
    entry = prepared.entry
    # No savepoint of its own: a failure here fails the caller's transaction anyway, and the
    # savepoint would cost two round trips on every audited action.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not _server_side_binding():
            # Held from here to the commit: every writer of the chain waits here, so it is
            # taken last, after the action's own writes. Both statements go in one round
            # trip; the second takes its own snapshot after the lock is granted, so it sees
            # the record of the writer that held the lock before.
            cursor.execute(f"SELECT pg_advisory_xact_lock(%s); {_LAST_SQL}", [_PG_LOCK_KEY])
            cursor.nextset()
        else:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
            cursor.execute(_LAST_SQL)
        last = cursor.fetchone()
        entry.seq = (last[0] + 1) if last else 1
        entry.prev_hash = last[1] if last else GENESIS
        # The same text _digest() hashes: the sorted JSON with "seq" as its last key.
        body = f'{prepared.body_prefix},"seq":{entry.seq}}}'
        entry.hash = hashlib.sha256(f"{entry.prev_hash}\n{body}".encode()).hexdigest()
        params = list(prepared.params)
        params[_SEQ], params[_PREV_HASH], params[_HASH] = entry.seq, entry.prev_hash, entry.hash
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f'{_INSERT_SQL} RETURNING "id"', params)
            entry.pk = cursor.fetchone()[0]
        else:
            cursor.execute(_INSERT_SQL, params)
            entry.pk = cursor.lastrowid
        entry._state.adding, entry._state.db = False, connection.alias
    return entry


def record(
    action: str,
    *,
    actor: Any = None,
    obj: Any = None,
    office: Any = None,
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditRecord:
    """Append one record to the chain, inside the caller's transaction.

    actor: a staff User, Citizen, Device, a label string for system jobs, or None.
    obj: the model instance acted on (its public code is stored, else its pk).
    office: an Office or office code the action belongs to, for office-scoped searches.
    data: what changed (before/after), reasons, counts; never secrets or full personal data.
    ip_address: the caller's address where there is no request at hand (else taken from it).
    """
    return append(
        prepare(
            action,
            actor=actor,
            obj=obj,
            office=office,
            request=request,
            data=data,
            ip_address=ip_address,
        )
    )


def _server_side_binding() -> bool:
    # Several statements in one call need psycopg's client-side binding (Django's default).
    return bool(connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"))


# The two statements of record(), written out once: the ORM would compile them on every call.
_TABLE = AuditRecord._meta.db_table
_LAST_SQL = f'SELECT "seq", "hash" FROM "{_TABLE}" ORDER BY "seq" DESC LIMIT 1'  # noqa: S608
_INSERT_FIELDS = [f for f in AuditRecord._meta.concrete_fields if f is not AuditRecord._meta.pk]
_SEQ, _PREV_HASH, _HASH = (
    [f.name for f in _INSERT_FIELDS].index(name) for name in ("seq", "prev_hash", "hash")
)
_INSERT_COLUMNS = ", ".join(f'"{field.column}"' for field in _INSERT_FIELDS)
# Names from the model's metadata only; every value goes as a parameter.
_INSERT_SQL = (
    f'INSERT INTO "{_TABLE}" ({_INSERT_COLUMNS}) VALUES ({", ".join(["%s"] * len(_INSERT_FIELDS))})'  # noqa: S608
)


# How far from its place a renumbered record is looked for when its own number does not fit.
_RENUMBER_WINDOW = 20


def _original_seq(entry: AuditRecord) -> int | None:
    """The number entry was written with: its seq when intact, another number when it was moved,
    None when its contents were edited (no number makes its hash fit)."""
    fields = _hashed_fields(entry)
    if _digest(entry.prev_hash, fields) == entry.hash:
        return entry.seq
    candidates: list[int] = []
    if entry.prev_hash == GENESIS:
        candidates.append(1)
    else:
        before = (
            AuditRecord.objects.filter(hash=entry.prev_hash).values_list("seq", flat=True).first()
        )
        if before is not None:
            candidates.append(before + 1)
    candidates.extend(range(max(1, entry.seq - _RENUMBER_WINDOW), entry.seq + _RENUMBER_WINDOW + 1))
    for seq in candidates:
        if seq != entry.seq and _digest(entry.prev_hash, {**fields, "seq": seq}) == entry.hash:
            return seq
    return None


def _link_explained(entry: AuditRecord, original: int, moved: dict[str, int]) -> bool:
    """Whether entry still follows the record it was chained to, once renumbering is undone."""
    if entry.prev_hash == GENESIS:
        return original == 1
    if entry.prev_hash in moved:
        return moved[entry.prev_hash] == original - 1
    before = AuditRecord.objects.filter(hash=entry.prev_hash).first()
    return before is not None and _original_seq(before) == original - 1


def verify_chain(batch_size: int = 2000) -> tuple[int, list[ChainBreak]]:
    """Walk the chain in order; return how many records were checked and every break found.

    Each break names the record that is wrong: one whose contents were edited, one that was
    renumbered (records reordered), missing numbers (deleted), or a record that was rewritten
    with a fresh hash (the record after it no longer links to it). Only the intact tail end of
    the chain cannot be checked this way: deleting or rewriting the newest records leaves no
    later record to notice.
    """
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    moved: dict[str, int] = {}
    queryset = AuditRecord.objects.order_by("seq")
    for entry in queryset.iterator(chunk_size=batch_size):
        checked += 1
        original = _original_seq(entry)
        if original is None:
            breaks.append(ChainBreak(entry.seq, "its contents were edited after it was written"))
        elif original != entry.seq:
            moved[entry.hash] = original
            breaks.append(
                ChainBreak(
                    entry.seq,
                    f"it was written as record {original} and renumbered (records reordered)",
                )
            )
        if entry.seq > expected_seq:
            if entry.seq - 1 == expected_seq:
                problem = "it is missing (deleted)"
            else:
                problem = f"records {expected_seq} to {entry.seq - 1} are missing (deleted)"
            breaks.append(ChainBreak(expected_seq, problem))
        elif (
            original is not None
            and entry.prev_hash != expected_prev
            and not _link_explained(entry, original, moved)
        ):
            breaks.append(
                ChainBreak(
                    entry.seq - 1,
                    f"it was replaced or rewritten: record {entry.seq} was chained to a different record",
                )
            )
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    return checked, breaks
