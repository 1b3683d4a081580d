"""Give a device a new token (the old one stops at once) and print it."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicgate.devices.actions import rotate_token
from civicgate.devices.models import Device


class Command(BaseCommand):
    help = "Replace a device's API token and print the new one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="The device's code, as on the devices screen.")

    def handle(self, *args: Any, **options: Any) -> None:
        device = (
            Device.objects.select_related("office").filter(code=options["code"].upper()).first()
        )
        if device is None:
            raise CommandError(f"No device with code {options['code']!r}.")
        try:
            token = rotate_token(device, actor="manage.py rotate_device_token")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"New token for {device.name} ({device.code}); the old one no longer works:"
        )
        self.stdout.write(token)
