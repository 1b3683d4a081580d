"""Audit records cannot be changed or deleted: not by the ORM, not by SQL, not by many writers."""

import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from civicgate.audit.chain import record, verify_chain
from civicgate.audit.guard import missing_triggers
from civicgate.audit.models import AuditRecord
from civicgate.audit.tests.conftest import raw


def test_the_database_refuses_an_update(six_records: list[AuditRecord]) -> None:
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        raw("UPDATE audit_auditrecord SET actor_label = %s WHERE seq = 2", ["mallory"])

    assert AuditRecord.objects.get(seq=2).actor_label == "nightly job"


def test_the_database_refuses_a_delete(six_records: list[AuditRecord]) -> None:
    with pytest.raises(DatabaseError, match="cannot be"), transaction.atomic():
        raw("DELETE FROM audit_auditrecord WHERE seq = 2")

    assert AuditRecord.objects.count() == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_the_database_refuses_a_truncate(six_records: list[AuditRecord]) -> None:
    with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
        raw("TRUNCATE audit_auditrecord")

    assert AuditRecord.objects.count() == 6


def test_the_migrated_database_has_every_trigger(db: None) -> None:
    assert missing_triggers(connection) == set()


def test_the_orm_refuses_bulk_updates_and_deletes(six_records: list[AuditRecord]) -> None:
    with pytest.raises(PermissionError):
        AuditRecord.objects.filter(seq=2).update(actor_label="mallory")
    with pytest.raises(PermissionError):
        AuditRecord.objects.all().delete()

    assert AuditRecord.objects.count() == 6


def test_the_orm_refuses_to_save_or_delete_one_record(six_records: list[AuditRecord]) -> None:
    entry = AuditRecord.objects.get(seq=3)
    entry.action = "test.rewritten"

    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()

    assert AuditRecord.objects.get(seq=3).action == "test.step_3"
    assert verify_chain() == (6, [])


@pytest.mark.django_db(transaction=True)
def test_only_a_whole_database_flush_empties_the_trail() -> None:
    for n in range(3):
        record("test.before_flush", data={"n": n})

    call_command("flush", interactive=False, verbosity=0, stdout=StringIO())

    assert AuditRecord.objects.count() == 0
    record("test.after_flush")
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("DELETE FROM audit_auditrecord")
    assert verify_chain() == (1, [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_many_writers_at_once_keep_one_unbroken_chain() -> None:
    writers, each = 8, 15
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                with transaction.atomic():
                    record("test.concurrent", actor=f"writer {n}", data={"i": i})
        except BaseException as exc:  # reported below, with the thread's own error
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert verify_chain() == (writers * each, [])
    seqs = list(AuditRecord.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * each + 1))


def test_the_guard_does_not_stand_in_the_way_of_new_records(db: Any) -> None:
    first = record("test.one")
    second = record("test.two")

    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash
