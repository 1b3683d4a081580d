"""Tout detection: visitors whose passes look like a middleman's, flagged for security to review.

Rules, each over a sliding window ending now:

- many_passes: more than TOUT_MAX_PASSES_PER_WEEK passes issued in 7 days;
- many_hosts: passes to more than TOUT_MAX_HOSTS different hosts in TOUT_WINDOW_DAYS days, a
  host being the official named on the pass or, where none is named, the department.

Passes a host rejected do not count: the visitor never held them. A visitor has at most one open
flag per rule. Once security has reviewed a flag, the same rule flags that visitor again only
when a pass issued after the review breaks it again.

`detect_touts()` runs from cron (manage.py detect_touts); `check_visitor()` is the cheap check for
one visitor right after a pass is issued to them: one query, and the rules only when it finds the
visitor over a limit.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.accounts.access import offices_for
from civicgate.audit.chain import record
from civicgate.org.models import Office
from civicgate.passes import watchlist
from civicgate.passes.models import GatePass, SecurityAlert, ToutFlag, Visitor, WatchlistEntry

WEEK_DAYS = 7
ACTOR = "tout detection"

# One thumb under several mobile numbers (ToutFlag.Rule.SHARED_THUMB) is not checked yet: visitors
# have no thumb templates until the gate desk captures them. When it does, the rule is: group
# visitors by the blind index (keyed hash) of their thumb template and flag every visitor whose
# group holds more than one mobile number, with the other visitors' codes in the details.


@dataclass(frozen=True)
class _Finding:
    visitor_id: int
    rule: str
    passes: list[GatePass]
    details: dict[str, Any]


def _counted(since: datetime, until: datetime, visitor: Visitor | None) -> QuerySet[GatePass]:
    passes = GatePass.objects.filter(created_at__gt=since, created_at__lte=until).exclude(
        state=GatePass.State.REJECTED
    )
    if visitor is not None:
        passes = passes.filter(visitor=visitor)
    return passes


def _hosts_count() -> Count:
    """Distinct officials, plus distinct departments of the passes that name no official."""
    return Count("host_official", distinct=True) + Count(  # type: ignore[return-value]
        "host_department", filter=Q(host_official__isnull=True), distinct=True
    )


def _passes_of(
    visitor_ids: Iterable[int], since: datetime, until: datetime
) -> dict[int, list[GatePass]]:
    found: dict[int, list[GatePass]] = defaultdict(list)
    passes = (
        _counted(since, until, None)
        .filter(visitor_id__in=list(visitor_ids))
        .select_related("office", "host_official__employee", "host_department")
        .order_by("created_at", "pk")
    )
    for gate_pass in passes:
        found[gate_pass.visitor_id].append(gate_pass)
    return found


def _common_details(passes: list[GatePass], days: int) -> dict[str, Any]:
    offices = sorted({p.office.code for p in passes})
    return {
        "days": days,
        "pass_codes": [p.code for p in passes],
        "offices": offices,
        # "|HQ|BR-07|": lets the review screen scope flags by office with a plain text match.
        "office_codes": "|" + "|".join(offices) + "|",
    }


def _many_passes(now: datetime, visitor: Visitor | None) -> list[_Finding]:
    limit = settings.TOUT_MAX_PASSES_PER_WEEK
    since = now - timedelta(days=WEEK_DAYS)
    over = (
        _counted(since, now, visitor)
        .values("visitor_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=limit)
        .values_list("visitor_id", flat=True)
    )
    return [
        _Finding(
            visitor_id,
            ToutFlag.Rule.MANY_PASSES,
            passes,
            {**_common_details(passes, WEEK_DAYS), "passes": len(passes), "limit": limit},
        )
        for visitor_id, passes in _passes_of(over, since, now).items()
    ]


def _many_hosts(now: datetime, visitor: Visitor | None) -> list[_Finding]:
    limit, days = settings.TOUT_MAX_HOSTS, settings.TOUT_WINDOW_DAYS
    since = now - timedelta(days=days)
    over = (
        _counted(since, now, visitor)
        .values("visitor_id")
        .annotate(n=_hosts_count())
        .filter(n__gt=limit)
        .values_list("visitor_id", flat=True)
    )
    findings = []
    for visitor_id, passes in _passes_of(over, since, now).items():
        officials = {p.host_official_id for p in passes if p.host_official_id}
        departments = {p.host_department_id for p in passes if not p.host_official_id}
        hosts = sorted(
            {
                f"{p.host_official.employee.name}, {p.host_official.title}"
                if p.host_official
                else p.host_department.name  # type: ignore[union-attr]
                for p in passes
            }
        )
        findings.append(
            _Finding(
                visitor_id,
                ToutFlag.Rule.MANY_HOSTS,
                passes,
                {
                    **_common_details(passes, days),
                    "hosts": len(officials) + len(departments),
                    "officials": len(officials),
                    "departments": len({p.host_department_id for p in passes}),
                    "host_names": hosts,
                    "limit": limit,
                },
            )
        )
    return findings


def _alert_message(finding: _Finding, name: str) -> str:
    if finding.rule == ToutFlag.Rule.MANY_PASSES:
        return _("Possible tout: %(name)s had %(count)d passes in %(days)d days.") % {
            "name": name,
            "count": finding.details["passes"],
            "days": finding.details["days"],
        }
    return _("Possible tout: %(name)s visited %(count)d different hosts in %(days)d days.") % {
        "name": name,
        "count": finding.details["hosts"],
        "days": finding.details["days"],
    }


def _already_handled(finding: _Finding, flags: list[dict[str, Any]]) -> bool:
    latest = max(p.created_at for p in finding.passes)
    for flag in flags:
        if flag["rule"] != finding.rule:
            continue
        if flag["state"] == ToutFlag.State.OPEN:
            return True
        if flag["reviewed_at"] is not None and flag["reviewed_at"] >= latest:
            return True
    return False


def _raise_flag(finding: _Finding, visitor: Visitor) -> ToutFlag | None:
    office = finding.passes[-1].office
    try:
        with transaction.atomic():
            flag = ToutFlag.objects.create(
                visitor=visitor, rule=finding.rule, details=finding.details
            )
            SecurityAlert.objects.create(
                office=office,
                kind="tout",
                message=_alert_message(finding, visitor.name)[:300],
                visitor=visitor,
            )
            record(
                "passes.tout_flagged",
                actor=ACTOR,
                obj=flag,
                office=office,
                data={"visitor": visitor.code, "rule": finding.rule, **finding.details},
            )
    except IntegrityError:
        # Another run flagged the same visitor for the same rule a moment ago.
        return None
    return flag


def detect_touts(*, now: datetime | None = None, visitor: Visitor | None = None) -> list[ToutFlag]:
    """Apply every rule (to all visitors, or to one) and return the flags newly raised."""
    now = now or timezone.now()
    findings = _many_passes(now, visitor) + _many_hosts(now, visitor)
    if not findings:
        return []
    ids = {f.visitor_id for f in findings}
    visitors = Visitor.objects.in_bulk(ids)
    existing: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in ToutFlag.objects.filter(visitor_id__in=ids).values(
        "visitor_id", "rule", "state", "reviewed_at"
    ):
        existing[row["visitor_id"]].append(dict(row))
    raised: list[ToutFlag] = []
    for finding in findings:
        if _already_handled(finding, existing[finding.visitor_id]):
            continue
        flag = _raise_flag(finding, visitors[finding.visitor_id])
        if flag is not None:
            raised.append(flag)
    return raised


def _could_fire(visitor: Visitor, now: datetime) -> bool:
    """Could any rule fire for this visitor? One statement counts, over the longest window, what
    each rule compares to its limit (the week's passes; the window's hosts), so the common
    visitor, far below both, costs one query instead of the rules' own."""
    passes_limit, hosts_limit = settings.TOUT_MAX_PASSES_PER_WEEK, settings.TOUT_MAX_HOSTS
    hosts_since = now - timedelta(days=settings.TOUT_WINDOW_DAYS)
    week_since = now - timedelta(days=WEEK_DAYS)
    in_hosts_window = Q(created_at__gt=hosts_since)
    counts = _counted(min(week_since, hosts_since), now, visitor).aggregate(
        passes=Count("pk", filter=Q(created_at__gt=week_since)),
        officials=Count("host_official", filter=in_hosts_window, distinct=True),
        departments=Count(
            "host_department",
            filter=in_hosts_window & Q(host_official__isnull=True),
            distinct=True,
        ),
    )
    hosts = counts["officials"] + counts["departments"]
    return counts["passes"] > passes_limit or hosts > hosts_limit


def check_visitor(visitor: Visitor) -> list[ToutFlag]:
    """The rules for one visitor only: call after a pass is issued to them (on commit). The
    rules themselves run only when the visitor's counts are over a limit."""
    now = timezone.now()
    if not _could_fire(visitor, now):
        return []
    return detect_touts(now=now, visitor=visitor)


# ---------------------------------------------------------------------------------------------
# Review by security administrators
# ---------------------------------------------------------------------------------------------


def flags_for(user: Any) -> QuerySet[ToutFlag]:
    """Flags with at least one flagged pass in the user's offices."""
    flags = ToutFlag.objects.select_related("visitor", "reviewed_by")
    if not user.is_authenticated:
        return flags.none()
    if user.all_offices:
        return flags
    codes = list(offices_for(user).values_list("code", flat=True))
    if not codes:
        return flags.none()
    wanted = Q()
    for code in codes:
        wanted |= Q(office_codes__contains=f"|{code}|")
    return flags.alias(office_codes=KeyTextTransform("office_codes", "details")).filter(wanted)


def flag_for(user: Any, code: str) -> ToutFlag:
    try:
        return flags_for(user).get(code=code)
    except ToutFlag.DoesNotExist:
        raise Http404 from None


def _open_for_review(flag: ToutFlag) -> ToutFlag:
    locked = (
        ToutFlag.objects.select_for_update(of=("self",)).select_related("visitor").get(pk=flag.pk)
    )
    if locked.state != ToutFlag.State.OPEN:
        raise ValidationError(_("This flag has already been reviewed."))
    return locked


def _office_of(flag: ToutFlag) -> str:
    offices = flag.details.get("offices") or []
    return offices[0] if len(offices) == 1 else ""


def dismiss_flag(
    flag: ToutFlag, *, actor: Any, note: str, request: HttpRequest | None = None
) -> ToutFlag:
    """Close a flag as not a tout, with the reviewer's note."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why this is not a tout.")})
    with transaction.atomic():
        flag = _open_for_review(flag)
        flag.state = ToutFlag.State.DISMISSED
        flag.reviewed_by, flag.reviewed_at, flag.review_note = actor, timezone.now(), note[:300]
        flag.save(
            update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "updated_at"]
        )
        record(
            "passes.tout_dismissed",
            actor=actor,
            obj=flag,
            office=_office_of(flag),
            request=request,
            data={"visitor": flag.visitor.code, "rule": flag.rule, "note": flag.review_note},
        )
    return flag


def watchlist_flag(
    flag: ToutFlag,
    *,
    actor: Any,
    reason: str,
    action: str = WatchlistEntry.Action.HOLD,
    office: Office | None = None,
    request: HttpRequest | None = None,
) -> WatchlistEntry:
    """Put the flagged visitor on the watch list (by mobile number and name) and close the flag."""
    with transaction.atomic():
        flag = _open_for_review(flag)
        entry = watchlist.add_entry(
            actor=actor,
            name=flag.visitor.name,
            mobile=flag.visitor.mobile,
            action=action,
            office=office,
            reason=reason,
            request=request,
        )
        flag.state = ToutFlag.State.WATCHLISTED
        flag.reviewed_by, flag.reviewed_at = actor, timezone.now()
        flag.review_note = (reason or "").strip()[:300]
        flag.save(
            update_fields=["state", "reviewed_by", "reviewed_at", "review_note", "updated_at"]
        )
        record(
            "passes.tout_watchlisted",
            actor=actor,
            obj=flag,
            office=office or _office_of(flag),
            request=request,
            data={"visitor": flag.visitor.code, "rule": flag.rule, "entry": entry.code},
        )
    return entry
