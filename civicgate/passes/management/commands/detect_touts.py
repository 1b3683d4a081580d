"""Flag visitors whose passes look like a tout's; run from cron (e.g. every 15 minutes)."""

from typing import Any

from django.core.management.base import BaseCommand

from civicgate.passes.touts import detect_touts


class Command(BaseCommand):
    help = "Apply the tout rules to recent passes and raise a flag and an alert for each new find."

    def handle(self, *args: Any, **options: Any) -> None:
        flags = detect_touts()
        for flag in flags:
            self.stdout.write(f"{flag.code}: {flag.visitor.code} {flag.rule}")
        self.stdout.write(f"Raised {len(flags)} new tout flag(s).")
