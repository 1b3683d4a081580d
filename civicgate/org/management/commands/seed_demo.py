from typing import Any

from django.core.management.base import BaseCommand

from civicgate.org import demo
from civicgate.org.models import Employee, Office, Official


class Command(BaseCommand):
    help = "Load the KMC demo organisation and one login per role (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = demo.seed()
        if summary.changed:
            for what, n in sorted(summary.created.items()):
                self.stdout.write(f"  {what}: {n}")
        else:
            self.stdout.write("Demo data already in place; nothing changed.")
        self.stdout.write(
            f"{Office.objects.count()} offices, {Employee.objects.count()} employees, "
            f"{Official.objects.count()} officials."
        )
        width = max(len(role) for role, _username in summary.logins)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        self.stdout.write(f"  {'Role'.ljust(width)}  {'Username'.ljust(16)}  Password")
        for role, username in summary.logins:
            self.stdout.write(f"  {role.ljust(width)}  {username.ljust(16)}  {demo.DEMO_PASSWORD}")
        self.stdout.write("")
        self.stdout.write(
            "System and security administrators must set up an authenticator app (TOTP) at their "
            "first sign-in: have a phone with Google Authenticator, Microsoft Authenticator or similar ready."
        )
