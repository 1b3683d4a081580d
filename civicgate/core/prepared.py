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

from datetime import datetime
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, models
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


class InsertValues:
    """The values an INSERT of an instance writes to fields, as save() would make them
    (Field.pre_save, then get_db_prep_save), with the plain cases done without the field's
    chain of calls: text, flags, numbers and keys on SQLite, aware times; the values of a busy
    insert (a gate scan, its audit record). Any other field or value goes the field's way.

        values = InsertValues(fields)      # once
        params = values(instance, connection)
    """

    def __init__(self, fields: list[Any]) -> None:
        self.fields = list(fields)
        self._adapters: dict[str, list[Any]] = {}

    def __call__(self, obj: Any, db: BaseDatabaseWrapper) -> list[Any]:
        adapters = self._adapters.get(db.vendor)
        if adapters is None:
            adapters = self._adapters[db.vendor] = [
                _adapter(field, db.vendor) for field in self.fields
            ]
        return [adapt(obj, db) for adapt in adapters]


def _adapter(field: Any, vendor: str) -> Any:
    attname = field.attname

    def by_field(obj: Any, db: BaseDatabaseWrapper) -> Any:
        return field.get_db_prep_save(field.pre_save(obj, True), db)

    kind = type(field)
    plain_types: tuple[type, ...] = ()
    if kind is models.ForeignKey and vendor == "sqlite":
        # Its target's value: an integer. (PostgreSQL's backend wraps integers in psycopg's
        # sized types.)
        plain_types = (int, type(None))
    elif field.get_db_prep_save.__func__ is models.Field.get_db_prep_save:
        if kind in (models.CharField, models.TextField):
            plain_types = (str, type(None))
        elif kind is models.BooleanField:
            plain_types = (bool, type(None))
        elif kind is models.IntegerField and vendor == "sqlite":
            plain_types = (int, type(None))
    if plain_types:

        def plain(obj: Any, db: BaseDatabaseWrapper) -> Any:
            value = getattr(obj, attname)
            return value if type(value) in plain_types else by_field(obj, db)

        return plain
    if kind is models.DateTimeField and not (field.auto_now or field.auto_now_add):

        def moment(obj: Any, db: BaseDatabaseWrapper) -> Any:
            value = getattr(obj, attname)
            if type(value) is not datetime or value.tzinfo is None:
                return by_field(obj, db)
            return db.ops.adapt_datetimefield_value(value)

        return moment
    return by_field
