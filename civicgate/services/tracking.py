"""Tracking numbers a person can read out on the phone: WS-2611-00123.

The department's code, the year and month (Kolkata time) and a serial that restarts each month.
The serial comes from one counter row per department and month, raised by a single UPDATE
inside the caller's transaction: two requests filed at the same moment wait for each other on
that row and never get the same number.
"""

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicgate.services.models import TrackingCounter

NUMBER = re.compile(r"^([A-Z]{1,10})-(\d{4})-(\d{5,})$")


def normalise_number(raw: str) -> str:
    """' ws 2611 123 ' and 'ws-2611-00123' both become 'WS-2611-00123'; '' when it cannot be one."""
    text = re.sub(r"[\s_/.]+", "-", (raw or "").strip().upper()).strip("-")
    parts = [p for p in text.split("-") if p]
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return ""
    number = f"{parts[0]}-{parts[1]}-{int(parts[2]):05d}"
    return number if NUMBER.match(number) else ""


def next_number(prefix: str, now: datetime | None = None) -> str:
    """Allocate the next tracking number for prefix (call inside the request's transaction)."""
    period = timezone.localtime(now or timezone.now()).strftime("%y%m")
    prefix = re.sub(r"[^A-Z]", "", prefix.upper())[:10] or "KMC"
    counter = TrackingCounter.objects.filter(prefix=prefix, period=period)
    if not counter.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                TrackingCounter.objects.create(prefix=prefix, period=period, last=1)
        except IntegrityError:
            # Another request created this month's counter first: take the next serial.
            counter.update(last=F("last") + 1)
    last = counter.values_list("last", flat=True).get()
    return f"{prefix}-{period}-{last:05d}"
