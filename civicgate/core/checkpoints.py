"""On a SQLite file database, the write-ahead log is copied back into the database by one
thread of one server process, every SQLITE_CHECKPOINT_MILLISECONDS, instead of by whichever
request happens to commit when the log passes its threshold.

SQLite copies the log back ("checkpoints") on the commit that takes it past
wal_autocheckpoint pages: that request pays for copying a thousand pages and syncing the file,
a pause of milliseconds every few dozen gate scans, while the writers behind it wait. Copied
here every 50 ms, a page written by several commits in that time (the audit chain's head, the
last page of each index) is copied once, and no request waits for it (docs/benchmarks.md:
every 50 ms did about as well as every 100 ms, and better than every 20 ms, 200 ms or 1 s). The connections keep a far higher wal_autocheckpoint
(settings.SQLITE_WAL_AUTOCHECKPOINT) as a safety net, should this thread stop.

The checkpoint is PASSIVE: it copies what no reader still needs and never waits for readers
or writers. Of several server processes, the one holding the lock file next to the database
does the work; when it exits, another takes over at its next tick.
"""

import fcntl
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

_started: list[threading.Thread] = []
_stop = threading.Event()


def start() -> threading.Thread | None:
    """Start this process's checkpoint thread, where the database is a SQLite file and
    SQLITE_CHECKPOINT_MILLISECONDS is above zero; the thread (a daemon), or None."""
    connection: Any = connections[DEFAULT_DB_ALIAS]
    interval = settings.SQLITE_CHECKPOINT_MILLISECONDS / 1000
    if connection.vendor != "sqlite" or connection.is_in_memory_db() or interval <= 0:
        return None
    if _started and _started[0].is_alive():
        return _started[0]
    path = str(connection.settings_dict["NAME"])
    thread = threading.Thread(
        target=run, args=(path, interval, _stop), name="sqlite-checkpoint", daemon=True
    )
    thread.start()
    _started[:] = [thread]
    return thread


def run(path: str, interval: float, stop: threading.Event) -> None:
    """Checkpoint the database at path every interval seconds, while this process holds its
    checkpoint lock, until stop is set."""
    with Path(f"{path}.checkpoint-lock").open("a+b") as lock_file:
        database: sqlite3.Connection | None = None
        while not stop.wait(interval):
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another process checkpoints this database
            try:
                if database is None:
                    database = sqlite3.connect(path, timeout=1, check_same_thread=False)
                checkpoint(database)
            except sqlite3.Error:
                logger.exception("Checkpoint of %s failed; trying again in %ss", path, interval)
                if database is not None:
                    database.close()
                database = None


def checkpoint(database: Any) -> tuple[int, int, int]:
    """One PASSIVE checkpoint: (busy, pages in the log, pages copied back)."""
    busy, logged, copied = database.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return int(busy), int(logged), int(copied)
