"""Model instances from hand-written SELECTs on the busiest paths.

A gate scan reads its device (with office and gate) and its pass (with visitor, office and host)
in one statement each. Compiling those reads with the ORM on every scan costs more than running
them, so the statements are written once from the models' metadata, and each row is cut back
into instances here: the selected columns, converted as the ORM converts them, the other fields
deferred (as with .only(): reading one loads it).

    DEVICE = Columns(Device, "d")                       # every concrete field
    PASS = Columns(GatePass, "p", ("code", "state"))    # the primary key and these
    sql = f"SELECT {DEVICE.sql}, {PASS.sql} FROM ..."
    device = DEVICE.build(row, 0); gate_pass = PASS.build(row, DEVICE.width)
"""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, signals
from django.db.models.base import ModelState

_Converter = tuple[int, list[Any], Any]


class Columns:
    """Some columns of one model in a hand-written SELECT, and a row's slice back into an
    instance."""

    def __init__(self, model: type[Model], alias: str, names: tuple[str, ...] | None = None):
        meta = model._meta
        self.model, self.alias = model, alias
        # In the model's own order, the primary key among them (build() needs it first).
        fields = [
            f for f in meta.concrete_fields if names is None or f.primary_key or f.name in names
        ]
        if names is not None and len(fields) != len(set(names) | {meta.pk.name}):
            raise ValueError(f"{model.__name__} has no field among some of {names}.")
        if not fields[0].primary_key:
            raise ValueError(f"{model.__name__}'s primary key must be its first field.")
        self.fields: list[Any] = fields
        self.attnames = [field.attname for field in fields]
        self.sql = ", ".join(f'{alias}."{field.column}"' for field in fields)
        self.width = len(fields)
        self._converters: dict[str, list[_Converter]] = {}
        # Instances are made without running Model.__init__ (about half the cost of a read
        # on these paths), which is only sound for a model that does nothing on creation.
        self._plain = model.__init__ is Model.__init__ and not (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        )

    def _converters_for(self, connection: Any) -> list[_Converter]:
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for i, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                funcs = connection.ops.get_db_converters(column) + field.get_db_converters(
                    connection
                )
                if funcs:
                    found.append((i, funcs, column))
            self._converters[connection.vendor] = found
        return found

    def build(self, row: tuple[Any, ...], start: int = 0) -> Any:
        """The instance in row[start:start + width], or None where a LEFT JOIN found nothing."""
        values = list(row[start : start + self.width])
        if values[0] is None:
            return None
        connection = connections[DEFAULT_DB_ALIAS]
        for i, funcs, column in self._converters_for(connection):
            for func in funcs:
                values[i] = func(values[i], column, connection)
        if not self._plain:
            return self.model.from_db(DEFAULT_DB_ALIAS, self.attnames, values)
        instance = self.model.__new__(self.model)
        instance.__dict__.update(zip(self.attnames, values, strict=True))
        state = instance._state = ModelState()
        state.adding, state.db = False, DEFAULT_DB_ALIAS
        return instance
