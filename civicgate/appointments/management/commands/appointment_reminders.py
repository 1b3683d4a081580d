"""Send due appointment reminders and release lapsed holds; once, or as a worker (--loop)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from civicgate.appointments.reminders import send_due_reminders, sweep_lapsed_holds


class Command(BaseCommand):
    help = "Send appointment reminders that are due (day before, two hours before), each once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running as a worker.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between rounds.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sent = send_due_reminders()
            released = sweep_lapsed_holds()
            self.stdout.write(f"reminders sent: {sent}, lapsed holds released: {released}")
            if not options["loop"]:
                return
            time.sleep(max(5, options["interval"]))
