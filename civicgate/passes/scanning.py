"""Deciding a scan at a gate: allow or deny, with a reason, recorded every time.

record_scan() is the one write behind the device API, the guard's console and offline uploads.
It decides on the pass as read, then writes in one short transaction (on PostgreSQL, one
statement): the GateScan, the pass moved by a conditional UPDATE (so two gates scanning one pass at the same moment give exactly
one entry: the second finds the pass moved and decides again) and, where it matters, the audit
record. A scan_id seen before is answered with its first decision.

Checks, in order (the first that fails gives the reason):
token form and signature -> the pass exists -> the token is the pass's current one -> office ->
gate (entry only) -> state of the pass -> time window (entry only; leaving late is allowed and
flagged overdue) -> watch list (entry only) -> anti-passback -> allow.
"""

import hmac
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.accounts.access import can_see_office
from civicgate.audit import chain
from civicgate.audit.chain import record
from civicgate.audit.models import AuditRecord
from civicgate.core import prepared
from civicgate.core.prepared import InsertValues, typed_param
from civicgate.core.rows import Columns
from civicgate.core.writers import writers_in_line
from civicgate.org.models import Department, Employee, Gate, Office, Official
from civicgate.passes import keys, tokens, watchlist
from civicgate.passes.models import GatePass, GateScan, SecurityAlert, Visitor, WatchlistEntry

ALLOW = GateScan.Decision.ALLOW
DENY = GateScan.Decision.DENY
IN = GateScan.Direction.IN
OUT = GateScan.Direction.OUT

REASONS = (
    "ok",
    "malformed",
    "invalid_signature",
    "unknown_key",
    "unknown_pass",
    "not_yet_valid",
    "expired",
    "revoked",
    "pending_approval",
    "wrong_office",
    "wrong_gate",
    "already_inside",
    "not_inside",
    "used",
    "watchlist_hold",
    "blocked",
    # An offline console turned the visitor away and the server, later, would have let them in.
    "refused_offline",
)
# Denials worth a place in the audit chain; the other denials are kept as GateScans only.
_AUDITED_DENIALS = {"invalid_signature", "watchlist_hold", "blocked"}
# A guard may not let through someone security has barred outright.
_NOT_OVERRIDABLE = {"blocked"}
# A pass code typed by a guard (from a slip or an SMS) instead of a scanned token.
_PASS_CODE_CHARS = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
_PASS_CODE_LENGTH = 10

_STATE_DENIALS: dict[str, str] = {
    GatePass.State.REVOKED: "revoked",
    GatePass.State.REJECTED: "revoked",
    GatePass.State.PENDING: "pending_approval",
    GatePass.State.CLOSED: "used",
    GatePass.State.EXPIRED: "expired",
}


@dataclass
class ScanResult:
    decision: str
    reason: str
    message: str
    gate_pass: GatePass | None
    visitor: Visitor | None
    scan: GateScan
    duplicate: bool = False

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d %b %Y %H:%M")


def message_for(
    reason: str, direction: str, gate_pass: GatePass | None = None, *, overdue: bool = False
) -> str:
    """What the guard reads for a decision, in the active language."""
    if reason == "ok":
        if direction == OUT:
            if overdue:
                return _("Exit recorded. The visitor stayed past the end of the pass (overdue).")
            return _("Exit recorded.")
        return _("Entry allowed.")
    if reason == "not_yet_valid" and gate_pass is not None:
        return _("The pass is not valid yet: it starts at %(time)s.") % {
            "time": _when(gate_pass.valid_from)
        }
    if reason == "expired" and gate_pass is not None:
        return _("The pass expired at %(time)s.") % {"time": _when(gate_pass.valid_until)}
    if reason == "wrong_office" and gate_pass is not None:
        return _("This pass is for another office (%(office)s).") % {
            "office": gate_pass.office.name
        }
    messages = {
        "malformed": _("This is not a CivicGate pass. Scan it again or type the pass code."),
        "invalid_signature": _("Forged or altered pass: the signature does not match."),
        "unknown_key": _("This pass was signed with a key this gate does not know."),
        "unknown_pass": _("No such pass."),
        "not_yet_valid": _("The pass is not valid yet."),
        "expired": _("The pass has expired."),
        "revoked": _("The pass has been revoked."),
        "pending_approval": _("The host has not approved this pass yet."),
        "wrong_office": _("This pass is for another office."),
        "wrong_gate": _("This pass is not valid at this gate."),
        "already_inside": _("Already inside: the pass must be scanned out before it enters again."),
        "not_inside": _("This pass is not inside: it was not scanned in."),
        "used": _("This pass has already been used."),
        "watchlist_hold": _("Hold the visitor and call security: watch-list match."),
        "blocked": _("Entry refused: this person is barred from entering."),
        "refused_offline": _("The gate refused this pass while it was offline."),
    }
    return messages.get(reason, reason)


def _is_overdue(scan: GateScan, gate_pass: GatePass | None) -> bool:
    return (
        gate_pass is not None
        and scan.direction == OUT
        and scan.decision == ALLOW
        and scan.scanned_at > gate_pass.valid_until
    )


def _result_of(scan: GateScan, *, duplicate: bool) -> ScanResult:
    """The answer a stored scan gives again (a repeat of its scan_id, or after an override)."""
    gate_pass = scan.gate_pass
    reason = "ok" if scan.override_reason else scan.reason
    if scan.override_reason:
        message = _("Let through by the guard: %(reason)s") % {"reason": scan.override_reason}
    else:
        message = message_for(
            reason, scan.direction, gate_pass, overdue=_is_overdue(scan, gate_pass)
        )
    return ScanResult(
        decision=scan.decision,
        reason=reason,
        message=message,
        gate_pass=gate_pass,
        visitor=gate_pass.visitor if gate_pass else None,
        scan=scan,
        duplicate=duplicate,
    )


def _stored(scan_id: uuid.UUID) -> GateScan | None:
    return (
        GateScan.objects.select_related(*_PASS_RELATED_VIA_SCAN)
        .defer("gate_pass__visitor__mobile")
        .filter(scan_id=scan_id)
        .order_by()
        .first()
    )


_PASS_RELATED = ("visitor", "office", "host_official__employee", "host_department")
_PASS_RELATED_VIA_SCAN = tuple(f"gate_pass__{name}" for name in _PASS_RELATED)


_PASS_COLUMNS = Columns(
    GatePass,
    "p",
    (
        "code",
        "state",
        "kind",
        "token",
        "valid_from",
        "valid_until",
        "entries",
        "entered_at",
        "last_scan_at",
        "visitor",
        "office",
        "host_official",
        "host_department",
    ),
)
_VISITOR_COLUMNS = Columns(Visitor, "v", ("code", "name", "mobile_index", "photo"))
_OFFICE_COLUMNS = Columns(Office, "o", ("code", "name"))
_OFFICIAL_COLUMNS = Columns(Official, "ho", ("title", "employee"))
_EMPLOYEE_COLUMNS = Columns(Employee, "e", ("name",))
_DEPARTMENT_COLUMNS = Columns(Department, "hd", ("name", "name_bn", "name_hi"))
_PASS_PARTS = (
    _PASS_COLUMNS,
    _VISITOR_COLUMNS,
    _OFFICE_COLUMNS,
    _OFFICIAL_COLUMNS,
    _EMPLOYEE_COLUMNS,
    _DEPARTMENT_COLUMNS,
)
# The pass with what a decision and the guard's screen need, and whether any active watch-list
# entry could apply at its office at all: nearly always none, and then no match is looked for.
_PASS_SQL = (
    "SELECT "  # noqa: S608
    + ", ".join(part.sql for part in _PASS_PARTS)
    + ", EXISTS(SELECT 1 FROM "
    + f'"{WatchlistEntry._meta.db_table}" w WHERE w."active" = %s'
    + ' AND (w."office_id" IS NULL OR w."office_id" = p."office_id"))'
    + f' FROM "{GatePass._meta.db_table}" p'
    + f' INNER JOIN "{Visitor._meta.db_table}" v ON v."id" = p."visitor_id"'
    + f' INNER JOIN "{Office._meta.db_table}" o ON o."id" = p."office_id"'
    + f' LEFT OUTER JOIN "{Official._meta.db_table}" ho ON ho."id" = p."host_official_id"'
    + f' LEFT OUTER JOIN "{Employee._meta.db_table}" e ON e."id" = ho."employee_id"'
    + f' LEFT OUTER JOIN "{Department._meta.db_table}" hd ON hd."id" = p."host_department_id"'
    + ' WHERE p."code" = %s'
)


def _pass_by_code(code: str) -> tuple[GatePass | None, bool]:
    """The pass (visitor, office and host loaded) and whether the watch list could match it."""
    with prepared.cursor() as cursor:
        cursor.execute(_PASS_SQL, [True, code])
        row = cursor.fetchone()
    return pass_from_row(row)


def pass_from_row(row: tuple[Any, ...] | None) -> tuple[GatePass | None, bool]:
    """The pass in a row of _PASS_SQL (all None: no such pass) and whether the watch list
    could match it."""
    if row is None or row[0] is None:
        return None, False
    gate_pass, visitor, office, official, employee, department = _built(row)
    GatePass.visitor.field.set_cached_value(gate_pass, visitor)
    GatePass.office.field.set_cached_value(gate_pass, office)
    if official is not None:
        Official.employee.field.set_cached_value(official, employee)
    GatePass.host_official.field.set_cached_value(gate_pass, official)
    GatePass.host_department.field.set_cached_value(gate_pass, department)
    return gate_pass, bool(row[-1])


def pass_query(code: str) -> tuple[str, list[Any]]:
    """The statement that reads the pass with this code, as _decide reads it, and its
    parameters (for reading it together with something else: pass_from_row builds it)."""
    return _PASS_SQL, [True, code]


def pass_code_in(text: str) -> str | None:
    """The pass code a scanned text names, read without checking anything (the decision
    checks); None when it names none."""
    text = (text or "").strip()
    if len(text) == _PASS_CODE_LENGTH and set(text.upper()) <= _PASS_CODE_CHARS:
        return text.upper()
    try:
        return tokens.parse(text)[0].code
    except tokens.TokenError:
        return None


def _built(row: tuple[Any, ...]) -> list[Any]:
    built, start = [], 0
    for part in _PASS_PARTS:
        built.append(part.build(row, start))
        start += part.width
    return built


def watchlist_match(gate_pass: GatePass) -> WatchlistEntry | None:
    """The watch-list entry that applies to this pass's visitor at its office; a block wins."""
    visitor = gate_pass.visitor
    name = visitor.name.strip()
    # Nearly every visitor is on no list: one cheap question first, the full match only then.
    maybe = (
        WatchlistEntry.objects.filter(active=True)
        .filter(Q(office__isnull=True) | Q(office_id=gate_pass.office_id))
        .filter(
            Q(mobile_index=visitor.mobile_index) | Q(name__iexact=name) | Q(aliases__icontains=name)
        )
        .exists()
    )
    if not maybe:
        return None
    matches = [m.entry for m in watchlist.matches_for(visitor, gate_pass.office)]
    matches.sort(key=lambda entry: entry.action != WatchlistEntry.Action.BLOCK)
    return matches[0] if matches else None


@dataclass(frozen=True)
class PassRead:
    """A pass read before the decision (with the device that scanned it): its code, the pass
    (None: there is no such pass) and whether the watch list could match it."""

    code: str
    gate_pass: GatePass | None
    watched: bool


@dataclass
class _Decision:
    reason: str
    gate_pass: GatePass | None = None
    watch: WatchlistEntry | None = None
    overdue: bool = False


def _decide(
    text: str, direction: str, now: datetime, gate: Gate, read: PassRead | None = None
) -> _Decision:
    """The decision on the pass as it is now; record_scan makes sure it has not moved since.
    read: the pass named by text, read already in this request (used when it is that pass)."""

    found: dict[str, tuple[GatePass | None, bool]] = {}

    def by_code(code: str) -> tuple[GatePass | None, bool]:
        if read is not None and read.code == code:
            return read.gate_pass, read.watched
        if code not in found:
            found[code] = _pass_by_code(code)
        return found[code]

    if len(text) == _PASS_CODE_LENGTH and set(text.upper()) <= _PASS_CODE_CHARS:
        # A code typed by the guard from a printed slip or an SMS: the server knows the pass.
        gate_pass, watched = by_code(text.upper())
        if gate_pass is None:
            return _Decision("unknown_pass")
        gates: tuple[str, ...] = tokens.parse(gate_pass.token)[0].gates
    else:
        try:
            claims = _genuine(text, by_code)
        except tokens.TokenError as error:
            return _Decision(error.reason)
        gate_pass, watched = by_code(claims.code)
        if gate_pass is None:
            return _Decision("unknown_pass")
        if gate_pass.token != text:
            # A genuine signature on claims the pass no longer has: it was issued again.
            return _Decision("revoked", gate_pass)
        gates = claims.gates
    if gate_pass.office_id != gate.office_id:
        return _Decision("wrong_office", gate_pass)
    if direction == IN and gates and gate.code not in gates:
        return _Decision("wrong_gate", gate_pass)
    if gate_pass.state in _STATE_DENIALS:
        return _Decision(_STATE_DENIALS[gate_pass.state], gate_pass)
    if direction == OUT:
        if gate_pass.state != GatePass.State.INSIDE:
            return _Decision("not_inside", gate_pass)
        return _Decision("ok", gate_pass, overdue=now > gate_pass.valid_until)
    if now < gate_pass.valid_from:
        return _Decision("not_yet_valid", gate_pass)
    if now >= gate_pass.valid_until:
        return _Decision("expired", gate_pass)
    watch = watchlist_match(gate_pass) if watched else None
    if watch is not None:
        reason = "blocked" if watch.action == WatchlistEntry.Action.BLOCK else "watchlist_hold"
        return _Decision(reason, gate_pass, watch=watch)
    return _Decision(_passback(gate_pass, now), gate_pass)


def _genuine(
    text: str, by_code: Callable[[str], tuple[GatePass | None, bool]]
) -> tokens.PassClaims:
    """The claims of a token whose signature holds (tokens.verify, with its TokenError).

    The text of the token the server issued for the pass it names, stored with that pass, needs
    no signature check: it is the text that was signed, and only whether its key is still
    published remains to be seen. Anything else is checked in full, for the reason to give."""
    published = keys.published_keys()
    claims = tokens.parse(text)[0]
    gate_pass = by_code(claims.code)[0]
    if (
        gate_pass is not None
        and claims.kid in published
        and hmac.compare_digest(gate_pass.token.encode(), text.encode())
    ):
        return claims
    return tokens.verify(text, published)


def _passback(gate_pass: GatePass, now: datetime) -> str:
    """Anti-passback for an entry, across every gate of the office."""
    if gate_pass.state == GatePass.State.INSIDE:
        forgive = settings.PASS_ANTI_PASSBACK_FORGIVENESS_MINUTES
        entered = gate_pass.entered_at
        if forgive and entered is not None and now - entered >= timedelta(minutes=forgive):
            return "ok"
        return "already_inside"
    if gate_pass.entries == 0:
        return "ok"
    if gate_pass.kind == GatePass.Kind.SINGLE:
        return "used"
    if (
        gate_pass.kind == GatePass.Kind.DAY
        and gate_pass.last_scan_at is not None
        and timezone.localdate(gate_pass.last_scan_at) != timezone.localdate(now)
    ):
        return "used"
    return "ok"


class _PassMoved(Exception):
    """Another gate moved the pass between reading it and claiming it; decide again."""


def _apply(
    gate_pass: GatePass, direction: str, now: datetime, gate: Gate, scan: GateScan | None = None
) -> None:
    """Record the scan and move the pass in or out, on condition that it is still as it was read.

    One conditional UPDATE, so of two gates scanning one pass at once exactly one moves it
    (on PostgreSQL the second waits for the first's row lock, then finds the state changed;
    on SQLite writers queue for the database). The loser raises _PassMoved and decides again;
    its transaction, scan included, is rolled back. scan None: the scan is recorded already
    (a guard's override).
    """
    move = _Move(gate_pass, direction, now, gate)
    if scan is not None:
        _insert_scan(scan)
    with prepared.cursor() as cursor:
        cursor.execute(_MOVE_SQL, move.params)
        if not cursor.rowcount:
            raise _PassMoved
    move.done()


class _Move:
    """A pass moving in or out: the conditional UPDATE's parameters, and the instance after."""

    def __init__(self, gate_pass: GatePass, direction: str, now: datetime, gate: Gate) -> None:
        self.entered_at: datetime | None
        if direction == IN:
            self.state, self.entered_at, self.more_entries = GatePass.State.INSIDE, now, 1
        else:
            single = gate_pass.kind == GatePass.Kind.SINGLE
            self.state = GatePass.State.CLOSED if single else GatePass.State.OUTSIDE
            self.entered_at, self.more_entries = None, 0
        self.gate_pass, self.now, self.gate = gate_pass, now, gate
        connection = connections[DEFAULT_DB_ALIAS]
        moment = _LAST_SCAN_AT.get_db_prep_save(now, connection)
        self.params = [
            moment,
            gate.pk,
            moment,
            self.state,
            _LAST_SCAN_AT.get_db_prep_save(self.entered_at, connection),
            self.more_entries,
            gate_pass.pk,
            gate_pass.state,
            gate_pass.entries,
        ]

    def done(self) -> None:
        gate_pass = self.gate_pass
        gate_pass.entries += self.more_entries
        gate_pass.last_scan_at = gate_pass.updated_at = self.now
        gate_pass.last_gate = self.gate
        gate_pass.state, gate_pass.entered_at = self.state, self.entered_at


_LAST_SCAN_AT = GatePass._meta.get_field("last_scan_at")
_MOVE_SQL = (
    f'UPDATE "{GatePass._meta.db_table}" SET "last_scan_at" = %s, "last_gate_id" = %s,'  # noqa: S608
    ' "updated_at" = %s, "state" = %s, "entered_at" = %s, "entries" = "entries" + %s'
    ' WHERE "id" = %s AND "state" = %s AND "entries" = %s'
)


class _Insert:
    """INSERT of a new instance with every field as save() would write it, the SQL made once."""

    def __init__(self, model: type[Model]):
        meta = model._meta
        self.fields = [field for field in meta.concrete_fields if field is not meta.pk]
        self.values = InsertValues(self.fields)
        columns = ", ".join(f'"{field.column}"' for field in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.columns = columns
        self.sql = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({marks})'  # noqa: S608
        self.returning = f'{self.sql} RETURNING "{meta.pk.column}"'

    def typed_values(self) -> str:
        """The values as an INSERT ... SELECT needs them (PostgreSQL)."""
        connection = connections[DEFAULT_DB_ALIAS]
        return ", ".join(typed_param(field, connection) for field in self.fields)

    def params(self, obj: Any) -> list[Any]:
        """The INSERT's values for obj, worked out once (before any lock is taken)."""
        return self.values(obj, connections[DEFAULT_DB_ALIAS])

    def ready_params(self, obj: Any) -> list[Any]:
        ready = getattr(obj, "insert_params", None)
        return ready if ready is not None else self.params(obj)

    def __call__(self, obj: Any) -> Any:
        connection = connections[DEFAULT_DB_ALIAS]
        params = self.ready_params(obj)
        with prepared.cursor() as cursor:
            if connection.features.can_return_columns_from_insert:
                cursor.execute(self.returning, params)
                obj.pk = cursor.fetchone()[0]
            else:
                cursor.execute(self.sql, params)
                obj.pk = cursor.lastrowid
        obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS
        return obj


_insert_scan = _Insert(GateScan)


def _actor(device: Any, guard: Any) -> Any:
    return guard if guard is not None else device


def record_scan(
    *,
    scan_id: uuid.UUID,
    code: str,
    direction: str,
    scanned_at: datetime,
    gate: Gate,
    device: Any = None,
    guard: Any = None,
    offline: bool = False,
    request: Any = None,
    refused_locally: bool = False,
    read: PassRead | None = None,
) -> ScanResult:
    """Decide a scan, record it and move the pass; a repeated scan_id gets its first answer.

    read: the pass the code names, read already in this request (by the device's statement);
    used for the first decision only: deciding again after the pass moved reads it afresh.

    Online scans are judged at the server's clock (a device's clock cannot stretch a pass);
    offline ones at the time the console scanned them. refused_locally: an offline console
    already turned the visitor away, so the pass must not move whatever the server thinks.
    """
    if direction not in (IN, OUT):
        raise ValueError(f"direction must be 'in' or 'out', not {direction!r}")
    if timezone.is_naive(scanned_at):
        raise ValueError("scanned_at must carry a UTC offset.")
    text = (code or "").strip()
    for attempt in range(_ATTEMPTS):
        now = timezone.now()
        decided_at = min(scanned_at, now) if offline else now
        # Decided outside the write transaction: the write lock (all of SQLite, the pass row
        # on PostgreSQL) is held only for the few writes below.
        decision = _decide(text, direction, decided_at, gate, read if attempt == 0 else None)
        if refused_locally and decision.reason == "ok":
            decision.reason = "refused_offline"
        # Everything that needs no lock is made ready before queueing for the database.
        scan = _new_scan(
            decision, scan_id, text, direction, scanned_at, gate, device, guard, offline
        )
        audit = _scan_audit(scan, decision.gate_pass, gate, device, guard, request, decision)
        try:
            if _IN_ONE_STATEMENT.applies(decision):
                _IN_ONE_STATEMENT.write(decision, scan, audit, decided_at, gate)
            else:
                with writers_in_line(), transaction.atomic():
                    _write(decision, scan, audit, decided_at, gate)
        except _PassMoved:
            continue
        except IntegrityError:
            # This scan_id was recorded before (a retry, an upload sent twice): first answer.
            previous = _stored(scan_id)
            if previous is None:
                raise
            return _result_of(previous, duplicate=True)
        gate_pass = decision.gate_pass
        return ScanResult(
            decision=scan.decision,
            reason=decision.reason,
            message=message_for(decision.reason, direction, gate_pass, overdue=decision.overdue),
            gate_pass=gate_pass,
            visitor=gate_pass.visitor if gate_pass else None,
            scan=scan,
        )
    raise RuntimeError(f"Pass scanned at {gate} kept moving; gave up after {_ATTEMPTS} tries.")


# A pass moves under a scan only when another gate scans it in the same instant.
_ATTEMPTS = 5


def _new_scan(
    decision: _Decision,
    scan_id: uuid.UUID,
    text: str,
    direction: str,
    scanned_at: datetime,
    gate: Gate,
    device: Any,
    guard: Any,
    offline: bool,
) -> GateScan:
    scan = GateScan(
        scan_id=scan_id,
        gate_pass=decision.gate_pass,
        office_id=gate.office_id,
        gate=gate,
        device=device,
        guard=guard,
        direction=direction,
        decision=ALLOW if decision.reason == "ok" else DENY,
        reason=decision.reason,
        raw_code=text[:400],
        scanned_at=scanned_at,
        offline=offline,
    )
    scan.insert_params = _insert_scan.params(scan)  # type: ignore[attr-defined]
    return scan


def _write(
    decision: _Decision,
    scan: GateScan,
    audit: chain.Prepared | None,
    decided_at: datetime,
    gate: Gate,
) -> None:
    """The writes of one scan, in the caller's transaction: the scan first (a repeated
    scan_id fails here, before anything else), then the pass, the alert, the audit record."""
    reason = decision.reason
    gate_pass = decision.gate_pass
    if reason == "ok":
        assert gate_pass is not None
        _apply(gate_pass, scan.direction, decided_at, gate, scan)
    else:
        _insert_scan(scan)
    if decision.watch is not None and reason == "watchlist_hold":
        _alert_hold(scan, gate_pass, decision.watch, gate)
    if audit is not None:
        chain.append(audit)


class _OneStatement:
    """PostgreSQL: a scan's writes (the pass moved, the scan, its audit record) as one
    statement, its own transaction: no BEGIN and COMMIT round trips, and the pass
    row and the audit chain's head locked only while the statement runs.

    The pass moves on the same condition as in _apply(); when it has moved meanwhile, nothing
    is written and _PassMoved is raised. Inside a caller's transaction (an offline upload) it
    runs in a savepoint, so that a repeated scan_id leaves the caller's transaction usable.
    A hold at the watch list, which also raises an alert, takes the general path.
    """

    def __init__(self) -> None:
        self._sql: dict[tuple[bool, bool], str] = {}

    @staticmethod
    def applies(decision: _Decision) -> bool:
        return connections[DEFAULT_DB_ALIAS].vendor == "postgresql" and not (
            decision.watch is not None and decision.reason == "watchlist_hold"
        )

    def sql(self, move: bool, audit: bool) -> str:
        key = (move, audit)
        if key not in self._sql:
            self._sql[key] = self._build(move, audit)
        return self._sql[key]

    @staticmethod
    def _build(move: bool, audit: bool) -> str:
        # Names from the models' metadata only; every value goes as a parameter.
        parts, moved, also = [], "", ""
        if move:
            parts.append(f"changed AS ({_MOVE_SQL} RETURNING 1)")
            moved = " WHERE EXISTS (SELECT 1 FROM changed)"
            also = " AND EXISTS (SELECT 1 FROM changed)"
        parts.append(
            f'scan AS (INSERT INTO "{GateScan._meta.db_table}" ({_insert_scan.columns}) '
            f'SELECT {_insert_scan.typed_values()}{moved} RETURNING "id")'
        )
        if not audit:
            return f"WITH {', '.join(parts)} SELECT (SELECT id FROM scan)"  # noqa: S608
        parts.append(f"head AS ({chain.advance_sql(also)})")
        parts.append(
            f'record AS (INSERT INTO "{AuditRecord._meta.db_table}" ({chain.insert_columns()}) '
            f"SELECT {chain.linked_values('head', typed=True)}{moved} "
            'RETURNING "id", "seq", "prev_hash", "hash")'
        )
        return (
            f"WITH {', '.join(parts)} SELECT (SELECT id FROM scan), r.id, r.seq, r.prev_hash, "  # noqa: S608
            "r.hash FROM (SELECT 1) AS one LEFT JOIN record AS r ON TRUE"
        )

    def write(
        self,
        decision: _Decision,
        scan: GateScan,
        audit: chain.Prepared | None,
        decided_at: datetime,
        gate: Gate,
    ) -> None:
        move = None
        params: list[Any] = []
        if decision.reason == "ok":
            assert decision.gate_pass is not None
            move = _Move(decision.gate_pass, scan.direction, decided_at, gate)
            params.extend(move.params)
        params.extend(_insert_scan.ready_params(scan))
        if audit is not None:
            params.append(audit.body_prefix)
            params.extend(chain.own_params(audit))
        connection = connections[DEFAULT_DB_ALIAS]
        alone = transaction.atomic() if connection.in_atomic_block else nullcontext()
        with alone, prepared.cursor() as cursor:
            cursor.execute(self.sql(move is not None, audit is not None), params)
            row = cursor.fetchone()
        if row[0] is None:
            raise _PassMoved
        scan.pk = row[0]
        scan._state.adding, scan._state.db = False, DEFAULT_DB_ALIAS
        if move is not None:
            move.done()
        if audit is not None:
            entry = audit.entry
            entry.pk, entry.seq, entry.prev_hash, entry.hash = row[1:]
            entry._state.adding, entry._state.db = False, DEFAULT_DB_ALIAS


_IN_ONE_STATEMENT = _OneStatement()


def _alert_hold(scan: GateScan, gate_pass: Any, entry: WatchlistEntry, gate: Gate) -> None:
    visitor = gate_pass.visitor
    SecurityAlert.objects.create(
        office_id=gate.office_id,
        gate=gate,
        kind="watchlist_hold",
        message=(
            _("%(name)s, on the watch list, is held at %(gate)s.")
            % {"name": visitor.name, "gate": gate.name}
        )[:300],
        visitor=visitor,
        scan=scan,
        watchlist_entry=entry,
    )


def _scan_audit(
    scan: GateScan,
    gate_pass: GatePass | None,
    gate: Gate,
    device: Any,
    guard: Any,
    request: Any,
    decision: _Decision,
) -> chain.Prepared | None:
    """The scan's audit record, ready to append; None for a refusal not worth auditing."""
    if not (decision.reason == "ok" or decision.reason in _AUDITED_DENIALS):
        return None
    data: dict[str, Any] = {
        "scan_id": str(scan.scan_id),
        "gate": gate.code,
        "direction": scan.direction,
        "decision": scan.decision,
        "reason": scan.reason,
        "offline": scan.offline,
    }
    if device is not None and guard is not None:
        data["device"] = device.code
    if decision.overdue:
        data["overdue"] = True
    if decision.watch is not None:
        data["watchlist_entry"] = decision.watch.code
    if gate_pass is None:
        data["raw_code"] = scan.raw_code[:120]
    return chain.prepare(
        "passes.scan_allowed" if scan.decision == ALLOW else "passes.scan_denied",
        actor=_actor(device, guard),
        obj=gate_pass,
        office=gate_pass.office if gate_pass is not None else "",
        request=request,
        data=data,
    )


def override_scan(scan: GateScan, *, guard: Any, reason: str, request: Any = None) -> ScanResult:
    """A guard lets a refused visitor through (in or out), with the reason, audited.

    The scan keeps the reason it was refused for; its decision becomes allow and the pass moves
    as if the scan had been allowed. Overriding an override again changes nothing.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the visitor is let through.")})
    with transaction.atomic():
        locked = (
            GateScan.objects.select_for_update(of=("self",))
            .select_related("gate", "office")
            .get(pk=scan.pk)
        )
        if not can_see_office(guard, locked.office):
            raise PermissionDenied
        if locked.override_reason:
            return _result_of(_stored(locked.scan_id) or locked, duplicate=True)
        if locked.decision == ALLOW:
            raise ValidationError(_("This scan was allowed; there is nothing to override."))
        if locked.reason in _NOT_OVERRIDABLE:
            raise ValidationError(
                _("A barred person cannot be let through at the gate; security must lift the bar.")
            )
        if locked.gate_pass_id is None:
            raise ValidationError(
                _("There is no pass to let through; issue one at the desk first.")
            )
        gate_pass = _locked_pass_by_pk(locked.gate_pass_id)
        now = timezone.now()
        assert locked.gate is not None
        _apply(gate_pass, locked.direction, now, locked.gate)
        GateScan.objects.filter(pk=locked.pk).update(
            decision=ALLOW, override_reason=reason[:300], guard=guard
        )
        record(
            "passes.scan_overridden",
            actor=guard,
            obj=gate_pass,
            office=gate_pass.office,
            request=request,
            data={
                "scan_id": str(locked.scan_id),
                "gate": locked.gate.code,
                "direction": locked.direction,
                "refused_for": locked.reason,
                "override_reason": reason[:300],
            },
        )
    locked.decision, locked.override_reason, locked.guard = ALLOW, reason[:300], guard
    locked.gate_pass = gate_pass
    return _result_of(locked, duplicate=False)


def _locked_pass_by_pk(pk: int) -> GatePass:
    return (
        GatePass.objects.select_for_update(of=("self",))
        .select_related(*_PASS_RELATED)
        .defer("visitor__mobile")
        .get(pk=pk)
    )


def upload_offline_scans(
    scans: list[dict[str, Any]], *, gate: Gate, device: Any = None, guard: Any = None
) -> list[ScanResult]:
    """Record the scans an offline console decided on its own, oldest first, once each.

    Where the server decides otherwise than the console did (two entries of one pass, a pass
    revoked while the console was cut off), the scan is marked with the conflict and security
    is alerted. Results come back in the order the scans were sent.
    """
    order = sorted(range(len(scans)), key=lambda i: scans[i]["scanned_at"])
    results: dict[int, ScanResult] = {}
    for i in order:
        item = scans[i]
        local = item.get("local_decision") or ALLOW
        result = record_scan(
            scan_id=item["scan_id"],
            code=item["code"],
            direction=item["direction"],
            scanned_at=item["scanned_at"],
            gate=gate,
            device=device,
            guard=guard,
            offline=True,
            refused_locally=local == DENY,
        )
        if not result.duplicate and (
            result.decision != local or result.reason == "refused_offline"
        ):
            _flag_conflict(result, local, gate)
        results[i] = result
    return [results[i] for i in range(len(scans))]


def _flag_conflict(result: ScanResult, local: str, gate: Gate) -> None:
    if local == ALLOW:
        conflict = _("The gate let this through offline; the server refuses it: %(reason)s.") % {
            "reason": result.reason
        }
    else:
        conflict = _("The gate refused this offline; the server would have allowed it.")
    with transaction.atomic():
        GateScan.objects.filter(pk=result.scan.pk).update(conflict=conflict[:200])
        SecurityAlert.objects.create(
            office_id=gate.office_id,
            gate=gate,
            kind="offline_conflict",
            message=conflict[:300],
            visitor=result.visitor,
            scan=result.scan,
        )
    result.scan.conflict = conflict[:200]
