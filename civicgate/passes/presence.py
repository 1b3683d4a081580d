"""Who is inside an office now: the live view for security and the evacuation roll call.

Every read is limited to the user's offices. The queries are fixed in number whatever the
number of people inside (offices, gates, passes), so the screens poll cheaply.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import BigIntegerField, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from civicgate.accounts.access import offices_for
from civicgate.audit.chain import record
from civicgate.core.phone import mask_mobile
from civicgate.org.models import Gate, Office
from civicgate.passes.models import GatePass, GateScan


def host_label(gate_pass: GatePass) -> str:
    """The official (with title) or the department the visitor came to see."""
    if gate_pass.host_official is not None:
        official = gate_pass.host_official
        return f"{official.employee.name}, {official.title}"
    if gate_pass.host_department is not None:
        return gate_pass.host_department.name
    return ""


@dataclass(frozen=True)
class InsideVisitor:
    """One visitor inside now, as the security screens show them (mobile already masked)."""

    gate_pass: GatePass
    name: str
    masked_mobile: str
    host: str
    since: datetime | None
    gate: Gate | None
    valid_from: datetime
    valid_until: datetime
    overdue: bool

    @property
    def visitor_code(self) -> str:
        return self.gate_pass.visitor.code


@dataclass
class GateCount:
    gate: Gate | None
    count: int = 0


@dataclass
class OfficePresence:
    """Everyone inside one office: overdue visitors first, and the count at each gate."""

    office: Office
    visitors: list[InsideVisitor] = field(default_factory=list)
    gates: list[GateCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.visitors)

    @property
    def overdue(self) -> int:
        return sum(1 for v in self.visitors if v.overdue)


def visible_office(user: Any, code: str | None) -> Office | None:
    """The office with this code if user may see it; None when no code is given.

    Raises Office.DoesNotExist for an unknown office or one outside the user's scope, so
    the view answers 404 and never reveals whether another office exists.
    """
    if not code:
        return None
    return offices_for(user).get(code=code)


def _entry_gate() -> Subquery:
    """The gate of the latest allowed entry scan of the pass (the visit now under way)."""
    return Subquery(
        GateScan.objects.filter(
            gate_pass=OuterRef("pk"),
            direction=GateScan.Direction.IN,
            decision=GateScan.Decision.ALLOW,
        )
        .order_by("-scanned_at")
        .values("gate_id")[:1]
    )


def presence(
    user: Any,
    *,
    office: Office | None = None,
    gate: Gate | None = None,
    now: datetime | None = None,
) -> list[OfficePresence]:
    """Visitors inside the user's offices (or one of them), per office, overdue ones first.

    Three queries in all: the offices, their gates, the passes inside.
    """
    now = now or timezone.now()
    offices = offices_for(user).order_by("code")
    if office is not None:
        offices = offices.filter(pk=office.pk)
    by_office = {o.pk: OfficePresence(office=o) for o in offices}
    gates = {
        g.pk: g
        for g in Gate.objects.filter(office_id__in=by_office.keys()).order_by("office_id", "code")
    }
    passes = (
        GatePass.objects.filter(state=GatePass.State.INSIDE, office_id__in=by_office.keys())
        .select_related("visitor", "host_official__employee", "host_department")
        .annotate(
            entry_gate_id=Coalesce(_entry_gate(), F("last_gate_id"), output_field=BigIntegerField())
        )
    )
    counts: dict[tuple[int, int | None], int] = {}
    for gate_pass in passes:
        entry_gate_id = gate_pass.entry_gate_id
        if gate is not None and entry_gate_id != gate.pk:
            continue
        counts[(gate_pass.office_id, entry_gate_id)] = (
            counts.get((gate_pass.office_id, entry_gate_id), 0) + 1
        )
        by_office[gate_pass.office_id].visitors.append(
            InsideVisitor(
                gate_pass=gate_pass,
                name=gate_pass.visitor.name,
                masked_mobile=mask_mobile(gate_pass.visitor.mobile),
                host=host_label(gate_pass),
                since=gate_pass.entered_at,
                gate=gates.get(entry_gate_id) if entry_gate_id else None,
                valid_from=gate_pass.valid_from,
                valid_until=gate_pass.valid_until,
                overdue=now > gate_pass.valid_until,
            )
        )
    for item in by_office.values():
        # Overdue first (longest overdue at the top), then the longest inside.
        item.visitors.sort(
            key=lambda v: (
                not v.overdue,
                v.valid_until if v.overdue else (v.since or v.valid_from),
                v.name,
            )
        )
        item.gates = [
            GateCount(g, counts.get((item.office.pk, g.pk), 0))
            for g in gates.values()
            if g.office_id == item.office.pk and (gate is None or g.pk == gate.pk)
        ]
        if (item.office.pk, None) in counts:
            item.gates.append(GateCount(None, counts[(item.office.pk, None)]))
    return list(by_office.values())


def evacuation_roll(
    user: Any, *, office: Office | None = None, now: datetime | None = None
) -> list[OfficePresence]:
    """Everyone inside, by office, in name order for reading aloud at the assembly point."""
    roll = presence(user, office=office, now=now)
    for item in roll:
        item.visitors.sort(key=lambda v: (v.name.casefold(), v.gate_pass.code))
    return roll


def record_evacuation_list(
    roll: list[OfficePresence], *, actor: Any, request: HttpRequest | None = None
) -> None:
    """Audit that an evacuation list was produced: one record per office, with its head count."""
    with transaction.atomic():
        for item in roll:
            record(
                "passes.evacuation_list",
                actor=actor,
                office=item.office,
                request=request,
                data={
                    "visitors": item.total,
                    "overdue": item.overdue,
                    "passes": [v.gate_pass.code for v in item.visitors],
                },
            )


# ---------------------------------------------------------------------------------------------
# Employees inside
#
# Employees join the live view and the evacuation roll once card punching exists (the
# attendance app). They belong here, beside the visitors: a function employees_inside(user,
# office=None) returning the people whose last punch at an office was an entry, and
# OfficePresence gaining an `employees` list that the templates show in their own section.
# ---------------------------------------------------------------------------------------------
