"""The all-or-nothing write that every spreadsheet import shares.

Employees (org.actions) and services' records (services.import_actions) are imported the same
way: a dry run only checks; a real run checks again inside one transaction, so a sheet checked
minutes ago is judged against today's data, writes every row or none, and audits the file.
"""

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction

from civicgate.audit.chain import record
from civicgate.core.spreadsheets import ImportFileError, ImportReport

ReportT = TypeVar("ReportT", bound=ImportReport[Any])


def import_all_or_nothing(
    data: bytes,
    filename: str,
    *,
    check: Callable[[], ReportT],
    write: Callable[[ReportT], None],
    action: str,
    conflict: Callable[[], str],
    actor: Any,
    request: Any = None,
    dry_run: bool = False,
) -> ReportT:
    """check() the file and, unless dry_run or a row is bad, write(report) and audit it.

    write() fills in the report's created, updated and unchanged counts. A clash with a write
    made at the same time rolls everything back and raises ImportFileError(conflict()).
    """
    if dry_run:
        return check()
    try:
        with transaction.atomic():
            report = check()
            if not report.ok:
                return report
            write(report)
            record(
                action,
                actor=actor,
                request=request,
                data={
                    "file": filename,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "rows": len(report.rows),
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
    except IntegrityError:
        raise ImportFileError(conflict()) from None
    return report
