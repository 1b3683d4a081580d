"""Issue a gate pass from the command line (operations, scripting) and print its QR text."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from civicgate.org.models import Department, Office, Official
from civicgate.passes.actions import get_or_create_visitor, issue_pass
from civicgate.passes.models import GatePass

_ACTOR = "manage.py issue_pass"


class Command(BaseCommand):
    help = "Issue a gate pass to a visitor and print its code and QR text."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mobile", required=True, help="Visitor's mobile, e.g. +919830012345.")
        parser.add_argument("--name", required=True, help="Visitor's name.")
        parser.add_argument("--office", required=True, help="Office code, e.g. HQ.")
        parser.add_argument("--department", help='Department name or code, e.g. "Water Supply".')
        parser.add_argument("--official", help="Public code of the official to visit.")
        parser.add_argument("--hours", type=float, default=4, help="Length of the pass (4).")
        parser.add_argument("--from", dest="start", help="Start, ISO 8601 (default: now).")
        parser.add_argument(
            "--kind",
            default=GatePass.Kind.SINGLE,
            choices=GatePass.Kind.values,
            help="single (default), day or multi_day.",
        )
        parser.add_argument("--gates", default="", help="Gate codes, e.g. G1,G2 (default: all).")
        parser.add_argument("--purpose", default="", help="What the visit is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        office = Office.objects.filter(code__iexact=options["office"]).first()
        if office is None:
            known = ", ".join(Office.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"No office {options['office']!r}. Known offices: {known}.")
        department = self._department(options["department"])
        official = self._official(options["official"])
        if department is None and official is None:
            raise CommandError("Give --department or --official: whom the visitor comes to see.")
        gates = self._gates(office, options["gates"])
        start = timezone.now()
        if options["start"]:
            parsed = parse_datetime(options["start"])
            if parsed is None:
                raise CommandError(f"--from {options['start']!r} is not an ISO 8601 date and time.")
            start = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
        if options["hours"] <= 0:
            raise CommandError("--hours must be more than 0.")
        host_name = official.employee.name if official else department.name  # type: ignore[union-attr]
        purpose = options["purpose"] or f"Visit to {host_name}"
        try:
            visitor = get_or_create_visitor(
                mobile=options["mobile"], name=options["name"], verified=False, actor=_ACTOR
            )
            gate_pass = issue_pass(
                visitor=visitor,
                office=office,
                purpose=purpose,
                valid_from=start,
                valid_until=start + timedelta(hours=options["hours"]),
                channel=GatePass.Channel.STAFF,
                host_official=official,
                host_department=department,
                gates=gates,
                kind=options["kind"],
                actor=_ACTOR,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Pass {gate_pass.code} ({gate_pass.get_state_display()})")
        self.stdout.write(
            f"Valid {timezone.localtime(gate_pass.valid_from):%Y-%m-%d %H:%M} to "
            f"{timezone.localtime(gate_pass.valid_until):%Y-%m-%d %H:%M}"
        )
        self.stdout.write("QR text:")
        self.stdout.write(gate_pass.token)

    @staticmethod
    def _department(value: str | None) -> Department | None:
        if not value:
            return None
        department = Department.objects.filter(
            Q(name__iexact=value.strip()) | Q(code__iexact=value.strip())
        ).first()
        if department is None:
            known = ", ".join(Department.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No department {value!r}. Known departments: {known}.")
        return department

    @staticmethod
    def _official(value: str | None) -> Official | None:
        if not value:
            return None
        official = (
            Official.objects.select_related("employee__department", "employee__office")
            .filter(code=value.strip().upper())
            .first()
        )
        if official is None:
            raise CommandError(f"No official with code {value!r}.")
        return official

    @staticmethod
    def _gates(office: Office, value: str) -> list[Any]:
        codes = [c.strip().upper() for c in value.split(",") if c.strip()]
        gates = list(office.gates.filter(code__in=codes))
        missing = sorted(set(codes) - {g.code for g in gates})
        if missing:
            known = ", ".join(office.gates.values_list("code", flat=True)) or "none"
            raise CommandError(
                f"{office.code} has no gate {', '.join(missing)}. Its gates: {known}."
            )
        return gates
