from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicgate.org.actions import import_employees
from civicgate.org.importing import ImportFileError


class Command(BaseCommand):
    help = "Import employees from the HR sheet (CSV or XLSX); with --dry-run only check it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if path.stat().st_size > settings.MAX_IMPORT_FILE_BYTES:
            raise CommandError(
                f"{path} is larger than MAX_IMPORT_FILE_BYTES ({settings.MAX_IMPORT_FILE_BYTES} bytes)."
            )
        try:
            report = import_employees(
                path.read_bytes(),
                path.name,
                actor="import_employees command",
                dry_run=options["dry_run"],
            )
        except ImportFileError as exc:
            raise CommandError(exc.message) from None
        for row in report.bad_rows:
            for error in row.errors:
                self.stderr.write(f"row {row.number} ({row.staff_number or '-'}): {error}")
        if report.ignored_columns:
            self.stdout.write(f"Ignored columns: {', '.join(report.ignored_columns)}")
        if not report.ok:
            raise CommandError(
                f"{len(report.bad_rows)} of {len(report.rows)} rows have problems; nothing was imported."
            )
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: all {len(report.rows)} rows are correct ({report.to_create} new, "
                f"{report.to_update} updates). Nothing was written."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {len(report.rows)} rows: {report.created} new, {report.updated} updated, "
                    f"{report.unchanged} unchanged."
                )
            )
