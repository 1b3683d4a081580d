from typing import Any

import pytest
from django.db import connection
from django.db.models import signals

from civicgate.core.rows import Columns
from civicgate.org.models import Gate, Office

OFFICE = Columns(Office, "o", ("code", "name"))
GATE = Columns(Gate, "g")
SQL = (
    f"SELECT {OFFICE.sql}, {GATE.sql} FROM org_office o "
    'LEFT OUTER JOIN org_gate g ON g."office_id" = o."id" AND g."code" = %s WHERE o."id" = %s'
)


def read(office: Office, gate_code: str) -> tuple[Any, Any]:
    with connection.cursor() as cursor:
        cursor.execute(SQL, [gate_code, office.pk])
        row = cursor.fetchone()
    return OFFICE.build(row), GATE.build(row, OFFICE.width)


def test_a_row_becomes_saved_instances_with_the_other_fields_deferred(hq: Office) -> None:
    gate = hq.gates.create(code="G9", name="Gate 9")

    office, read_gate = read(hq, "G9")

    assert (office.pk, office.code, office.name) == (hq.pk, hq.code, hq.name)
    assert office.get_deferred_fields() == {
        f.attname for f in Office._meta.concrete_fields if f.name not in ("id", "code", "name")
    }
    assert office.kind == hq.kind  # a deferred field loads when read
    assert read_gate == gate and read_gate.name == "Gate 9" and read_gate.office_id == hq.pk
    assert not read_gate._state.adding and read_gate._state.db == "default"
    assert read_gate.get_deferred_fields() == set()
    read_gate.name = "Gate Nine"
    read_gate.save(update_fields=["name"])
    assert Gate.objects.get(pk=gate.pk).name == "Gate Nine"


def test_a_left_join_that_found_nothing_gives_none(hq: Office) -> None:
    assert read(hq, "nowhere")[1] is None


def test_a_model_that_acts_on_creation_is_built_through_its_init(hq: Office) -> None:
    seen: list[Any] = []

    def created(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    signals.post_init.connect(created, sender=Office)
    try:
        columns = Columns(Office, "o", ("code",))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns.sql} FROM org_office o WHERE o.id = %s", [hq.pk])
            office = columns.build(cursor.fetchone())
    finally:
        signals.post_init.disconnect(created, sender=Office)

    assert seen == [office] and office.code == hq.code


def test_it_refuses_a_field_the_model_does_not_have() -> None:
    with pytest.raises(ValueError, match="no field"):
        Columns(Office, "o", ("code", "colour"))
