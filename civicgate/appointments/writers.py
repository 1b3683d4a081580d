"""On a SQLite file database, booking writers wait in line instead of polling for the lock.

SQLite lets one writer in at a time; the others sleep in its busy handler ever longer between
tries (up to 100 ms), so when two hundred citizens press Book at once the slowest wait in those
sleeps. Here the server's processes queue on a lock file next to the database and the next
writer starts the moment the last one commits (as the gate scans do). PostgreSQL needs none of
this: its row locks queue the writers of one slot.
"""

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

_lock = threading.Lock()
_files: dict[tuple[int, str], Any] = {}


@contextmanager
def in_line() -> Iterator[None]:
    connection: Any = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite" or connection.in_atomic_block or connection.is_in_memory_db():
        yield
        return
    path = f"{connection.settings_dict['NAME']}.booking-lock"
    # Opened in each process: a file inherited through fork would share its lock with the parent.
    key = (os.getpid(), path)
    with _lock:
        lock_file = _files.get(key)
        if lock_file is None:
            lock_file = _files[key] = Path(path).open("a+b")  # noqa: SIM115
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
