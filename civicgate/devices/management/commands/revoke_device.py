"""Revoke a device: its token stops working for good."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicgate.devices.actions import revoke_device
from civicgate.devices.models import Device


class Command(BaseCommand):
    help = "Revoke a device's API token for good, recording why."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The device's code, as on the devices screen.")
        parser.add_argument("--reason", required=True, help="Why, for the audit trail.")

    def handle(self, *args: Any, **options: Any) -> None:
        device = (
            Device.objects.select_related("office").filter(code=options["code"].upper()).first()
        )
        if device is None:
            raise CommandError(f"No device with code {options['code']!r}.")
        try:
            revoke_device(device, actor="manage.py revoke_device", reason=options["reason"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Revoked {device.name} ({device.code}) at {device.office.code}.")
