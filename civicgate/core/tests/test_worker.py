"""A server process's preparation: WAL checkpoints off the request path, start-up objects
frozen out of the garbage collector's walks."""

import gc
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from civicgate.core import sqlite_checkpoint, worker


def _wal_database(path: Path, rows: int) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # only our checkpoints copy pages back
    db.execute("CREATE TABLE scan (id INTEGER PRIMARY KEY, body TEXT)")
    for n in range(rows):
        db.execute("INSERT INTO scan (body) VALUES (?)", (f"scan {n}" * 20,))
    return db


def test_a_checkpoint_copies_the_whole_log_back_into_the_database(tmp_path: Path) -> None:
    path = tmp_path / "gate.sqlite3"
    writer = _wal_database(path, rows=200)
    assert (tmp_path / "gate.sqlite3-wal").stat().st_size > 0

    busy, log_frames, copied = sqlite_checkpoint.checkpoint_once(str(path))

    assert busy == 0
    assert log_frames > 0
    assert copied == log_frames
    writer.close()


def test_a_checkpoint_does_not_wait_for_a_writer_in_the_middle_of_a_transaction(
    tmp_path: Path,
) -> None:
    path = tmp_path / "gate.sqlite3"
    writer = _wal_database(path, rows=50)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO scan (body) VALUES ('in flight')")

    # PASSIVE: copies what is committed and returns at once, the writer keeps its lock.
    busy, log_frames, copied = sqlite_checkpoint.checkpoint_once(str(path))

    assert busy == 0 and copied == log_frames
    writer.execute("COMMIT")
    assert writer.execute("SELECT count(*) FROM scan").fetchone()[0] == 51
    writer.close()


@pytest.mark.django_db
def test_behind_the_thread_a_workers_connections_checkpoint_only_as_a_safety_net(
    settings: Any,
) -> None:
    settings.SQLITE_WAL_AUTOCHECKPOINT_BEHIND_THREAD = 12345
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")

    sqlite_checkpoint._raise_autocheckpoint(sender=None, connection=connection)

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 12345


@pytest.mark.django_db
def test_there_is_no_checkpoint_thread_without_a_database_file() -> None:
    # The test database lives in memory (SQLite) or on a server (PostgreSQL).
    assert sqlite_checkpoint.start() is False


@pytest.fixture
def unfreeze() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.django_db
def test_a_prepared_worker_has_its_start_up_objects_out_of_the_collectors_way(
    unfreeze: None,
) -> None:
    gc.unfreeze()

    worker.prepare()

    assert gc.get_freeze_count() > 10_000
    # And the views are imported: resolving a URL imports nothing new.
    from django.urls import resolve

    assert resolve("/api/v1/gate/scans").func is not None
