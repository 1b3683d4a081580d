"""On a SQLite file database, busy writers wait in line instead of polling for the lock.

SQLite lets one writer in at a time; the others sleep in its busy handler ever longer between
tries (up to 100 ms), so under a burst (a queue at a gate, two hundred citizens pressing Book
at once) the slowest answers are those sleeps. Writers that go through writers_in_line() queue
on one lock file next to the database instead, and the next starts the moment the last one
commits. Other writers of the database still poll as before. PostgreSQL needs none of this:
its row locks queue the writers of one row.
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
def writers_in_line() -> Iterator[None]:
    """Hold the database's writer queue for the transaction opened inside this block."""
    connection: Any = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite" or connection.in_atomic_block or connection.is_in_memory_db():
        yield
        return
    path = f"{connection.settings_dict['NAME']}.write-lock"
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
