"""On a SQLite file database, busy writers wait in line instead of polling for the lock.

SQLite lets one writer in at a time; the others sleep in its busy handler ever longer between
tries (up to 100 ms), so under a burst (a queue at a gate, two hundred citizens pressing Book
at once) the slowest answers are those sleeps. Writers that go through writers_in_line() or
write_transaction() queue on one lock file next to the database instead, and the next starts
the moment the last one commits. Other writers of the database still poll as before.
PostgreSQL needs none of this: its row locks queue the writers of one row.
"""

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

_lock = threading.Lock()
_files: dict[tuple[int, str], Any] = {}


def _take_turn(connection: Any) -> Callable[[], None] | None:
    """Wait for the database's writer queue; the function that lets the next writer in, or
    None where there is no queue (not SQLite, in memory, or already inside a transaction)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block or connection.is_in_memory_db():
        return None
    path = f"{connection.settings_dict['NAME']}.write-lock"
    # Opened in each process: a file inherited through fork would share its lock with the parent.
    key = (os.getpid(), path)
    _lock.acquire()
    try:
        lock_file = _files.get(key)
        if lock_file is None:
            lock_file = _files[key] = Path(path).open("a+b")  # noqa: SIM115
        fcntl.flock(lock_file, fcntl.LOCK_EX)
    except BaseException:
        _lock.release()
        raise
    released = False

    def let_next_in() -> None:
        nonlocal released
        if not released:
            released = True
            fcntl.flock(lock_file, fcntl.LOCK_UN)
            _lock.release()

    return let_next_in


@contextmanager
def writers_in_line() -> Iterator[None]:
    """Hold the database's writer queue for the transaction opened inside this block."""
    let_next_in = _take_turn(connections[DEFAULT_DB_ALIAS])
    try:
        yield
    finally:
        if let_next_in is not None:
            let_next_in()


@contextmanager
def write_transaction() -> Iterator[None]:
    """transaction.atomic() in the database's writer queue, which moves on the moment the
    transaction commits: the transaction's on_commit callbacks (a new pass's tout check reads
    the visitor's recent passes) run after the next writer has started."""
    let_next_in = _take_turn(connections[DEFAULT_DB_ALIAS])
    try:
        with transaction.atomic():
            if let_next_in is not None:
                transaction.on_commit(let_next_in)
            yield
    finally:
        if let_next_in is not None:
            let_next_in()
