"""Walk the audit hash chain and report every break; exit status 1 if anything is wrong."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from civicgate.audit.chain import verify_chain
from civicgate.audit.guard import missing_triggers


class Command(BaseCommand):
    help = "Check the audit trail: every record intact, in order and none missing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=2000, help="Records read per query.")

    def handle(self, *args: Any, **options: Any) -> None:
        checked, breaks = verify_chain(batch_size=options["batch_size"])
        self.stdout.write(f"Checked {checked} audit records.")
        for item in breaks:
            self.stdout.write(self.style.ERROR(f"Record {item.seq}: {item.problem}"))
        missing = sorted(missing_triggers(connection))
        for name in missing:
            self.stdout.write(
                self.style.WARNING(
                    f"The database trigger {name} is missing: records can be changed."
                )
            )
        if breaks:
            raise CommandError(
                f"The audit trail is broken in {len(breaks)} place(s).", returncode=1
            )
        if missing:
            raise CommandError("The audit trail is intact but not protected.", returncode=1)
        self.stdout.write(self.style.SUCCESS("The audit trail is intact."))
