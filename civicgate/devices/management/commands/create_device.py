"""Register a device from the command line and print its token (shown this once)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from civicgate.devices.actions import register_device
from civicgate.devices.models import Device
from civicgate.org.models import Gate, Office


class Command(BaseCommand):
    help = "Register a gate scanner, card reader or kiosk and print its API token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--office", required=True, help="Office code, e.g. HQ or BR-07.")
        parser.add_argument("--gate", help='Gate name or code within the office, e.g. "Gate 1".')
        parser.add_argument(
            "--kind", required=True, help=f"One of: {', '.join(Device.Kind.values)}."
        )
        parser.add_argument("--name", help="Device name; defaults to the gate and kind.")
        parser.add_argument(
            "--direction",
            default=Device.Direction.BOTH,
            help=f"One of: {', '.join(Device.Direction.values)}.",
        )
        parser.add_argument("--serial", default="", help="Manufacturer's serial number.")

    def handle(self, *args: Any, **options: Any) -> None:
        office = Office.objects.filter(code__iexact=options["office"]).first()
        if office is None:
            known = ", ".join(Office.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(
                f"No office with code {options['office']!r}. Known offices: {known}."
            )
        gate = None
        if options["gate"]:
            gate = office.gates.filter(
                Q(name__iexact=options["gate"]) | Q(code__iexact=options["gate"])
            ).first()
            if gate is None:
                known = ", ".join(office.gates.values_list("name", flat=True)) or "none"
                raise CommandError(
                    f"{office.code} has no gate {options['gate']!r}. Its gates: {known}."
                )
        kind = options["kind"]
        if kind not in Device.Kind.values:
            raise CommandError(
                f"Unknown kind {kind!r}. Choose one of: {', '.join(Device.Kind.values)}."
            )
        name = options["name"] or self._default_name(office, gate, kind)
        try:
            device, token = register_device(
                name=name,
                kind=kind,
                office=office,
                gate=gate,
                direction=options["direction"],
                serial_number=options["serial"],
                actor="manage.py create_device",
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Registered {device.name} ({device.code}) at {office.code}.")
        self.stdout.write("Its token, shown only now; put it in the device's settings:")
        self.stdout.write(token)

    @staticmethod
    def _default_name(office: Office, gate: Gate | None, kind: str) -> str:
        base = f"{gate.name if gate else office.code} {kind.replace('_', ' ')}"
        name, n = base, 1
        while Device.objects.filter(office=office, name__iexact=name).exists():
            n += 1
            name = f"{base} {n}"
        return name
