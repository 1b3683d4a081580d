"""The cursors of the busiest statements: Django's placeholders and errors, logged when
queries are."""

import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civicgate.audit.models import AuditRecord
from civicgate.core import prepared
from civicgate.org.models import Office
from civicgate.passes.models import GateScan

pytestmark = pytest.mark.django_db

_INSERT = f'INSERT INTO "{Office._meta.db_table}" ("created_at", "updated_at", "code", "name", "kind", "address", "time_zone", "active") VALUES (%s, %s, %s, %s, %s, %s, %s, %s)'
_NAMED = (
    f'SELECT "name" FROM "{Office._meta.db_table}" WHERE "code" = %s AND "name" LIKE \'%%Office\''
)


def _office(code: str) -> list[object]:
    now = "2026-11-29 10:00:00" if connection.vendor == "sqlite" else "2026-11-29T10:00:00+00:00"
    return [now, now, code, f"{code} Office", "ward", "", "Asia/Kolkata", True]


def test_statements_take_djangos_placeholders_and_a_literal_percent() -> None:
    with prepared.cursor() as cursor:
        cursor.execute(_INSERT, _office("W12"))
        assert cursor.rowcount == 1
        cursor.execute(_NAMED, ["W12"])
        assert cursor.fetchone() == ("W12 Office",)
    assert Office.objects.get(code="W12").name == "W12 Office"


def test_a_broken_constraint_is_djangos_integrity_error() -> None:
    with prepared.cursor() as cursor:
        cursor.execute(_INSERT, _office("W13"))
    with pytest.raises(IntegrityError), prepared.cursor() as cursor:
        cursor.execute(_INSERT, _office("W13"))


def test_statements_are_logged_where_queries_are() -> None:
    with CaptureQueriesContext(connection) as queries, prepared.cursor() as cursor:
        cursor.execute(_NAMED, ["W14"])
        assert cursor.fetchone() is None

    assert len(queries) == 1


@time_machine.travel(datetime(2026, 11, 29, 10, 30, tzinfo=UTC), tick=False)
def test_insert_values_are_what_save_would_write() -> None:
    office = Office.objects.create(code="HQ", name="Headquarters")
    scan = GateScan(
        scan_id=uuid.uuid4(),
        office=office,
        direction=GateScan.Direction.IN,  # a choice: the field's own way
        decision="allow",
        reason="ok",
        raw_code="CG1:K1:ABC",
        scanned_at=datetime(2026, 11, 29, 10, 29, 58, 120000, tzinfo=UTC),
        offline=False,
    )
    record = AuditRecord(
        seq=7,
        at=timezone.now(),
        actor_kind="device",
        actor_id="D1",
        actor_label="Gate 1 scanner",
        action="passes.scan_allowed",
        ip_address="10.0.0.9",
        data={"gate": "G1", "offline": False},
        prev_hash="0" * 64,
        hash="1" * 64,
    )
    for obj in (scan, record):
        fields = [f for f in type(obj)._meta.concrete_fields if f is not type(obj)._meta.pk]
        django_way = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]

        values = prepared.InsertValues(fields)(obj, connection)

        assert [_comparable(v) for v in values] == [_comparable(v) for v in django_way]


def _comparable(value: object) -> tuple[type, object]:
    # psycopg's JSON wrapper compares by identity: its contents, then.
    return type(value), getattr(value, "obj", value)
