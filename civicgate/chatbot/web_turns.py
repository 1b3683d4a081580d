"""One web chat turn in a few SQL statements: the common case of the chat API, made cheap.

A web conversation is answered by the request that brings its message. When nobody else
holds the conversation and no earlier message of it waits, the turn is, in one transaction:

- a new conversation: INSERT the conversation; a continuing one: one SELECT that reads the
  conversation's row only when no lease is held on it and no message of it waits, and locks
  the row (FOR UPDATE on PostgreSQL; on SQLite the write transaction, BEGIN IMMEDIATE, already
  excludes every other writer) until the transaction ends. Anyone else who wants the
  conversation (processing.claim, another request's SELECT) waits for that row lock and then
  sees the turn done, so the one-pass turn needs no lease of its own;
- the dialogue in memory (engine.respond, as processing.compute_turn does for every channel);
- INSERT the citizen's message, already answered; INSERT all the replies in one statement;
  UPDATE the conversation's state (clearing a lease that ran out). On PostgreSQL these three
  are one statement (a data-modifying WITH), on SQLite three.

SQL is written once per model and database and values are prepared by the model fields
themselves (encryption, JSON, dates), so what is stored is what the ORM would store. On
PostgreSQL the parameters are bound by the server and each statement is prepared once per
connection: parsed and planned once rather than for every message, and no parameter is
quoted into the SQL text. Anything out of the ordinary (the conversation busy or unknown, a
message waiting, an error in the dialogue) rolls back and returns None: the caller then takes
the general path of processing.receive_and_answer, which queues, retries and waits for the
lock.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateTimeField, Field, JSONField, Model
from django.utils import timezone

from civicgate.accounts.models import Citizen
from civicgate.chatbot import actions
from civicgate.chatbot.flows.base import Incoming, Reply
from civicgate.chatbot.models import Channel, Conversation, Message
from civicgate.chatbot.processing import compute_turn
from civicgate.core.fields import EncryptedTextField
from civicgate.core.prepared import cursor as _cursor
from civicgate.core.writers import writers_in_line

logger = logging.getLogger(__name__)

# The columns the end of a turn writes: those processing._answer saves (and a lapsed lease).
STATE_COLUMNS = (
    "state",
    "language",
    "language_chosen",
    "mobile",
    "mobile_index",
    "citizen",
    "last_activity_at",
    "idle_prompted",
    "updated_at",
)


@dataclass(frozen=True)
class WebTurn:
    conversation: Conversation
    replies: list[Reply]
    intent: str
    confidence: float


class _Fallback(Exception):
    """The one-pass turn does not apply; roll back and take the general path."""


# -- SQL written once ------------------------------------------------------------------------
_sql: dict[tuple[str, str], Any] = {}


def _db() -> BaseDatabaseWrapper:
    # The connection itself: each attribute read through django.db.connection is a look-up.
    return connections[DEFAULT_DB_ALIAS]


def _q(name: str) -> str:
    return _db().ops.quote_name(name)


def _concrete(model: type[Model]) -> list[Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _insert_sql(model: type[Model], rows: int, returning: bool) -> str:
    db = _db()
    key = (db.vendor, f"insert:{model._meta.db_table}:{rows}:{returning}")
    if key not in _sql:
        fields = _concrete(model)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {_q(model._meta.db_table)} "  # noqa: S608 (names from the model)
            f"({', '.join(_q(f.column) for f in fields)}) VALUES {', '.join([row] * rows)}"
        )
        if returning:
            sql += f" RETURNING {_q(str(model._meta.pk.column))}"
        _sql[key] = sql
    return str(_sql[key])


def _insert(objs: Sequence[Model], *, returning: bool = False) -> int | None:
    """INSERT objs (all of one model) in one statement, as Model.save() would store them;
    with returning, the new primary key of the first (the only) row, set on it."""
    db = _db()
    model = type(objs[0])
    fields = _concrete(model)
    params: list[Any] = []
    for obj in objs:
        for f in fields:
            params.append(f.get_db_prep_save(f.pre_save(obj, True), db))
    with _cursor() as cursor:
        cursor.execute(_insert_sql(model, len(objs), returning), params)
        if not returning:
            return None
        pk = int(cursor.fetchone()[0])
    obj = objs[0]
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = db.alias
    return pk


def _claim_sql() -> tuple[str, list[Field[Any, Any]]]:
    db = _db()
    key = (db.vendor, "claim")
    if key not in _sql:
        table, messages = Conversation._meta.db_table, Message._meta.db_table
        fields = list(Conversation._meta.concrete_fields)
        # The channel, direction and states are written into the text, not bound: the
        # waiting check then matches the partial index of waiting messages
        # (chat_msg_waiting_idx, nearly empty), whatever plan a prepared statement keeps.
        sql = (
            f"SELECT {', '.join(_q(f.column) for f in fields)} FROM {_q(table)} "  # noqa: S608
            f"WHERE {_q('web_token')} = %s AND {_q('channel')} = '{Channel.WEB.value}' "
            f"AND ({_q('locked_until')} IS NULL OR {_q('locked_until')} < %s) "
            f"AND NOT EXISTS (SELECT 1 FROM {_q(messages)} m "
            f"WHERE m.{_q('conversation_id')} = {_q(table)}.{_q('id')} "
            f"AND m.{_q('direction')} = '{Message.Direction.IN.value}' "
            f"AND m.{_q('state')} IN ('{Message.State.QUEUED.value}', "
            f"'{Message.State.PROCESSING.value}'))"
        )
        if db.features.has_select_for_update:
            sql += " FOR UPDATE"
        _sql[key] = (sql, fields)
    sql, fields = _sql[key]
    return str(sql), list(fields)


def _converters() -> list[tuple[Any, list[Any]]]:
    """For each column of Conversation, its expression and the converters the ORM applies to
    what it reads."""
    db = _db()
    key = (db.vendor, "converters")
    if key not in _sql:
        table = Conversation._meta.db_table
        converters = []
        for f in Conversation._meta.concrete_fields:
            column = f.get_col(table)
            converters.append(
                (
                    column,
                    db.ops.get_db_converters(column) + column.get_db_converters(db),
                )
            )
        _sql[key] = converters
    return list(_sql[key])


def _row_to_conversation(fields: list[Field[Any, Any]], row: Sequence[Any]) -> Conversation:
    """A Conversation from a row of its columns, through the converters the ORM applies."""
    db = _db()
    values = []
    for (column, converters), value in zip(_converters(), row, strict=True):
        for converter in converters:
            value = converter(value, column, db)
        values.append(value)
    return Conversation.from_db(db.alias, [f.attname for f in fields], values)


def _claim(web_token: str, now: datetime) -> Conversation | None:
    """Read and lock a web conversation nobody holds and with nothing waiting, in one
    statement; None otherwise."""
    db = _db()
    sql, fields = _claim_sql()
    prep = db.ops.adapt_datetimefield_value
    with _cursor() as cursor:
        cursor.execute(sql, [web_token, prep(now)])
        row = cursor.fetchone()
    return None if row is None else _row_to_conversation(fields, row)


def _state_statement(conversation: Conversation, now: datetime) -> tuple[str, list[Any]]:
    """The UPDATE storing the conversation's dialogue state; a lease that ran out is cleared
    with it (the turn read the row only when no lease was held)."""
    db = _db()
    by_name = {f.name: f for f in Conversation._meta.concrete_fields}
    fields = [by_name[name] for name in STATE_COLUMNS]
    key = (db.vendor, "state")
    if key not in _sql:
        sets = ", ".join(f"{_q(f.column)} = %s" for f in fields)
        _sql[key] = (
            f"UPDATE {_q(Conversation._meta.db_table)} SET {sets}, "  # noqa: S608
            f"{_q('locked_until')} = NULL, {_q('lock_token')} = '' WHERE {_q('id')} = %s"
        )
    conversation.last_activity_at = now
    conversation.idle_prompted = False
    conversation.updated_at = now
    params = [f.get_db_prep_save(getattr(conversation, f.attname), db) for f in fields]
    params.append(conversation.pk)
    return str(_sql[key]), params


def _save_state(conversation: Conversation, now: datetime) -> None:
    """Store the conversation's dialogue state, in one statement."""
    sql, params = _state_statement(conversation, now)
    with _cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise _Fallback("The conversation is gone.")


def _message_columns() -> list[tuple[str, Any, bool, Any]]:
    """Per column of Message: attname, the field, whether its value needs the field's
    preparation (encryption, JSON, dates), and its default (a callable is called per row)."""
    key = ("", "message-columns")
    if key not in _sql:
        columns = []
        for f in _concrete(Message):
            prepared = isinstance(f, EncryptedTextField | JSONField | DateTimeField)
            # As Field.get_default(): no default is NULL where allowed, else "".
            default = f.default if f.has_default() else (None if f.null else "")
            columns.append((f.attname, f, prepared, default))
        _sql[key] = columns
    return list(_sql[key])


def _messages_statement(
    rows: list[dict[str, Any]], now: datetime, *, returning: str = ""
) -> tuple[str, list[Any]]:
    """The INSERT of messages given as {attname: value} (the rest take the model's defaults),
    stored as Message.objects.create() would store them; returning: the columns to return."""
    db = _db()
    params: list[Any] = []
    for row in rows:
        row.setdefault("created_at", now)
        row.setdefault("updated_at", now)
        params += _prepared_values(row, _message_columns())
    key = (db.vendor, f"insert-messages:{len(rows)}:{returning}")
    if key not in _sql:
        columns = _message_columns()
        names = ", ".join(_q(f.column) for _a, f, _p, _d in columns)
        marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = f"INSERT INTO {_q(Message._meta.db_table)} ({names}) VALUES "  # noqa: S608
        sql += ", ".join([marks] * len(rows))
        if returning:
            sql += f" RETURNING {returning}"
        _sql[key] = sql
    return str(_sql[key]), params


def _prepared_values(row: dict[str, Any], columns: list[tuple[str, Any, bool, Any]]) -> list[Any]:
    db = _db()
    values = []
    for attname, f, prepared, default in columns:
        value = row.get(attname, default)
        if value is default and callable(default):
            value = default()
        values.append(f.get_db_prep_save(value, db) if prepared else value)
    return values


# The replies of a turn, stored in one statement with the citizen's message (PostgreSQL):
# the columns that change from reply to reply are bound for each, those every reply shares
# with the citizen's message are read from its new row, the rest are bound once. So the
# statement's text and its parameters stay short (psycopg keeps the converted text of a
# statement with at most 50 parameters and 4 kB).
PER_REPLY = ("code", "text", "payload")
FROM_INBOUND = {
    "conversation_id": "conversation_id",
    "language": "language",
    "intent": "intent",
    "confidence": "confidence",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "in_reply_to_id": "id",
}


def _replies_statement(replies: list[dict[str, Any]]) -> tuple[str, list[Any]]:
    """The INSERT of replies (as _messages_statement's rows, without the keys the citizen's
    message gives them) selected from the statement's "inbound" part: see _save_turn."""
    db = _db()
    columns = _message_columns()
    shared = [c for c in columns if c[0] not in PER_REPLY and c[0] not in FROM_INBOUND]
    own = [c for c in columns if c[0] in PER_REPLY]
    params = _prepared_values(replies[0], shared)
    for reply in replies:
        params += _prepared_values(reply, own)
    key = (db.vendor, f"insert-replies:{len(replies)}")
    if key not in _sql:
        names = ", ".join(_q(f.column) for _a, f, _p, _d in columns)
        select = ", ".join(
            f"r.{_q(f.column)}"
            if attname in PER_REPLY
            else f"inbound.{_q(FROM_INBOUND[attname])}"
            if attname in FROM_INBOUND
            else f"CAST(%s AS {f.db_type(db)})"
            for attname, f, _p, _d in columns
        )
        row = ", ".join(f"CAST(%s AS {f.db_type(db)})" for _a, f, _p, _d in own)
        rows = ", ".join(f"({row}, {n})" for n in range(len(replies)))
        own_names = ", ".join(_q(f.column) for _a, f, _p, _d in own)
        _sql[key] = (
            f"INSERT INTO {_q(Message._meta.db_table)} ({names}) "  # noqa: S608
            f"SELECT {select} FROM inbound, (VALUES {rows}) AS r({own_names}, n) ORDER BY r.n"
        )
    return str(_sql[key]), params


def _insert_messages(rows: list[dict[str, Any]], now: datetime, *, returning: bool) -> int | None:
    sql, params = _messages_statement(rows, now, returning=_q("id") if returning else "")
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0]) if returning else None


def _save_turn(
    conversation: Conversation,
    now: datetime,
    inbound: dict[str, Any],
    replies: list[dict[str, Any]],
) -> None:
    """Store the citizen's message, the replies and the conversation's state: in one
    statement on PostgreSQL (data-modifying WITH), else in three."""
    db = _db()
    if db.vendor != "postgresql":
        inbound_id = _insert_messages([inbound], now, returning=True)
        if replies:
            stored = {**inbound, "id": inbound_id}
            shared = {attname: stored[column] for attname, column in FROM_INBOUND.items()}
            _insert_messages([{**reply, **shared} for reply in replies], now, returning=False)
        _save_state(conversation, now)
        return
    returned = ", ".join(_q(column) for column in sorted(set(FROM_INBOUND.values())))
    inbound_sql, params = _messages_statement([inbound], now, returning=returned)
    parts = [f"inbound AS ({inbound_sql})"]
    if replies:
        replies_sql, replies_params = _replies_statement(replies)
        parts.append(f"replies AS ({replies_sql})")
        params += replies_params
    state_sql, state_params = _state_statement(conversation, now)
    parts.append(f"saved AS ({state_sql} RETURNING 1)")
    params += state_params
    sql = f"WITH {', '.join(parts)} SELECT (SELECT count(*) FROM saved)"  # noqa: S608
    with _cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.fetchone()[0] != 1:
            raise _Fallback("The conversation is gone.")


def _reply_row(reply: Reply) -> dict[str, Any]:
    # As channels.deliver stores a bot's reply; its conversation, language, intent,
    # confidence and times are those of the citizen's message it answers (FROM_INBOUND).
    return {
        "direction": Message.Direction.OUT.value,
        "sender": Message.Sender.BOT.value,
        "text": reply.text,
        "payload": {
            "choices": [
                {"id": c.id, "title": c.title, "description": c.description} for c in reply.choices
            ],
            "image_url": reply.image_url,
        },
    }


def answer(
    web_token: str | None,
    *,
    start: Callable[[], Conversation] | None = None,
    text: str,
    choice: str,
    kind: str,
    client_address: str | None = None,
) -> WebTurn | None:
    """Store and answer one web message in one pass: for the conversation web_token, or for
    a new one made by start() when web_token is None. None when the general path must do it."""
    db = _db()
    if not db.features.can_return_columns_from_insert:
        return None
    # Django checks a kept connection with a SELECT 1 before a request's first statement
    # (CONN_HEALTH_CHECKS), one more round trip for every message. The turn's own first
    # statement is that check: on a connection that died while idle it fails before anything
    # is written, Django drops the connection with the transaction, and the general path
    # answers the message on a new one.
    if db.connection is not None:
        db.health_check_done = True  # type: ignore[attr-defined]
    try:
        # On SQLite each turn is a write transaction: writers queue on the lock file rather
        # than polling for the database's lock (core/writers.py); on PostgreSQL this is nothing.
        with writers_in_line(), transaction.atomic():
            now = timezone.now()
            if web_token is None:
                if start is None:
                    raise ValueError("A new conversation needs start().")
                conversation = start()
            else:
                found = _claim(web_token, now)
                if found is None:
                    return None
                conversation = found
            turn = compute_turn(conversation, Incoming(text=text, choice=choice), client_address)
            inbound = {
                "conversation_id": conversation.pk,
                "direction": Message.Direction.IN.value,
                "sender": Message.Sender.CITIZEN.value,
                "kind": str(kind),
                "text": text[: actions.TEXT_MAX],
                "choice": choice[:200],
                "payload": {},
                "language": conversation.language,
                "state": Message.State.DONE.value,
                "attempts": 1,
                "intent": turn.intent,
                "confidence": turn.confidence,
            }
            replies = [_reply_row(r) for r in turn.replies]
            _save_turn(conversation, now, inbound, replies)
    except _Fallback:
        return None
    except Exception:
        logger.warning("Answering a web chat message in one pass failed.", exc_info=True)
        return None
    return WebTurn(conversation, turn.replies, turn.intent, turn.confidence)


def new_conversation(
    *, language: str = "en", language_chosen: bool = False, citizen: Citizen | None = None
) -> Conversation:
    """A new web conversation stored with one INSERT (see actions.start_web_conversation)."""
    conversation = actions.new_web_conversation(
        language=language, language_chosen=language_chosen, citizen=citizen
    )
    _insert([conversation], returning=True)
    return conversation
