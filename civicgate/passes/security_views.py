"""Security screens: who is inside, evacuation roll call, watch list, alerts, touts, visitors."""

import mimetypes
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgate.accounts.access import has_role, offices_for, role_required, scope_to_offices
from civicgate.accounts.roles import Role
from civicgate.core.crypto import decrypt_bytes
from civicgate.core.phone import mask_mobile
from civicgate.org.models import Gate, Office
from civicgate.passes import presence, touts, watchlist
from civicgate.passes.actions import REVOCABLE_STATES, revoke_pass
from civicgate.passes.models import GatePass, GateScan, ToutFlag, Visitor, WatchlistEntry

SECURITY = (Role.SECURITY_ADMIN, Role.GUARD)
PAGE_SIZE = 50


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _office_or_404(request: HttpRequest) -> Office | None:
    try:
        return presence.visible_office(request.user, request.GET.get("office"))
    except Office.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Who is inside; evacuation
# ---------------------------------------------------------------------------------------------


@role_required(*SECURITY)
@require_GET
def inside(request: HttpRequest) -> HttpResponse:
    office = _office_or_404(request)
    gate = None
    if office is not None and request.GET.get("gate"):
        gate = Gate.objects.filter(office=office, code=request.GET["gate"]).first()
        if gate is None:
            raise Http404
    context = {
        "presence": presence.presence(request.user, office=office, gate=gate),
        "office": office,
        "gate": gate,
        "offices": offices_for(request.user).order_by("code"),
        "now": timezone.now(),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "passes/partials/inside_results.html", context)
    return render(request, "passes/inside.html", context)


@role_required(*SECURITY)
@require_GET
def evacuation(request: HttpRequest) -> HttpResponse:
    office = _office_or_404(request)
    roll = presence.evacuation_roll(request.user, office=office)
    presence.record_evacuation_list(roll, actor=request.user, request=request)
    response = render(
        request,
        "passes/evacuation.html",
        {"roll": roll, "office": office, "now": timezone.now()},
    )
    add_never_cache_headers(response)
    return response


# ---------------------------------------------------------------------------------------------
# Watch list
# ---------------------------------------------------------------------------------------------


class WatchlistFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or alias"), required=False, max_length=200)
    mobile = forms.CharField(label=gettext_lazy("Mobile number"), required=False, max_length=20)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Active")),
            ("inactive", gettext_lazy("Withdrawn")),
            ("all", gettext_lazy("Active and withdrawn")),
        ],
    )

    def clean_mobile(self) -> str:
        raw = self.cleaned_data["mobile"].strip()
        return watchlist.mobile_index_for(raw) if raw else ""

    def filter(self, entries: QuerySet[WatchlistEntry]) -> QuerySet[WatchlistEntry]:
        if not self.is_valid():
            return entries.filter(active=True)
        data = self.cleaned_data
        if data["status"] == "":
            entries = entries.filter(active=True)
        elif data["status"] == "inactive":
            entries = entries.filter(active=False)
        if q := watchlist.normalize_name(data["q"]):
            entries = entries.filter(Q(name__icontains=q) | Q(aliases__icontains=q))
        if data["mobile"]:
            entries = entries.filter(mobile_index=data["mobile"])
        return entries


class WatchlistForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=200)
    aliases = forms.CharField(
        label=gettext_lazy("Aliases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Other names the person uses, one per line."),
    )
    mobile = forms.CharField(
        label=gettext_lazy("Mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    action = forms.ChoiceField(
        label=gettext_lazy("At the gate"),
        choices=WatchlistEntry.Action.choices,
        initial=WatchlistEntry.Action.HOLD,
        help_text=gettext_lazy(
            "Hold: the guard stops the visitor and security is alerted. Block: refused outright."
        ),
    )
    office = forms.ModelChoiceField(
        label=gettext_lazy("Office"), queryset=Office.objects.none(), to_field_name="code"
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(
        self, *args: Any, user: Any, entry: WatchlistEntry | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        office = self.fields["office"]
        office.queryset = offices_for(user).order_by("code")  # type: ignore[attr-defined]
        if user.all_offices:
            office.required = False
            office.empty_label = _("All offices")  # type: ignore[attr-defined]
        if entry is not None and entry.mobile:
            self.fields["mobile"].help_text = _(
                "On file: %(mobile)s. Leave blank to keep it, or type a new number."
            ) % {"mobile": mask_mobile(entry.mobile)}
            self.fields["remove_mobile"] = forms.BooleanField(
                label=_("Remove the mobile number"), required=False
            )


def _entry_initial(entry: WatchlistEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "aliases": entry.aliases,
        "action": entry.action,
        "office": entry.office.code if entry.office else "",
        "reason": entry.reason,
    }


@role_required(Role.SECURITY_ADMIN)
@require_GET
def watchlist_list(request: HttpRequest) -> HttpResponse:
    form = WatchlistFilterForm(request.GET or None)
    entries = form.filter(watchlist.visible_entries(request.user)).order_by("-created_at", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    editable = watchlist.edit_check(request.user)
    context = {
        "form": form,
        "page": page,
        "query": params.urlencode(),
        "rows": [
            {
                "entry": e,
                "masked_mobile": mask_mobile(e.mobile) if e.mobile else "",
                "aliases": e.aliases.splitlines(),
                "editable": editable(e),
            }
            for e in page.object_list
        ],
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "passes/partials/watchlist_results.html", context)
    return render(request, "passes/watchlist.html", context)


@role_required(Role.SECURITY_ADMIN)
@require_http_methods(["GET", "POST"])
def watchlist_add(request: HttpRequest) -> HttpResponse:
    form = WatchlistForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            entry = watchlist.add_entry(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("%(who)s is on the watch list.") % {"who": entry})
            return redirect("passes:watchlist")
    return render(request, "passes/watchlist_form.html", {"form": form, "entry": None})


@role_required(Role.SECURITY_ADMIN)
@require_http_methods(["GET", "POST"])
def watchlist_edit(request: HttpRequest, code: str) -> HttpResponse:
    entry = watchlist.entry_for(request.user, code)
    if not watchlist.can_edit(request.user, entry):
        raise PermissionDenied
    form = WatchlistForm(
        request.POST or None, user=request.user, entry=entry, initial=_entry_initial(entry)
    )
    if request.method == "POST" and form.is_valid():
        try:
            watchlist.update_entry(entry, actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The watch-list entry is saved."))
            return redirect("passes:watchlist")
    return render(request, "passes/watchlist_form.html", {"form": form, "entry": entry})


@role_required(Role.SECURITY_ADMIN)
@require_POST
def watchlist_active(request: HttpRequest, code: str) -> HttpResponse:
    """Withdraw an entry (active=0) or put it back (active=1)."""
    entry = watchlist.entry_for(request.user, code)
    if not watchlist.can_edit(request.user, entry):
        raise PermissionDenied
    active = request.POST.get("active") == "1"
    watchlist.set_entry_active(entry, actor=request.user, active=active, request=request)
    if active:
        messages.success(request, _("%(who)s is back on the watch list.") % {"who": entry})
    else:
        messages.success(request, _("%(who)s is withdrawn from the watch list.") % {"who": entry})
    return redirect("passes:watchlist")


# ---------------------------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------------------------


@role_required(Role.SECURITY_ADMIN)
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    open_alerts = watchlist.open_alerts(request.user).select_related(
        "office", "gate", "visitor", "watchlist_entry"
    )
    return render(request, "passes/alerts.html", {"alerts": open_alerts[:200]})


@role_required(Role.SECURITY_ADMIN)
@require_POST
def alert_acknowledge(request: HttpRequest, code: str) -> HttpResponse:
    alert = watchlist.alert_for(request.user, code)
    watchlist.acknowledge_alert(alert, actor=request.user, request=request)
    messages.success(request, _("Alert acknowledged."))
    return redirect("passes:alerts")


@role_required(Role.SECURITY_ADMIN)
@require_GET
def alerts_badge(request: HttpRequest) -> HttpResponse:
    """The count of open alerts: the whole badge for a page to include, its count when polled.

    A page includes passes/partials/alerts_badge.html; it loads its count at once and then
    every 15 seconds, swapping only what is inside the badge.
    """
    context = {"open_alerts": watchlist.open_alerts(request.user).count()}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "passes/partials/alerts_badge_count.html", context)
    return render(request, "passes/partials/alerts_badge.html", context)


# ---------------------------------------------------------------------------------------------
# Touts
# ---------------------------------------------------------------------------------------------


class DismissForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Why this is not a tout"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ToutWatchlistForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("At the gate"),
        choices=WatchlistEntry.Action.choices,
        initial=WatchlistEntry.Action.HOLD,
    )
    office = forms.ModelChoiceField(
        label=gettext_lazy("Office"), queryset=Office.objects.none(), to_field_name="code"
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, user: Any, flag: ToutFlag, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        offices = flag.details.get("offices") or []
        if len(offices) == 1:
            kwargs["initial"].setdefault("office", offices[0])
        kwargs["initial"].setdefault(
            "reason", _("Tout: %(rule)s.") % {"rule": flag.get_rule_display()}
        )
        super().__init__(*args, **kwargs)
        office = self.fields["office"]
        office.queryset = offices_for(user).order_by("code")  # type: ignore[attr-defined]
        if user.all_offices:
            office.required = False
            office.empty_label = _("All offices")  # type: ignore[attr-defined]


@role_required(Role.SECURITY_ADMIN)
@require_GET
def tout_list(request: HttpRequest) -> HttpResponse:
    flags = touts.flags_for(request.user)
    return render(
        request,
        "passes/touts.html",
        {
            "open_flags": flags.filter(state=ToutFlag.State.OPEN).order_by("-created_at")[:200],
            "reviewed": flags.exclude(state=ToutFlag.State.OPEN).order_by("-reviewed_at")[:20],
        },
    )


def _review(
    request: HttpRequest,
    flag: ToutFlag,
    dismiss_form: DismissForm | None = None,
    watch_form: ToutWatchlistForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "passes/touts_review.html",
        {
            "flag": flag,
            "dismiss_form": dismiss_form or DismissForm(),
            "watch_form": watch_form or ToutWatchlistForm(user=request.user, flag=flag),
            "passes": GatePass.objects.filter(
                code__in=flag.details.get("pass_codes", []),
                office__in=offices_for(request.user),
            )
            .select_related("office", "host_official__employee", "host_department")
            .order_by("created_at"),
        },
    )


def _already_reviewed(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("This flag has already been reviewed."))
    return redirect("passes:touts")


@role_required(Role.SECURITY_ADMIN)
@require_GET
def tout_review(request: HttpRequest, code: str) -> HttpResponse:
    return _review(request, touts.flag_for(request.user, code))


@role_required(Role.SECURITY_ADMIN)
@require_POST
def tout_dismiss(request: HttpRequest, code: str) -> HttpResponse:
    flag = touts.flag_for(request.user, code)
    if flag.state != ToutFlag.State.OPEN:
        return _already_reviewed(request)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            touts.dismiss_flag(
                flag, actor=request.user, note=form.cleaned_data["note"], request=request
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Flag dismissed."))
            return redirect("passes:touts")
    return _review(request, flag, dismiss_form=form)


@role_required(Role.SECURITY_ADMIN)
@require_POST
def tout_watchlist(request: HttpRequest, code: str) -> HttpResponse:
    flag = touts.flag_for(request.user, code)
    if flag.state != ToutFlag.State.OPEN:
        return _already_reviewed(request)
    form = ToutWatchlistForm(request.POST, user=request.user, flag=flag)
    if form.is_valid():
        try:
            touts.watchlist_flag(flag, actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is on the watch list.") % {"name": flag.visitor.name}
            )
            return redirect("passes:touts")
    return _review(request, flag, watch_form=form)


# ---------------------------------------------------------------------------------------------
# A visitor's record
# ---------------------------------------------------------------------------------------------


def _visitor_context(request: HttpRequest, visitor: Visitor) -> dict[str, Any]:
    user = request.user
    passes = list(
        GatePass.objects.filter(visitor=visitor, office__in=offices_for(user))
        .select_related("office", "host_official__employee", "host_department")
        .prefetch_related(
            Prefetch(
                "scans",
                queryset=GateScan.objects.select_related("gate").order_by("-scanned_at"),
            )
        )
        .order_by("-valid_from")
    )
    visible_offices = {p.office_id for p in passes}
    matches = [
        m
        for m in watchlist.matches_for(visitor)
        if m.entry.office_id is None or m.entry.office_id in visible_offices
    ]
    return {
        "visitor": visitor,
        "passes": [{"gate_pass": p, "host": presence.host_label(p)} for p in passes],
        "flags": touts.flags_for(user).filter(visitor=visitor).order_by("-created_at"),
        "matches": matches,
        "masked_mobile": mask_mobile(visitor.mobile),
        "can_reveal": has_role(user, Role.SECURITY_ADMIN),
        "is_security_admin": has_role(user, Role.SECURITY_ADMIN),
        "revocable_states": REVOCABLE_STATES,
        "office": passes[0].office if passes else None,
    }


@role_required(*SECURITY)
@require_GET
def visitor_detail(request: HttpRequest, code: str) -> HttpResponse:
    visitor = watchlist.visitor_for(request.user, code)
    context = _visitor_context(request, visitor)
    watchlist.record_visitor_viewed(
        visitor, actor=request.user, office=context["office"], request=request
    )
    response = render(request, "passes/visitor.html", context)
    add_never_cache_headers(response)
    return response


@role_required(Role.SECURITY_ADMIN)
@require_POST
def visitor_mobile(request: HttpRequest, code: str) -> HttpResponse:
    """Show a visitor's full mobile number to a security administrator; the look is audited."""
    visitor = watchlist.visitor_for(request.user, code)
    context = _visitor_context(request, visitor)
    context["full_mobile"] = watchlist.reveal_visitor_mobile(
        visitor, actor=request.user, office=context["office"], request=request
    )
    template = (
        "passes/partials/visitor_mobile.html"
        if request.htmx  # type: ignore[attr-defined]
        else "passes/visitor.html"
    )
    response = render(request, template, context)
    add_never_cache_headers(response)
    return response


_IMAGE_SIGNATURES = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"RIFF": "image/webp",
}


def _photo_bytes(visitor: Visitor) -> tuple[bytes, str]:
    """The photo's bytes and type; a photo stored encrypted (a Fernet token) is decrypted."""
    with visitor.photo.open("rb") as handle:
        data = handle.read()
    if data.startswith(b"gAAAAA"):
        data = decrypt_bytes(data)
    for signature, content_type in _IMAGE_SIGNATURES.items():
        if data.startswith(signature):
            return data, content_type
    return data, mimetypes.guess_type(visitor.photo.name)[0] or "application/octet-stream"


@role_required(*SECURITY)
@require_GET
def visitor_photo(request: HttpRequest, code: str) -> HttpResponse:
    visitor = watchlist.visitor_for(request.user, code)
    if not visitor.photo:
        raise Http404
    try:
        data, content_type = _photo_bytes(visitor)
    except FileNotFoundError:
        raise Http404 from None
    office = (
        GatePass.objects.filter(visitor=visitor, office__in=offices_for(request.user))
        .select_related("office")
        .order_by("-valid_from")
        .first()
    )
    watchlist.record_visitor_viewed(
        visitor,
        actor=request.user,
        office=office.office if office else None,
        request=request,
        what="photo",
    )
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.SECURITY_ADMIN)
@require_POST
def pass_revoke(request: HttpRequest, code: str) -> HttpResponse:
    """A security administrator withdraws a pass, with a reason, from the visitor's record."""
    gate_pass = get_object_or_404(
        scope_to_offices(GatePass.objects.select_related("office", "visitor"), request.user),
        code=code,
    )
    try:
        revoke_pass(
            gate_pass, reason=request.POST.get("reason", ""), actor=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Pass %(code)s is revoked.") % {"code": gate_pass.code})
    return redirect("passes:visitor", code=gate_pass.visitor.code)
