"""Demo data for the department services (run after seed_demo)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civicgate.services import demo


class Command(BaseCommand):
    help = "Add demo assessments, plans, permissions, service requests and department staff logins."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = demo.seed()
        except demo.NotSeeded as exc:
            raise CommandError(str(exc)) from None
        if not summary.created:
            self.stdout.write("Demo services are already there: nothing changed.")
            return
        for what, n in summary.created.items():
            self.stdout.write(f"{what}: {n}")
        self.stdout.write(
            "Department staff logins (password as for seed_demo): "
            + ", ".join(username for username, _code in demo.STAFF)
            + "; demo_official heads Water Supply and sees its escalations."
        )
