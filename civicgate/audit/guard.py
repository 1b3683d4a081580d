"""The database side of "append-only": triggers refuse UPDATE and DELETE on audit records.

The triggers are installed by migration 0002. They leave one door open, Django's flush (the
command that empties every table, used between the test suite's transactional tests and by an
operator resetting a whole database): on SQLite the DELETE trigger asks a function that exists
only on the product's own connections and answers "flushing" only while flush runs; on
PostgreSQL TRUNCATE is refused unless the session setting civicgate.flushing is on, which the
product sets only around flush. From any other client every change is refused.
"""

import threading
from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditrecord"
TRIGGERS: dict[str, set[str]] = {
    "sqlite": {"audit_auditrecord_no_update", "audit_auditrecord_no_delete"},
    "postgresql": {"audit_auditrecord_append_only", "audit_auditrecord_no_truncate"},
}
SQLITE_FLUSH_FUNCTION = "civicgate_audit_flushing"

_state = threading.local()


def _flushing() -> int:
    return 1 if getattr(_state, "flushing", False) else 0


def _permit_flush(connection: BaseDatabaseWrapper) -> None:
    ops: Any = connection.ops
    if getattr(ops, "_civicgate_flush_permitted", False):
        return
    original: Callable[[list[str]], None] = ops.execute_sql_flush

    def execute_sql_flush(sql_list: list[str]) -> None:
        _state.flushing = True
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('civicgate.flushing', 'on', false)")
            original(sql_list)
        finally:
            _state.flushing = False
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('civicgate.flushing', 'off', false)")
        # The chain starts again (or goes on from what was kept), and its head row with it.
        from civicgate.audit.chain import start_head

        start_head(connection.alias)

    ops.execute_sql_flush = execute_sql_flush
    ops._civicgate_flush_permitted = True


def on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FLUSH_FUNCTION, 0, _flushing)
    if connection.vendor in TRIGGERS:
        _permit_flush(connection)


def missing_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    """The append-only triggers this database should have and does not."""
    wanted = TRIGGERS.get(connection.vendor, set())
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
        else:
            return set()
        present = {row[0] for row in cursor.fetchall()}
    return wanted - present
