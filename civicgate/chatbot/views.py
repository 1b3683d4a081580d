"""The helpdesk's chat inbox: conversations handed over by the bot, answered in the thread."""

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from civicgate.accounts.access import role_required
from civicgate.audit.chain import record
from civicgate.chatbot import actions, selectors
from civicgate.chatbot.models import Conversation

INBOX_LIMIT = 100


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your reply"),
        max_length=actions.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "reply-text"}),
    )


def _conversation(request: HttpRequest, code: str) -> Conversation:
    conversation = selectors.conversation_for(request.user, code)
    if conversation is None:
        raise Http404
    return conversation


@role_required(*selectors.INBOX_ROLES)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    show = "all" if request.GET.get("show") == "all" else "waiting"
    rows = list(selectors.inbox(request.user, show=show)[:INBOX_LIMIT])
    context = {"rows": rows, "show": show}
    if getattr(request, "htmx", False):
        return render(request, "chatbot/partials/inbox_rows.html", context)
    return render(request, "chatbot/inbox.html", context)


@role_required(*selectors.INBOX_ROLES)
@require_GET
def thread(request: HttpRequest, code: str) -> HttpResponse:
    conversation = _conversation(request, code)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    rows = list(selectors.thread(conversation, after=after))
    states = selectors.delivery_states(rows)
    for row in rows:
        row.delivery = states.get(row.pk, "")  # type: ignore[attr-defined]
    context = {"conversation": conversation, "rows": rows, "form": ReplyForm()}
    if getattr(request, "htmx", False):
        return render(request, "chatbot/partials/thread_messages.html", context)
    record(
        "chatbot.conversation_viewed",
        actor=request.user,
        obj=conversation,
        request=request,
        data={"channel": conversation.channel},
    )
    return render(request, "chatbot/thread.html", context)


@role_required(*selectors.INBOX_ROLES)
@require_POST
def reply(request: HttpRequest, code: str) -> HttpResponse:
    conversation = _conversation(request, code)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            actions.staff_reply(
                conversation, user=request.user, text=form.cleaned_data["text"], request=request
            )
        except ValidationError as exc:
            flash.error(request, " ".join(exc.messages))
    else:
        flash.error(
            request,
            _("Type a reply of at most %(count)d characters.") % {"count": actions.TEXT_MAX},
        )
    return redirect("chatbot:thread", code=conversation.code)


@role_required(*selectors.INBOX_ROLES)
@require_POST
def hand_back(request: HttpRequest, code: str) -> HttpResponse:
    conversation = _conversation(request, code)
    if actions.hand_back(conversation, user=request.user, request=request):
        flash.success(request, _("The assistant answers this conversation again."))
    return redirect("chatbot:inbox")


@role_required(*selectors.INBOX_ROLES)
@require_POST
def take_over(request: HttpRequest, code: str) -> HttpResponse:
    conversation = _conversation(request, code)
    actions.take_over(conversation, user=request.user, request=request)
    return redirect("chatbot:thread", code=conversation.code)


@role_required(*selectors.INBOX_ROLES)
@require_GET
def analytics(request: HttpRequest) -> HttpResponse:
    data = selectors.analytics()
    peak = max((sum(counts.values()) for _day, counts in data["per_day"]), default=0)
    days = [
        {"day": day, "counts": sorted(counts.items()), "total": sum(counts.values())}
        for day, counts in data["per_day"]
    ]
    for row in days:
        row["width"] = round(100 * row["total"] / peak) if peak else 0
    top = max((row["n"] for row in data["intents"]), default=0)
    for row in data["intents"]:
        row["width"] = round(100 * row["n"] / top) if top else 0
    return render(request, "chatbot/analytics.html", {**data, "days": days})
