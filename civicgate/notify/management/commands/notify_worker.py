"""Send queued SMS, WhatsApp and e-mail messages; run as many of these as the load needs."""

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from civicgate.notify.worker import run_once


class Command(BaseCommand):
    help = "Send due messages from the outbox, retrying failures with backoff."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due now, then stop.")
        parser.add_argument(
            "--batch", type=int, default=50, help="Messages claimed per round (default 50)."
        )
        parser.add_argument(
            "--idle-seconds", type=float, default=2.0, help="Pause when nothing is due (default 2)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch: int = options["batch"]
        if batch < 1:
            self.stderr.write("--batch must be at least 1.")
            raise SystemExit(2)
        self.stopping = False
        if not options["once"]:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        while True:
            outcome = run_once(batch)
            if outcome:
                summary = ", ".join(f"{count} {state}" for state, count in sorted(outcome.items()))
                self.stdout.write(f"Outbox: {summary}")
            if options["once"] or self.stopping:
                return
            if sum(outcome.values()) < batch:
                # Sleep in short steps so a stop signal is honoured promptly.
                deadline = time.monotonic() + options["idle_seconds"]
                while not self.stopping and time.monotonic() < deadline:
                    time.sleep(0.2)
            if self.stopping:
                return
            # A long-running process must drop connections the database has closed or that
            # have passed CONN_MAX_AGE, as a request cycle would.
            close_old_connections()

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
