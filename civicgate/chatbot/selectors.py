"""Reads for the helpdesk: conversations with a person, a thread, and the analytics."""

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from civicgate.accounts.access import has_role
from civicgate.accounts.roles import Role
from civicgate.chatbot.models import Conversation, Message

INBOX_ROLES = (Role.HELPDESK, Role.SYSTEM_ADMIN)
LOW_CONFIDENCE = 0.5


def can_answer(user: Any) -> bool:
    """The helpdesk answers citizens of every office: chats are not tied to one."""
    return has_role(user, *INBOX_ROLES)


def inbox(user: Any, *, show: str = "waiting") -> QuerySet[Conversation]:
    if not can_answer(user):
        return Conversation.objects.none()
    rows = Conversation.objects.select_related("assigned_to").defer("state")
    if show == "waiting":
        return rows.filter(handed_over=True).order_by("handed_over_at", "id")
    return rows.order_by("-last_activity_at", "-id")


def conversation_for(user: Any, code: str) -> Conversation | None:
    if not can_answer(user):
        return None
    return Conversation.objects.select_related("assigned_to", "citizen").filter(code=code).first()


def thread(conversation: Conversation, *, after: int = 0) -> QuerySet[Message]:
    return (
        Message.objects.filter(conversation=conversation, pk__gt=after)
        .select_related("staff")
        .order_by("id")
    )


def delivery_states(messages: list[Message]) -> dict[int, str]:
    """WhatsApp delivery state of each message sent through the outbox, by message id."""
    from civicgate.notify.models import OutboundMessage

    codes = {m.pk: (m.payload or {}).get("outbox") for m in messages}
    wanted = [c for c in codes.values() if c]
    if not wanted:
        return {}
    states = dict(OutboundMessage.objects.filter(code__in=wanted).values_list("code", "state"))
    return {pk: states[code] for pk, code in codes.items() if code in states}


def analytics(days: int = 14) -> dict[str, Any]:
    """Messages by day, channel and language, intents, and the messages worth a look."""
    since = timezone.now() - timedelta(days=days)
    inbound = Message.objects.filter(direction=Message.Direction.IN, created_at__gte=since)
    per_day = (
        inbound.annotate(day=TruncDate("created_at"))
        .values("day", "conversation__channel", "language")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    days_seen: dict[date, dict[str, int]] = {}
    for row in per_day:
        bucket = days_seen.setdefault(row["day"], {})
        key = f"{row['conversation__channel']}/{row['language']}"
        bucket[key] = bucket.get(key, 0) + row["n"]
    intents = list(
        inbound.exclude(intent="")
        .values("intent", "language")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    conversations = (
        Conversation.objects.filter(created_at__gte=since)
        .values("channel", "language")
        .annotate(n=Count("id"))
        .order_by("channel", "language")
    )
    doubtful = (
        inbound.filter(Q(intent="fallback") | Q(confidence__lt=LOW_CONFIDENCE))
        .exclude(kind=Message.Kind.CHOICE)
        .select_related("conversation")
        .order_by("-id")[:100]
    )
    return {
        "per_day": sorted(days_seen.items()),
        "intents": intents,
        "conversations": list(conversations),
        "doubtful": list(doubtful),
        "total": inbound.count(),
    }
