"""Security administration: the watch list, security alerts, and audited looks at a visitor.

Each write is one function, one transaction, one audit record. Scope: an entry for one office
belongs to the security administrators of that office; an entry for every office can be made,
changed or withdrawn only by an administrator who sees every office, but every administrator
sees it because it applies at their gates too.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.accounts.access import can_see_office, offices_for, scope_to_offices
from civicgate.audit.chain import record
from civicgate.core.crypto import blind_index
from civicgate.core.phone import mask_mobile, normalize_mobile
from civicgate.org.models import Office
from civicgate.passes.models import SecurityAlert, Visitor, WatchlistEntry

# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------


def visible_entries(user: Any) -> QuerySet[WatchlistEntry]:
    """Entries for every office, and entries for the offices user may see."""
    if not user.is_authenticated:
        return WatchlistEntry.objects.none()
    entries = WatchlistEntry.objects.select_related("office", "added_by")
    if user.all_offices:
        return entries
    return entries.filter(Q(office__isnull=True) | Q(office__in=offices_for(user)))


def can_edit(user: Any, entry: WatchlistEntry) -> bool:
    if entry.office_id is None:
        return bool(user.is_authenticated and user.all_offices)
    return can_see_office(user, entry.office)


def edit_check(user: Any) -> Callable[[WatchlistEntry], bool]:
    """can_edit for a whole list of entries, with one query."""
    everywhere = bool(user.is_authenticated and user.all_offices)
    mine = set(offices_for(user).values_list("pk", flat=True))
    return lambda entry: everywhere if entry.office_id is None else entry.office_id in mine


def entry_for(user: Any, code: str) -> WatchlistEntry:
    """One entry by public code; 404 when it is not the user's to see."""
    try:
        return visible_entries(user).get(code=code)
    except WatchlistEntry.DoesNotExist:
        raise Http404 from None


def normalize_name(name: str) -> str:
    return re.sub(r"\s+", " ", name or "").strip()


def _clean_aliases(aliases: str) -> str:
    seen: dict[str, str] = {}
    for line in (aliases or "").splitlines():
        alias = normalize_name(line)
        if alias:
            seen.setdefault(alias.casefold(), alias)
    return "\n".join(seen.values())


def mobile_index_for(raw: str) -> str:
    """The blind index of a mobile number as typed (raises ValidationError when invalid)."""
    return blind_index(normalize_mobile(raw), "mobile")


@dataclass(frozen=True)
class Match:
    entry: WatchlistEntry
    by_mobile: bool


def matches_for(visitor: Visitor, office: Office | None = None) -> list[Match]:
    """Active entries that name this visitor, by mobile number or by name or alias.

    With office, only the entries that apply there (that office's and every office's).
    A mobile match is certain; a name match is a lead for a person to judge.
    """
    name = normalize_name(visitor.name).casefold()
    wanted = Q(mobile_index=visitor.mobile_index)
    if name:
        wanted |= Q(name__iexact=name) | Q(aliases__icontains=name)
    candidates = WatchlistEntry.objects.filter(active=True).filter(wanted)
    if office is not None:
        candidates = candidates.filter(Q(office__isnull=True) | Q(office=office))
    found = []
    for entry in candidates.select_related("office"):
        if entry.mobile_index and entry.mobile_index == visitor.mobile_index:
            found.append(Match(entry, by_mobile=True))
        elif name and (
            normalize_name(entry.name).casefold() == name
            or name in (a.casefold() for a in entry.aliases.splitlines())
        ):
            found.append(Match(entry, by_mobile=False))
    return found


# ---------------------------------------------------------------------------------------------
# Watch-list writes
# ---------------------------------------------------------------------------------------------


def _check_scope(actor: Any, office: Office | None) -> None:
    if office is None and not getattr(actor, "all_offices", False):
        raise PermissionDenied(_("Only an administrator of every office can list for all offices."))
    if office is not None and not can_see_office(actor, office):
        raise PermissionDenied(_("That office is not one of yours."))


def _validated(
    *, name: str, aliases: str, mobile: str, action: str, reason: str
) -> tuple[str, str, str, str]:
    """(name, aliases, e164 or "", reason), or ValidationError naming each bad field."""
    errors: dict[str, Any] = {}
    e164 = ""
    if mobile.strip():
        try:
            e164 = normalize_mobile(mobile)
        except ValidationError as error:
            errors["mobile"] = error.messages
    name = normalize_name(name)[:200]
    if not name and not mobile.strip():
        errors["name"] = _("Give a name or a mobile number, or both.")
    if action not in WatchlistEntry.Action.values:
        errors["action"] = _("Choose hold or block.")
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why this person is on the watch list.")
    if errors:
        raise ValidationError(errors)
    return name, _clean_aliases(aliases), e164, reason


def _snapshot(entry: WatchlistEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "aliases": len(entry.aliases.splitlines()),
        "mobile": mask_mobile(entry.mobile) if entry.mobile else "",
        "action": entry.action,
        "office": entry.office.code if entry.office else "*",
        "reason": entry.reason,
        "active": entry.active,
    }


def add_entry(
    *,
    actor: Any,
    reason: str,
    name: str = "",
    aliases: str = "",
    mobile: str = "",
    action: str = WatchlistEntry.Action.HOLD,
    office: Office | None = None,
    request: HttpRequest | None = None,
) -> WatchlistEntry:
    """Put a person on the watch list for one office (or every office, for an all-offices admin)."""
    _check_scope(actor, office)
    name, aliases, e164, reason = _validated(
        name=name, aliases=aliases, mobile=mobile, action=action, reason=reason
    )
    with transaction.atomic():
        entry = WatchlistEntry.objects.create(
            name=name,
            aliases=aliases,
            mobile=e164,
            mobile_index=blind_index(e164, "mobile") if e164 else "",
            action=action,
            office=office,
            reason=reason,
            added_by=actor,
        )
        record(
            "passes.watchlist_added",
            actor=actor,
            obj=entry,
            office=office,
            request=request,
            data=_snapshot(entry),
        )
    return entry


def update_entry(
    entry: WatchlistEntry,
    *,
    actor: Any,
    reason: str,
    name: str = "",
    aliases: str = "",
    mobile: str = "",
    remove_mobile: bool = False,
    action: str = WatchlistEntry.Action.HOLD,
    office: Office | None = None,
    request: HttpRequest | None = None,
) -> WatchlistEntry:
    """Change an entry. A blank mobile keeps the number on file unless remove_mobile is set."""
    _check_scope(actor, entry.office)
    _check_scope(actor, office)
    kept = "" if remove_mobile else entry.mobile
    name, aliases, e164, reason = _validated(
        name=name, aliases=aliases, mobile=mobile or kept, action=action, reason=reason
    )
    with transaction.atomic():
        entry = (
            WatchlistEntry.objects.select_for_update(of=("self",))
            .select_related("office")
            .get(pk=entry.pk)
        )
        before, old_office = _snapshot(entry), entry.office
        entry.name, entry.aliases, entry.action = name, aliases, action
        entry.mobile = e164
        entry.mobile_index = blind_index(e164, "mobile") if e164 else ""
        entry.office, entry.reason = office, reason
        entry.save()
        record(
            "passes.watchlist_changed",
            actor=actor,
            obj=entry,
            office=office or old_office,
            request=request,
            data={"before": before, "after": _snapshot(entry)},
        )
    return entry


def set_entry_active(
    entry: WatchlistEntry,
    *,
    actor: Any,
    active: bool,
    request: HttpRequest | None = None,
) -> WatchlistEntry:
    """Withdraw an entry (it stops matching at the gates) or put it back; kept for the record."""
    _check_scope(actor, entry.office)
    with transaction.atomic():
        entry = WatchlistEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.active != active:
            entry.active = active
            entry.save(update_fields=["active", "updated_at"])
            record(
                "passes.watchlist_reactivated" if active else "passes.watchlist_deactivated",
                actor=actor,
                obj=entry,
                office=entry.office,
                request=request,
                data={"name": entry.name, "action": entry.action},
            )
    return entry


# ---------------------------------------------------------------------------------------------
# Security alerts
# ---------------------------------------------------------------------------------------------


def open_alerts(user: Any) -> QuerySet[SecurityAlert]:
    """Open alerts of the user's offices, newest first."""
    return scope_to_offices(
        SecurityAlert.objects.filter(state=SecurityAlert.State.OPEN), user
    ).order_by("-created_at", "-pk")


def alert_for(user: Any, code: str) -> SecurityAlert:
    try:
        return scope_to_offices(SecurityAlert.objects.all(), user).get(code=code)
    except SecurityAlert.DoesNotExist:
        raise Http404 from None


def acknowledge_alert(
    alert: SecurityAlert, *, actor: Any, request: HttpRequest | None = None
) -> SecurityAlert:
    """Mark an alert as seen and handled by actor; acknowledging twice changes nothing."""
    with transaction.atomic():
        alert = (
            SecurityAlert.objects.select_for_update(of=("self",))
            .select_related("office")
            .get(pk=alert.pk)
        )
        if alert.state == SecurityAlert.State.OPEN:
            alert.state = SecurityAlert.State.ACKNOWLEDGED
            alert.acknowledged_by = actor
            alert.acknowledged_at = timezone.now()
            alert.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "updated_at"])
            record(
                "passes.alert_acknowledged",
                actor=actor,
                obj=alert,
                office=alert.office,
                request=request,
                data={"kind": alert.kind},
            )
    return alert


# ---------------------------------------------------------------------------------------------
# A visitor's record, as security sees it: every look is audited
# ---------------------------------------------------------------------------------------------


def visitor_for(user: Any, code: str) -> Visitor:
    """A visitor who holds a pass for one of the user's offices; 404 otherwise."""
    visitors = Visitor.objects.filter(code=code)
    if not (user.is_authenticated and user.all_offices):
        visitors = visitors.filter(passes__office__in=offices_for(user))
    visitor = visitors.distinct().first()
    if visitor is None:
        raise Http404
    return visitor


def record_visitor_viewed(
    visitor: Visitor,
    *,
    actor: Any,
    office: Office | None = None,
    request: HttpRequest | None = None,
    what: str = "record",
) -> None:
    """Audit a look at a visitor's record ("record") or photo ("photo")."""
    with transaction.atomic():
        record(
            "passes.visitor_viewed" if what == "record" else "passes.visitor_photo_viewed",
            actor=actor,
            obj=visitor,
            office=office,
            request=request,
        )


def reveal_visitor_mobile(
    visitor: Visitor,
    *,
    actor: Any,
    office: Office | None = None,
    request: HttpRequest | None = None,
) -> str:
    """Give a security administrator the visitor's full mobile number; the look is audited."""
    with transaction.atomic():
        record(
            "passes.visitor_mobile_viewed",
            actor=actor,
            obj=visitor,
            office=office,
            request=request,
        )
    return visitor.mobile
