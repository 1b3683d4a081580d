"""Escalating overdue requests to the head of their department.

Run by the escalate_overdue_requests worker. A request is claimed by one conditional UPDATE
(still open, past its deadline, not yet escalated): however many workers run at once, each
request is escalated exactly once, and its head is told once.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicgate.audit.chain import record
from civicgate.notify.outbox import enqueue
from civicgate.services.actions import due_label
from civicgate.services.heads import department_head
from civicgate.services.models import RequestEvent, ServiceRequest

WORKER = "escalate_overdue_requests"


def overdue(now: datetime) -> "Q":
    return Q(state__in=ServiceRequest.OPEN_STATES, due_at__lt=now, escalated_at__isnull=True)


def escalate_overdue(now: datetime | None = None, batch: int = 200) -> int:
    """Escalate up to batch overdue requests; return how many this call escalated."""
    now = now or timezone.now()
    candidates = list(
        ServiceRequest.objects.filter(overdue(now))
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch]
    )
    done = 0
    for pk in candidates:
        if _escalate_one(pk, now):
            done += 1
    return done


def _escalate_one(pk: int, now: datetime) -> bool:
    with transaction.atomic():
        claimed = ServiceRequest.objects.filter(overdue(now), pk=pk).update(
            escalated_at=now, updated_at=now
        )
        if not claimed:
            return False  # another worker took it, or it was resolved meanwhile
        sr = ServiceRequest.objects.select_related("department", "service", "office").get(pk=pk)
        head = department_head(sr.department)
        if head is not None:
            ServiceRequest.objects.filter(pk=pk).update(escalated_to=head)
        RequestEvent.objects.create(
            request=sr,
            kind=RequestEvent.Kind.ESCALATED,
            state_from=sr.state,
            state_to=sr.state,
            public=False,
            note=f"{head.name}, {head.designation}" if head else "",
            actor_label=WORKER,
            at=now,
        )
        record(
            "services.request_escalated",
            actor=WORKER,
            obj=sr,
            office=sr.office,
            data={
                "number": sr.number,
                "due_at": sr.due_at,
                "head": head.code if head else None,
            },
        )
        if head is not None and head.mobile:
            login = getattr(head, "user", None)
            enqueue(
                "sms",
                head.mobile,
                "service_request_escalated",
                {
                    "tracking_number": sr.number,
                    "service": sr.service.name_en,
                    "ward": sr.ward,
                    "due": due_label(sr.due_at),
                },
                language=getattr(login, "language", "en") or "en",
            )
    return True
