"""Answer waiting chat messages (WhatsApp) and remind idle citizens: run one or more."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from civicgate.chatbot import nlu, processing


class Command(BaseCommand):
    help = "Answer incoming chat messages; several workers may run side by side."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument("--sleep", type=float, default=0.5, help="Seconds to wait when idle.")

    def handle(self, *args: Any, **options: Any) -> None:
        nlu.classifier()  # trained before the first message, not while it waits
        while True:
            answered = processing.process_due()
            prompted = processing.prompt_idle()
            if options["once"]:
                self.stdout.write(f"answered {answered}, reminded {prompted}")
                return
            if not answered:
                time.sleep(options["sleep"])
