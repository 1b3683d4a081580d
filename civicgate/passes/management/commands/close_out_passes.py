"""The day's close-out, run once a day at PASS_CLOSE_OUT_TIME (systemd timer or cron).

Passes whose window has ended are marked expired; visits still open at the last close-out
moment are closed and flagged closed_without_exit, each with an audit record. Running it again
finds nothing more to do.
"""

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from civicgate.audit.chain import record
from civicgate.org.models import Office
from civicgate.passes.models import GatePass

_ACTOR = "manage.py close_out_passes"
_EXPIRABLE = (GatePass.State.ISSUED, GatePass.State.OUTSIDE, GatePass.State.PENDING)


def last_close_out(now: datetime, time_zone: str) -> datetime:
    """The most recent close-out moment at or before now, in the office's own time zone."""
    try:
        hour, minute = (int(part) for part in settings.PASS_CLOSE_OUT_TIME.split(":"))
        at = time(hour, minute)
    except ValueError:
        raise CommandError(
            f"PASS_CLOSE_OUT_TIME must be HH:MM, not {settings.PASS_CLOSE_OUT_TIME!r}."
        ) from None
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    moment = datetime.combine(local.date(), at, tzinfo=zone)
    return moment if moment <= local else moment - timedelta(days=1)


class Command(BaseCommand):
    help = "Expire passes past their window and close visits left open at close-out."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        expired = self._expire(now)
        closed = 0
        for office in Office.objects.all():
            closed += self._close_visits(office, last_close_out(now, office.time_zone), now)
        self.stdout.write(f"Expired {expired} passes past their window.")
        self.stdout.write(f"Closed {closed} visits still inside at close-out (no exit scan).")

    @staticmethod
    def _expire(now: datetime) -> int:
        with transaction.atomic():
            codes = list(
                GatePass.objects.select_for_update()
                .filter(state__in=_EXPIRABLE, valid_until__lte=now)
                .values_list("code", flat=True)
            )
            if not codes:
                return 0
            count = GatePass.objects.filter(code__in=codes, state__in=_EXPIRABLE).update(
                state=GatePass.State.EXPIRED, updated_at=now
            )
            record("passes.passes_expired", actor=_ACTOR, data={"count": count, "passes": codes})
        return count

    @staticmethod
    def _close_visits(office: Office, close_out: datetime, now: datetime) -> int:
        closed = 0
        open_visits = GatePass.objects.filter(
            office=office, state=GatePass.State.INSIDE, entered_at__lte=close_out
        ).values_list("pk", "code", "kind", "valid_until", "entered_at")
        for pk, code, kind, valid_until, entered_at in open_visits:
            # A multi-day pass can come back tomorrow; any other visit ends here.
            later = kind == GatePass.Kind.MULTI_DAY and valid_until > now
            state = GatePass.State.OUTSIDE if later else GatePass.State.CLOSED
            with transaction.atomic():
                changed = GatePass.objects.filter(pk=pk, state=GatePass.State.INSIDE).update(
                    state=state, closed_without_exit=True, entered_at=None, updated_at=now
                )
                if changed:
                    record(
                        "passes.visit_closed_out",
                        actor=_ACTOR,
                        obj=GatePass(pk=pk, code=code),
                        office=office,
                        data={"entered_at": entered_at, "close_out": close_out, "state": state},
                    )
                    closed += changed
        return closed
