"""Cursors whose statements PostgreSQL prepares once per connection, for the few fixed
statements that the busiest endpoints run on every request (a gate scan, a web chat turn).

Django turns psycopg's preparing off (prepare_threshold None), so that connection poolers keep
working, and binds its own statements' parameters on the client: every statement is parsed and
planned afresh, with its values quoted into the text. A cursor from cursor() here has its
parameters bound by the server and each statement prepared the first time a connection runs
it, as a protocol-level prepared statement, which PgBouncer 1.21+ carries across pooled
connections (max_prepared_statements; docs/deployment.md). On SQLite it is the driver's own
cursor, each statement's %s placeholders turned into ? once per statement text rather than by
a regular expression on every run, and its errors raised as Django's; where queries are logged
(tests, DEBUG) it is the connection's ordinary cursor.

Only one statement per execute(): the extended protocol does not take several.

    from civicgate.core.prepared import cursor

    with cursor() as c:
        c.execute("SELECT ... WHERE code = %s", [code])
"""

from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX


class PreparedCursor(psycopg.Cursor[Any]):
    """Parameters bound by the server; every statement prepared on its first run."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None
    ) -> "PreparedCursor":
        connection = self.connection
        threshold = connection.prepare_threshold
        connection.prepare_threshold = 0
        try:
            super().execute(query, params, prepare=True, binary=binary)
        finally:
            connection.prepare_threshold = threshold
        return self


class SQLiteCursor:
    """The driver's cursor on SQLite, with %s placeholders and Django's database errors."""

    def __init__(self, db: Any) -> None:
        self._db = db
        self._cursor = db.connection.cursor()

    def execute(self, sql: str, params: Any = ()) -> "SQLiteCursor":
        query = _QMARKS.get(sql)
        if query is None:
            # As Django's SQLite cursor converts every statement it runs.
            query = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
            if len(_QMARKS) < _KEEP:
                _QMARKS[sql] = query
        with self._db.wrap_database_errors:
            self._cursor.execute(query, params)
        return self

    def fetchone(self) -> Any:
        with self._db.wrap_database_errors:
            return self._cursor.fetchone()

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    def __enter__(self) -> "SQLiteCursor":
        return self

    def __exit__(self, *exc: object) -> None:
        self._cursor.close()


# The few fixed statements of the busiest endpoints, in the driver's placeholders.
_QMARKS: dict[str, str] = {}
_KEEP = 256


def cursor(alias: str = DEFAULT_DB_ALIAS) -> Any:
    """A cursor like Django's own (logged when queries are, with the execute wrappers and
    Django's database errors); on PostgreSQL one whose statements are prepared, on SQLite the
    driver's own with none of Django's wrapping but its errors."""
    db = connections[alias]
    if db.vendor == "sqlite" and not db.queries_logged and not db.execute_wrappers:
        db.close_if_health_check_failed()
        if db.connection is None:
            db.ensure_connection()
        return SQLiteCursor(db)
    if db.vendor != "postgresql":
        return db.cursor()
    db.validate_thread_sharing()
    db.ensure_connection()
    raw: Any = PreparedCursor(db.connection)
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)


def fetchone_first(sql: str, params: list[Any], alias: str = DEFAULT_DB_ALIAS) -> Any:
    """Run a read-only statement that is the first of its request, and its first row.

    On a connection kept from an earlier request Django first sends a SELECT 1 to see that it
    still works (CONN_HEALTH_CHECKS): one more round trip on every request. Here the statement
    itself is that check: if the kept connection died while idle, it is closed and the
    statement runs once more, on a new connection.
    """
    db: Any = connections[alias]
    kept = (
        db.connection is not None
        and db.health_check_enabled
        and not db.health_check_done
        and not db.in_atomic_block
    )
    if kept:
        db.health_check_done = True
    try:
        with cursor(alias) as c:
            c.execute(sql, params)
            return c.fetchone()
    except (OperationalError, InterfaceError):
        if not kept:
            raise
        db.close()
    with cursor(alias) as c:
        c.execute(sql, params)
        return c.fetchone()


def typed_param(field: Any, db: BaseDatabaseWrapper) -> str:
    """A parameter cast to the type of field's column: for values in an INSERT ... SELECT,
    where nothing else tells the server what type a parameter is."""
    return f"CAST(%s AS {field.db_type(db)})"
