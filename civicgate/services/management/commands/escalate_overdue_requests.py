"""The escalation worker: hand overdue requests to their department's head."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from civicgate.services.escalation import escalate_overdue


class Command(BaseCommand):
    help = "Escalate open service requests past their resolution deadline to the department head."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Keep running, checking every --interval seconds."
        )
        parser.add_argument("--interval", type=int, default=60)
        parser.add_argument("--batch", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            total = 0
            while True:
                done = escalate_overdue(batch=options["batch"])
                total += done
                if done < options["batch"]:
                    break
            self.stdout.write(f"Escalated {total} overdue request(s).")
            if not options["loop"]:
                return
            time.sleep(max(1, options["interval"]))
