"""WAL checkpoints off the request path, for a server running on SQLite.

In WAL mode, every commit appends pages to the write-ahead log, and by default the commit
that takes the log past 1,000 pages also copies it back into the database and waits for the
disk (a checkpoint). That commit holds the database's write lock meanwhile, so under a queue
at a gate one scan in fifty or so takes several times longer, and every scan behind it waits.

start() (called in each gunicorn worker, see deploy/gunicorn.conf.py) moves that work to a
background thread with its own connection: a PASSIVE checkpoint every
SQLITE_CHECKPOINT_INTERVAL_MS, which never blocks writers, and the worker's own connections
checkpoint only as a safety net (SQLITE_WAL_AUTOCHECKPOINT_BEHIND_THREAD pages), should the
thread ever stop. Management commands and the development server keep SQLite's default.
"""

import logging
import sqlite3
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

_started = threading.Event()


def _database_file() -> str | None:
    connection: Any = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    return str(connection.settings_dict["NAME"])


def _raise_autocheckpoint(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite" and connection.alias == DEFAULT_DB_ALIAS:
        pages = int(settings.SQLITE_WAL_AUTOCHECKPOINT_BEHIND_THREAD)
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint={pages}")


def checkpoint_once(path: str, db: sqlite3.Connection | None = None) -> tuple[int, int, int]:
    """One PASSIVE checkpoint: (busy, frames in the log, frames copied back)."""
    own = db is None
    db = db or sqlite3.connect(path, timeout=1, isolation_level=None)
    try:
        busy, log, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(busy), int(log), int(copied)
    finally:
        if own:
            db.close()


def _run(path: str, interval: float) -> None:
    db = sqlite3.connect(path, timeout=1, isolation_level=None, check_same_thread=True)
    while True:
        time.sleep(interval)
        try:
            checkpoint_once(path, db)
        except sqlite3.Error:
            # Another worker's thread may be checkpointing; the next round catches up.
            logger.debug("WAL checkpoint skipped", exc_info=True)


def start() -> bool:
    """Start this process's checkpoint thread (once); False where there is nothing to do."""
    path = _database_file()
    interval_ms = int(settings.SQLITE_CHECKPOINT_INTERVAL_MS)
    if path is None or interval_ms <= 0 or _started.is_set():
        return False
    _started.set()
    connection_created.connect(_raise_autocheckpoint, dispatch_uid="civicgate_wal_checkpoints")
    # A connection this process opened already keeps the default; close it so the next
    # request opens one with the raised threshold.
    connections[DEFAULT_DB_ALIAS].close()
    threading.Thread(
        target=_run, args=(path, interval_ms / 1000), name="sqlite-checkpoints", daemon=True
    ).start()
    return True
