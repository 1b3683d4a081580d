"""The outbox screen: what was sent to whom (masked), what failed and why, and a retry."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from civicgate.accounts.access import role_required
from civicgate.accounts.roles import Role
from civicgate.notify import actions
from civicgate.notify.models import Channel, OutboundMessage

PAGE_SIZE = 50


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class OutboxFilter(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("Any state")), *OutboundMessage.State.choices],
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=[("", gettext_lazy("Any channel")), *Channel.choices],
    )


_TONE = {"failed": "bad", "queued": "warn", "sending": "warn"}


def _state_counts() -> list[tuple[str, str, int, str]]:
    counts = dict(OutboundMessage.objects.order_by().values_list("state").annotate(n=Count("pk")))
    return [
        (value, str(label), counts.get(value, 0), _TONE.get(value, "ok"))
        for value, label in OutboundMessage.State.choices
    ]


@role_required(Role.SYSTEM_ADMIN)
@require_GET
def outbox(request: HtmxHttpRequest) -> HttpResponse:
    form = OutboxFilter(request.GET)
    rows = OutboundMessage.objects.defer("body", "payload", "subject").order_by(
        "-created_at", "-pk"
    )
    if form.is_valid():
        if form.cleaned_data["state"]:
            rows = rows.filter(state=form.cleaned_data["state"])
        if form.cleaned_data["channel"]:
            rows = rows.filter(channel=form.cleaned_data["channel"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "state_counts": _state_counts(),
    }
    if request.htmx:
        return render(request, "notify/partials/outbox_table.html", context)
    return render(request, "notify/outbox.html", context)


@role_required(Role.SYSTEM_ADMIN)
@require_POST
def retry(request: HtmxHttpRequest, code: str) -> HttpResponse:
    message = get_object_or_404(OutboundMessage.objects.defer("body", "payload"), code=code)
    done = actions.retry_now(message, actor=request.user, request=request)
    if request.htmx:
        return render(
            request,
            "notify/partials/outbox_row.html",
            {"message": message, "next": request.POST.get("next", "")},
        )
    if done:
        messages.success(
            request, _("Message %(code)s is queued to be sent again.") % {"code": message.code}
        )
    else:
        messages.error(
            request,
            _("Only failed messages can be retried; message %(code)s is %(state)s.")
            % {"code": message.code, "state": message.get_state_display()},
        )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("notify:outbox")
