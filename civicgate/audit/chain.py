"""Writing and verifying the audit hash chain."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from civicgate.audit.models import AuditRecord, ChainHead
from civicgate.core.prepared import InsertValues, cursor, typed_param

GENESIS = "0" * 64


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


def _as_stored(data: dict[str, Any]) -> dict[str, Any]:
    """data as it reads back from the database (dates as text, and so on), as it is hashed."""
    if all(type(key) is str and type(value) in _JSON_NATIVE for key, value in data.items()):
        return dict(data)  # (the usual record: nothing to convert)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


_JSON_NATIVE = (str, bool, int, type(None))


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
        data=_as_stored(data or {}),
        prev_hash=GENESIS,
        hash="",
    )
    fields = _hashed_fields(entry)
    del fields["seq"]
    body = _canonical(fields)
    params = _INSERT_VALUES(entry, connection)
    return Prepared(entry, body[:-1], params)


def append(prepared: Prepared) -> AuditRecord:
    """Link a prepared record into the chain, inside the caller's transaction.

    The head row hands the record its number and the hash of the record before it, and takes
    the record's own hash; every writer of the chain queues on that row until its transaction
    ends. On PostgreSQL the head moves, the hash computed by the database from the same text
    _digest() hashes, and the record is written in one statement. On SQLite, whose write
    transactions already run one at a time, the head is read, the hash computed here and the
    head moved (a Python function called from SQLite's SQL could wait for the interpreter lock
    while holding the database's).
    """
    entry = prepared.entry
    # No savepoint of its own: a failure here fails the caller's transaction anyway, and the
    # savepoint would cost two round trips on every audited action.
    with transaction.atomic(savepoint=False), cursor() as c:
        if connection.vendor == "postgresql":
            c.execute(LINKED_INSERT_SQL, [prepared.body_prefix, *own_params(prepared)])
            entry.pk, entry.seq, entry.prev_hash, entry.hash = c.fetchone()
        else:
            c.execute(_HEAD_SQL)
            head = c.fetchone()
            if head is None:
                raise RuntimeError("The audit chain has no head row; run migrate.")
            entry.seq, entry.prev_hash = head[0] + 1, head[1]
            # The same text _digest() hashes: the sorted JSON with "seq" as its last key.
            body = f'{prepared.body_prefix},"seq":{entry.seq}}}'
            entry.hash = hashlib.sha256(f"{entry.prev_hash}\n{body}".encode()).hexdigest()
            c.execute(_MOVE_HEAD_SQL, [entry.seq, entry.prev_hash, entry.hash])
            params = list(prepared.params)
            params[_SEQ], params[_PREV_HASH], params[_HASH] = entry.seq, entry.prev_hash, entry.hash
            c.execute(f'{_INSERT_SQL} RETURNING "id"', params)
            entry.pk = c.fetchone()[0]
    entry._state.adding, entry._state.db = False, connection.alias
    return entry


def own_params(prepared: Prepared) -> list[Any]:
    """The record's values for LINKED_INSERT_SQL: all but its place in the chain."""
    return [value for i, value in enumerate(prepared.params) if i not in _LINK]


def advance_sql(condition: str = "") -> str:
    """PostgreSQL: UPDATE of the head row to the next record, returning its seq, prev_hash and
    hash; one parameter, the record's Prepared.body_prefix. condition: more of the WHERE clause."""
    return (
        f'UPDATE "{_HEAD_TABLE}" SET "seq" = "seq" + 1, "prev_hash" = "hash", '  # noqa: S608
        f'"hash" = {_NEXT_HASH} WHERE "id" = {HEAD_ID}{condition} '
        'RETURNING "seq", "prev_hash", "hash"'
    )


def linked_values(head: str, *, typed: bool = False) -> str:
    """The values of a record's INSERT whose place in the chain comes from the CTE head
    (advance_sql's RETURNING); its parameters are own_params(). typed: each parameter cast
    to its column's type, for an INSERT ... SELECT, where nothing else gives them one."""
    return ", ".join(
        f'(SELECT "{field.column}" FROM {head})'  # noqa: S608 - names from the model
        if i in _LINK
        else (typed_param(field, connection) if typed else "%s")
        for i, field in enumerate(_INSERT_FIELDS)
    )


def insert_columns() -> str:
    """The column list of a record's INSERT, in the order of linked_values()."""
    return _INSERT_COLUMNS


def start_head(using: str = DEFAULT_DB_ALIAS) -> None:
    """Set the head row to the newest record (or the start of the chain): after a flush."""
    last = AuditRecord.objects.using(using).order_by("-seq").first()
    ChainHead.objects.using(using).update_or_create(
        pk=HEAD_ID,
        defaults={
            "seq": last.seq if last else 0,
            "prev_hash": last.prev_hash if last else GENESIS,
            "hash": last.hash if last else GENESIS,
        },
    )


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


# The statements of append(), written out once: the ORM would compile them on every call.
_TABLE = AuditRecord._meta.db_table
_HEAD_TABLE = ChainHead._meta.db_table
HEAD_ID = 1
_INSERT_FIELDS = [f for f in AuditRecord._meta.concrete_fields if f is not AuditRecord._meta.pk]
_INSERT_VALUES = InsertValues(_INSERT_FIELDS)
_SEQ, _PREV_HASH, _HASH = (
    [f.name for f in _INSERT_FIELDS].index(name) for name in ("seq", "prev_hash", "hash")
)
_INSERT_COLUMNS = ", ".join(f'"{field.column}"' for field in _INSERT_FIELDS)
# Names from the model's metadata only; every value goes as a parameter.
_INSERT_SQL = (
    f'INSERT INTO "{_TABLE}" ({_INSERT_COLUMNS}) VALUES ({", ".join(["%s"] * len(_INSERT_FIELDS))})'  # noqa: S608
)
_LINK = {_SEQ, _PREV_HASH, _HASH}
# The next record's hash: sha256 of the head's hash, a newline and the record's sorted JSON
# with "seq" as its last key, the text _digest() hashes (Prepared.body_prefix ends before it).
_NEXT_HASH = (
    "encode(sha256(convert_to("
    """"hash" || chr(10) || %s || ',"seq":' || ("seq" + 1) || '}', 'UTF8')), 'hex')"""
)
# SQLite: the head read, then moved to the record written.
_HEAD_SQL = f'SELECT "seq", "hash" FROM "{_HEAD_TABLE}" WHERE "id" = {HEAD_ID}'  # noqa: S608
_MOVE_HEAD_SQL = (
    f'UPDATE "{_HEAD_TABLE}" SET "seq" = %s, "prev_hash" = %s, "hash" = %s '  # noqa: S608
    f'WHERE "id" = {HEAD_ID}'
)
# PostgreSQL: the head moved and the record written, one statement.
LINKED_INSERT_SQL = (
    f"WITH head AS ({advance_sql()}) "  # noqa: S608 - names from the model
    f'INSERT INTO "{_TABLE}" ({_INSERT_COLUMNS}) VALUES ({linked_values("head")}) '
    'RETURNING "id", "seq", "prev_hash", "hash"'
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
    with a fresh hash (the record after it no longer links to it). The newest records, which no
    later record links to, are held to the head row: deleting them, or rewriting the newest,
    shows there.
    """
    # Read first: records appended during the walk come after it and are walked too.
    head = ChainHead.objects.filter(pk=HEAD_ID).first()
    head_hash_found = GENESIS
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
        if head is not None and entry.seq == head.seq:
            head_hash_found = entry.hash
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    moved_on = head is not None and ChainHead.objects.filter(pk=HEAD_ID, seq__gt=head.seq).exists()
    breaks.extend(_head_breaks(head, expected_seq, head_hash_found, moved_on))
    return checked, breaks


def _head_breaks(
    head: ChainHead | None, expected_seq: int, found: str, appended_since: bool
) -> list[ChainBreak]:
    """What the head row says of the newest records: found is the hash of the record at the
    head's number (GENESIS when there is none); appended_since: the head moved on while the
    chain was walked (records after it are new, not a head left behind)."""
    if head is None:
        return [ChainBreak(expected_seq, "the chain's head row is missing (run migrate)")]
    if head.seq >= expected_seq:
        if head.seq == expected_seq:
            return [ChainBreak(expected_seq, "it is missing (deleted)")]
        return [
            ChainBreak(expected_seq, f"records {expected_seq} to {head.seq} are missing (deleted)")
        ]
    if head.seq < expected_seq - 1 and not appended_since:
        return [
            ChainBreak(
                head.seq + 1,
                f"the chain's head is behind: it names record {head.seq}, the newest is "
                f"{expected_seq - 1} (run start_head)",
            )
        ]
    if head.seq > 0 and found not in (GENESIS, head.hash):
        return [
            ChainBreak(
                head.seq, "it was replaced or rewritten: the chain's head holds another hash"
            )
        ]
    return []
