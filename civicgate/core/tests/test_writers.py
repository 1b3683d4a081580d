"""The SQLite writers' queue: one writer at a time, and the next let in as soon as the last
commits, before the committed transaction's on_commit callbacks run."""

import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from civicgate.core.writers import write_transaction


@pytest.fixture
def file_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    if connection.vendor != "sqlite":
        pytest.skip("The writers' queue is SQLite's.")
    # The queue's lock file lies beside the database file; the test database is in memory.
    name = tmp_path / "db.sqlite3"
    monkeypatch.setitem(connection.settings_dict, "NAME", str(name))
    monkeypatch.setattr(connection, "is_in_memory_db", lambda: False)
    yield Path(f"{name}.write-lock")


def queue_is_free(lock_path: Path) -> bool:
    # Another open file stands for another server process.
    with lock_path.open("a+b") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True


@pytest.mark.django_db(transaction=True)
def test_the_next_writer_goes_in_before_the_committed_ones_callbacks_run(
    file_database: Path,
) -> None:
    seen: dict[str, Any] = {}
    with write_transaction():
        seen["inside"] = queue_is_free(file_database)
        transaction.on_commit(lambda: seen.update(after_commit=queue_is_free(file_database)))
    assert seen == {"inside": False, "after_commit": True}
    assert queue_is_free(file_database)


@pytest.mark.django_db(transaction=True)
def test_a_writer_that_fails_leaves_the_queue_free(file_database: Path) -> None:
    with pytest.raises(RuntimeError), write_transaction():
        raise RuntimeError("refused")
    assert queue_is_free(file_database)
    with write_transaction():
        assert not queue_is_free(file_database)
    assert queue_is_free(file_database)
