"""The SQLite write-ahead log copied back by a server thread, not by the commit of a request."""

import fcntl
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from civicgate.core import checkpoints


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "wal.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE scan (id INTEGER PRIMARY KEY, code TEXT)")
    db.close()  # the last connection to close copies the log back: the table is in the file
    yield path


def write(path: Path, rows: int) -> sqlite3.Connection:
    """Rows committed to the log only; the connection stays open (its close would checkpoint)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA wal_autocheckpoint=0")
    for n in range(rows):
        db.execute("INSERT INTO scan (code) VALUES (?)", [f"P{n:05d}"])
    return db


def rows_in_main_file(path: Path, tmp_path: Path) -> int:
    """Rows in the database file alone, without its log."""
    copy = tmp_path / "main-only.sqlite3"
    copy.write_bytes(path.read_bytes())
    with sqlite3.connect(copy) as db:
        return int(db.execute("SELECT count(*) FROM scan").fetchone()[0])


def test_a_checkpoint_copies_the_committed_log_into_the_database_file(
    database: Path, tmp_path: Path
) -> None:
    writer = write(database, 200)
    assert rows_in_main_file(database, tmp_path) == 0

    with sqlite3.connect(database) as db:
        busy, logged, copied = checkpoints.checkpoint(db)

    assert busy == 0 and logged > 0 and copied == logged
    assert rows_in_main_file(database, tmp_path) == 200
    writer.close()


def test_the_thread_checkpoints_while_it_holds_the_lock_and_waits_while_another_does(
    database: Path, tmp_path: Path
) -> None:
    writer = write(database, 50)
    stop = threading.Event()
    with Path(f"{database}.checkpoint-lock").open("a+b") as other_process:
        fcntl.flock(other_process, fcntl.LOCK_EX)
        thread = threading.Thread(target=checkpoints.run, args=(database, 0.02, stop))
        thread.start()
        stop.wait(0.2)
        assert rows_in_main_file(database, tmp_path) == 0  # the other holder checkpoints
        fcntl.flock(other_process, fcntl.LOCK_UN)

    for _ in range(100):
        if rows_in_main_file(database, tmp_path) == 50:
            break
        stop.wait(0.02)
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    assert rows_in_main_file(database, tmp_path) == 50
    writer.close()


@pytest.mark.django_db
def test_no_thread_for_a_database_in_memory_or_when_switched_off() -> None:
    # The test database is SQLite in memory, or PostgreSQL: nothing to checkpoint.
    assert checkpoints.start() is None
    with override_settings(SQLITE_CHECKPOINT_MILLISECONDS=0):
        assert checkpoints.start() is None
