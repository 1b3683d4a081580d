"""The cursors of the busiest statements: Django's placeholders and errors, logged when
queries are."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from civicgate.core import prepared
from civicgate.org.models import Office

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
