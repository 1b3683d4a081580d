"""Demo gate passes on top of seed_demo: visitors inside HQ, a pass waiting for the demo
official's approval, a watch-listed number and a tout, so every passes screen has something to
show. Idempotent: a second run changes nothing."""

import uuid
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.org.models import Department, Office
from civicgate.passes import touts
from civicgate.passes.actions import get_or_create_visitor, issue_pass
from civicgate.passes.models import GatePass, PassPolicy, ToutFlag, Visitor
from civicgate.passes.scanning import record_scan
from civicgate.passes.watchlist import add_entry

VISITORS = [
    ("Anirban Mukherjee", "+919830100001"),
    ("Shreya Banerjee", "+919830100002"),
    ("Md. Imran Hossain", "+919830100003"),
    ("Rumpa Ghosh", "+919830100004"),
    ("Sanjay Agarwal", "+919830100005"),
    ("Tanushree Pal", "+919830100006"),
]
TOUT = ("Bablu Sardar", "+919830100099")
WATCHED = "+919830100066"


class Command(BaseCommand):
    help = "Add demo visitors and passes (run after seed_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            hq = Office.objects.get(code="HQ")
            water = Department.objects.get(name="Water Supply")
            assessment = Department.objects.get(name="Assessment-Collection")
            official_user = User.objects.select_related("employee__official").get(
                username="demo_official"
            )
            security = User.objects.get(username="demo_security")
        except (Office.DoesNotExist, Department.DoesNotExist, User.DoesNotExist):
            raise CommandError("Run seed_demo first.") from None
        if official_user.employee is None:
            raise CommandError("demo_official is not linked to an employee: run seed_demo again.")
        host = official_user.employee.official
        if Visitor.objects.filter(name=VISITORS[0][0]).exists():
            self.stdout.write("Demo passes are already there: nothing changed.")
            return
        now = timezone.now()
        gates = list(hq.gates.order_by("code"))
        with transaction.atomic():
            PassPolicy.objects.update_or_create(
                department=water, defaults={"requires_host_approval": True}
            )
            for n, (name, mobile) in enumerate(VISITORS):
                visitor = get_or_create_visitor(
                    mobile=mobile, name=name, verified=True, actor="demo"
                )
                gate_pass = issue_pass(
                    visitor=visitor,
                    office=hq,
                    purpose="Property tax assessment",
                    channel=GatePass.Channel.WEB,
                    valid_from=now - timedelta(hours=1),
                    valid_until=now + timedelta(hours=3 + n),
                    host_department=assessment,
                    actor="demo",
                )
                if n < 4:
                    record_scan(
                        scan_id=uuid.uuid4(),
                        code=gate_pass.token,
                        direction="in",
                        scanned_at=now,
                        gate=gates[n % len(gates)],
                    )
            visitor = get_or_create_visitor(
                mobile="+919830100010", name="Debasish Roy", verified=True, actor="demo"
            )
            issue_pass(
                visitor=visitor,
                office=hq,
                purpose="New water connection",
                channel=GatePass.Channel.WEB,
                valid_from=now + timedelta(hours=1),
                valid_until=now + timedelta(hours=4),
                host_official=host,
                actor="demo",
            )
            tout = get_or_create_visitor(mobile=TOUT[1], name=TOUT[0], verified=True, actor="demo")
            for day in range(6):
                issue_pass(
                    visitor=tout,
                    office=hq,
                    purpose="Follow-up",
                    channel=GatePass.Channel.WEB,
                    valid_from=now - timedelta(days=day, hours=1),
                    valid_until=now + timedelta(hours=2),
                    host_department=assessment,
                    actor="demo",
                )
            add_entry(
                actor=security,
                name="Known tout",
                aliases="",
                mobile=WATCHED,
                action="hold",
                office=None,
                reason="Seen selling 'fast track' services at Gate 2.",
            )
        touts.detect_touts()
        self.stdout.write(
            f"Demo passes: {GatePass.objects.count()} passes, 4 visitors inside HQ, 1 waiting for "
            f"demo_official's approval, 1 watch-list entry, "
            f"{ToutFlag.objects.filter(state=ToutFlag.State.OPEN).count()} tout flag(s) to review."
        )
