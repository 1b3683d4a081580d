"""verify_audit: an untouched trail passes; each kind of tampering is named at the right record."""

import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicgate.audit.chain import _digest, _hashed_fields, record
from civicgate.audit.models import AuditRecord, ChainHead
from civicgate.audit.tests.conftest import raw


def run_verify() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def named(output: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^Record (\d+): (.*)$", output, re.M)}


def test_an_untouched_trail_passes(six_records: list[AuditRecord]) -> None:
    status, output = run_verify()

    assert status == 0
    assert "Checked 6 audit records." in output
    assert named(output) == {}
    assert "The audit trail is intact." in output


def test_an_empty_trail_passes(db: None) -> None:
    status, output = run_verify()

    assert status == 0
    assert "Checked 0 audit records." in output


def test_an_edited_field_is_named_at_its_record(
    six_records: list[AuditRecord], unprotected: None
) -> None:
    raw("UPDATE audit_auditrecord SET actor_label = %s WHERE seq = 3", ["someone else"])

    status, output = run_verify()

    assert status == 1
    assert named(output) == {3: "its contents were edited after it was written"}


def test_a_deleted_record_is_named_by_its_number(
    six_records: list[AuditRecord], unprotected: None
) -> None:
    raw("DELETE FROM audit_auditrecord WHERE seq = 4")

    status, output = run_verify()

    assert status == 1
    assert "Checked 5 audit records." in output
    assert named(output) == {4: "it is missing (deleted)"}


def test_several_deleted_records_are_named_as_one_gap(
    six_records: list[AuditRecord], unprotected: None
) -> None:
    raw("DELETE FROM audit_auditrecord WHERE seq IN (2, 3, 4)")

    status, output = run_verify()

    assert status == 1
    assert named(output) == {2: "records 2 to 4 are missing (deleted)"}


def test_two_swapped_records_are_both_named_as_reordered(
    six_records: list[AuditRecord], unprotected: None
) -> None:
    raw("UPDATE audit_auditrecord SET seq = 1000 WHERE seq = 3")
    raw("UPDATE audit_auditrecord SET seq = 3 WHERE seq = 4")
    raw("UPDATE audit_auditrecord SET seq = 4 WHERE seq = 1000")

    status, output = run_verify()

    assert status == 1
    assert named(output) == {
        3: "it was written as record 4 and renumbered (records reordered)",
        4: "it was written as record 3 and renumbered (records reordered)",
    }


def test_records_swapped_far_apart_are_named_too(
    six_records: list[AuditRecord], unprotected: None
) -> None:
    raw("UPDATE audit_auditrecord SET seq = 1000 WHERE seq = 1")
    raw("UPDATE audit_auditrecord SET seq = 1 WHERE seq = 6")
    raw("UPDATE audit_auditrecord SET seq = 6 WHERE seq = 1000")

    status, output = run_verify()

    assert status == 1
    assert set(named(output)) == {1, 6}


def test_a_record_rewritten_with_a_fresh_hash_is_named(
    six_records: list[AuditRecord], unprotected: None
) -> None:
    entry = AuditRecord.objects.get(seq=2)
    entry.action = "test.innocent"
    forged = _digest(entry.prev_hash, _hashed_fields(entry))
    raw(
        "UPDATE audit_auditrecord SET action = %s, hash = %s WHERE seq = 2",
        ["test.innocent", forged],
    )

    status, output = run_verify()

    assert status == 1
    assert list(named(output)) == [2]
    assert "replaced or rewritten" in named(output)[2]


def test_a_trail_without_its_triggers_fails_even_when_intact(
    six_records: list[AuditRecord], unprotected: None
) -> None:
    status, output = run_verify()

    assert status == 1
    assert named(output) == {}
    assert "is missing: records can be changed." in output


def test_the_command_exits_with_status_1_on_a_break(
    six_records: list[AuditRecord], unprotected: None
) -> None:
    raw("UPDATE audit_auditrecord SET office_code = %s WHERE seq = 5", ["BR-07"])

    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", stdout=StringIO())

    assert caught.value.returncode == 1
    assert "broken in 1 place" in str(caught.value)


def test_the_newest_records_deleted_are_named_by_the_head(
    six_records: list[AuditRecord], unprotected: None
) -> None:
    raw("DELETE FROM audit_auditrecord WHERE seq IN (5, 6)")

    status, output = run_verify()

    assert status == 1
    assert "Checked 4 audit records." in output
    assert named(output) == {5: "records 5 to 6 are missing (deleted)"}


def test_the_newest_record_rewritten_with_a_fresh_hash_is_named_by_the_head(
    six_records: list[AuditRecord], unprotected: None
) -> None:
    entry = AuditRecord.objects.get(seq=6)
    entry.action = "test.innocent"
    forged = _digest(entry.prev_hash, _hashed_fields(entry))
    raw(
        "UPDATE audit_auditrecord SET action = %s, hash = %s WHERE seq = 6",
        ["test.innocent", forged],
    )

    status, output = run_verify()

    assert status == 1
    assert named(output) == {6: "it was replaced or rewritten: the chain's head holds another hash"}


def test_a_missing_head_row_is_named(six_records: list[AuditRecord]) -> None:
    ChainHead.objects.all().delete()

    status, output = run_verify()

    assert status == 1
    assert named(output) == {7: "the chain's head row is missing (run migrate)"}


def test_the_head_follows_every_record_with_the_hash_computed_in_python(
    six_records: list[AuditRecord],
) -> None:
    head = ChainHead.objects.get()
    newest = AuditRecord.objects.get(seq=6)

    assert (head.seq, head.prev_hash, head.hash) == (6, newest.prev_hash, newest.hash)
    for entry in AuditRecord.objects.all():
        assert entry.hash == _digest(entry.prev_hash, _hashed_fields(entry))


def test_a_head_left_behind_the_newest_record_is_named(six_records: list[AuditRecord]) -> None:
    fifth = AuditRecord.objects.get(seq=5)
    ChainHead.objects.update(seq=5, prev_hash=fifth.prev_hash, hash=fifth.hash)

    status, output = run_verify()

    assert status == 1
    assert named(output) == {
        6: "the chain's head is behind: it names record 5, the newest is 6 (run start_head)"
    }


@pytest.mark.django_db
def test_records_with_plain_and_with_converted_data_read_back_as_hashed() -> None:
    plain = record("test.plain", data={"gate": "G1", "offline": False, "count": 3, "note": None})
    converted = record(
        "test.converted",
        data={"on": date(2026, 11, 29), "amount": Decimal("12.50"), "gates": ("G1", "G2")},
    )

    assert converted.data == {"on": "2026-11-29", "amount": "12.50", "gates": ["G1", "G2"]}
    for entry in (plain, converted):
        stored = AuditRecord.objects.get(pk=entry.pk)
        assert stored.data == entry.data
        assert stored.hash == _digest(stored.prev_hash, _hashed_fields(stored))
    assert run_verify()[0] == 0
