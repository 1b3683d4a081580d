"""Fixtures for the audit tests: a short chain of records, and a database without its guard."""

from typing import Any

import pytest
from django.db import connection

from civicgate.audit.chain import record
from civicgate.audit.models import AuditRecord


@pytest.fixture
def six_records(db: Any) -> list[AuditRecord]:
    return [
        record(f"test.step_{n}", actor="nightly job", office="HQ", data={"n": n, "note": "ঠিক আছে"})
        for n in range(1, 7)
    ]


@pytest.fixture
def unprotected(db: Any) -> None:
    """Drop the append-only triggers for this test only (the test's transaction restores them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_auditrecord_append_only ON audit_auditrecord")
            cursor.execute("DROP TRIGGER audit_auditrecord_no_truncate ON audit_auditrecord")
        else:
            cursor.execute("DROP TRIGGER audit_auditrecord_no_update")
            cursor.execute("DROP TRIGGER audit_auditrecord_no_delete")


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
