"""One web chat turn in a few SQL statements: the common case of the chat API, made cheap.

A web conversation is answered by the request that brings its message. When nobody else
holds the conversation and no earlier message of it waits, the turn is, in one transaction:

- a new conversation: INSERT the conversation; a continuing one: one conditional UPDATE that
  takes the conversation's lock (only when it is free and no message of it waits) and
  returns the conversation's row;
- the dialogue in memory (engine.respond, as processing.compute_turn does for every channel);
- INSERT the citizen's message, already answered; INSERT all the replies in one statement;
  UPDATE the conversation's state, releasing the lock in the same statement. On PostgreSQL
  these three are one statement (a data-modifying WITH), on SQLite three.

SQL is written once per model and database and values are prepared by the model fields
themselves (encryption, JSON, dates), so what is stored is what the ORM would store. Anything
out of the ordinary (the conversation busy or unknown, a message waiting, an error in the
dialogue) rolls back and returns None: the caller then takes the general path of
processing.receive_and_answer, which queues, retries and waits for the lock.
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
from civicgate.chatbot.processing import LEASE, compute_turn, new_token
from civicgate.core.fields import EncryptedTextField

logger = logging.getLogger(__name__)

# The columns the end of a turn writes: those processing._answer saves, and the lock.
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
    with db.cursor() as cursor:
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
        _sql[key] = (
            f"UPDATE {_q(table)} SET {_q('locked_until')} = %s, {_q('lock_token')} = %s "  # noqa: S608
            f"WHERE {_q('web_token')} = %s AND {_q('channel')} = %s "
            f"AND ({_q('locked_until')} IS NULL OR {_q('locked_until')} < %s) "
            f"AND NOT EXISTS (SELECT 1 FROM {_q(messages)} m "
            f"WHERE m.{_q('conversation_id')} = {_q(table)}.{_q('id')} "
            f"AND m.{_q('direction')} = %s AND m.{_q('state')} IN (%s, %s)) "
            f"RETURNING {', '.join(_q(f.column) for f in fields)}",
            fields,
        )
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


def _claim(web_token: str, lock_token: str, now: datetime) -> Conversation | None:
    """Take a free web conversation with nothing waiting, in one statement; None otherwise."""
    db = _db()
    sql, fields = _claim_sql()
    prep = db.ops.adapt_datetimefield_value
    with db.cursor() as cursor:
        cursor.execute(
            sql,
            [
                prep(now + LEASE),
                lock_token,
                web_token,
                Channel.WEB.value,
                prep(now),
                Message.Direction.IN.value,
                Message.State.QUEUED.value,
                Message.State.PROCESSING.value,
            ],
        )
        row = cursor.fetchone()
    return None if row is None else _row_to_conversation(fields, row)


def _state_statement(
    conversation: Conversation, lock_token: str | None, now: datetime
) -> tuple[str, list[Any]]:
    """The UPDATE storing the conversation's dialogue state and releasing its lock."""
    db = _db()
    by_name = {f.name: f for f in Conversation._meta.concrete_fields}
    fields = [by_name[name] for name in STATE_COLUMNS]
    key = (db.vendor, f"state:{lock_token is not None}")
    if key not in _sql:
        sets = ", ".join(f"{_q(f.column)} = %s" for f in fields)
        sql = f"UPDATE {_q(Conversation._meta.db_table)} SET {sets}"  # noqa: S608
        if lock_token is not None:
            sql += f", {_q('locked_until')} = NULL, {_q('lock_token')} = ''"
        sql += f" WHERE {_q('id')} = %s"
        if lock_token is not None:
            sql += f" AND {_q('lock_token')} = %s"
        _sql[key] = sql
    conversation.last_activity_at = now
    conversation.idle_prompted = False
    conversation.updated_at = now
    params = [f.get_db_prep_save(getattr(conversation, f.attname), db) for f in fields]
    params.append(conversation.pk)
    if lock_token is not None:
        params.append(lock_token)
    return str(_sql[key]), params


def _save_state(conversation: Conversation, lock_token: str | None, now: datetime) -> None:
    """Store the conversation's dialogue state and release its lock, in one statement."""
    sql, params = _state_statement(conversation, lock_token, now)
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount != 1:
            raise _Fallback("The conversation's lock was lost.")


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


# In one statement with the citizen's message (PostgreSQL): the replies take its new id.
_INBOUND_ID = object()


def _messages_statement(
    rows: list[dict[str, Any]], now: datetime, *, returning: bool
) -> tuple[str, list[Any]]:
    """The INSERT of messages given as {attname: value} (the rest take the model's defaults),
    stored as Message.objects.create() would store them. With in_reply_to_id _INBOUND_ID the
    rows are selected from the statement's "inbound" part (see _save_turn), so that the
    citizen's message takes its id first and the replies follow it."""
    db = _db()
    params: list[Any] = []
    from_inbound = rows[0].get("in_reply_to_id") is _INBOUND_ID
    for row in rows:
        row.setdefault("created_at", now)
        row.setdefault("updated_at", now)
        for attname, f, prepared, default in _message_columns():
            value = row.get(attname, default)
            if value is _INBOUND_ID:
                continue
            if value is default and callable(default):
                value = default()
            params.append(f.get_db_prep_save(value, db) if prepared else value)
    key = (db.vendor, f"insert-messages:{len(rows)}:{returning}:{from_inbound}")
    if key not in _sql:
        columns = _message_columns()
        names = ", ".join(_q(f.column) for _a, f, _p, _d in columns)
        sql = f"INSERT INTO {_q(Message._meta.db_table)} ({names}) "
        if from_inbound:
            # Typed, since a UNION of SELECTs does not take the columns' types.
            select = ", ".join(
                'inbound."id"' if attname == "in_reply_to_id" else f"CAST(%s AS {f.db_type(db)})"
                for attname, f, _p, _d in columns
            )
            sql += " UNION ALL ".join([f"SELECT {select} FROM inbound"] * len(rows))  # noqa: S608
        else:
            marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
            sql += "VALUES " + ", ".join([marks] * len(rows))
        if returning:
            sql += f" RETURNING {_q('id')}"
        _sql[key] = sql
    return str(_sql[key]), params


def _insert_messages(rows: list[dict[str, Any]], now: datetime, *, returning: bool) -> int | None:
    sql, params = _messages_statement(rows, now, returning=returning)
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0]) if returning else None


def _save_turn(
    conversation: Conversation,
    lock_token: str | None,
    now: datetime,
    inbound: dict[str, Any],
    replies: list[dict[str, Any]],
) -> None:
    """Store the citizen's message, the replies and the conversation's state (releasing its
    lock): in one statement on PostgreSQL (data-modifying WITH), else in three."""
    db = _db()
    if db.vendor != "postgresql":
        inbound_id = _insert_messages([inbound], now, returning=True)
        if replies:
            for reply in replies:
                reply["in_reply_to_id"] = inbound_id
            _insert_messages(replies, now, returning=False)
        _save_state(conversation, lock_token, now)
        return
    inbound_sql, params = _messages_statement([inbound], now, returning=True)
    parts = [f"inbound AS ({inbound_sql})"]
    if replies:
        for reply in replies:
            reply["in_reply_to_id"] = _INBOUND_ID
        replies_sql, replies_params = _messages_statement(replies, now, returning=False)
        parts.append(f"replies AS ({replies_sql})")
        params += replies_params
    state_sql, state_params = _state_statement(conversation, lock_token, now)
    parts.append(f"saved AS ({state_sql} RETURNING 1)")
    params += state_params
    sql = f"WITH {', '.join(parts)} SELECT (SELECT count(*) FROM saved)"  # noqa: S608
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.fetchone()[0] != 1:
            raise _Fallback("The conversation's lock was lost.")


def _reply_row(
    conversation: Conversation, reply: Reply, intent: str, confidence: float
) -> dict[str, Any]:
    # As channels.deliver stores a bot's reply.
    return {
        "conversation_id": conversation.pk,
        "direction": Message.Direction.OUT.value,
        "sender": Message.Sender.BOT.value,
        "text": reply.text,
        "payload": {
            "choices": [
                {"id": c.id, "title": c.title, "description": c.description} for c in reply.choices
            ],
            "image_url": reply.image_url,
        },
        "language": conversation.language,
        "intent": intent,
        "confidence": confidence,
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
    lock_token = new_token()
    try:
        with transaction.atomic():
            now = timezone.now()
            if web_token is None:
                if start is None:
                    raise ValueError("A new conversation needs start().")
                conversation = start()
                held: str | None = None
            else:
                found = _claim(web_token, lock_token, now)
                if found is None:
                    return None
                conversation, held = found, lock_token
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
            replies = [
                _reply_row(conversation, r, turn.intent, turn.confidence) for r in turn.replies
            ]
            _save_turn(conversation, held, now, inbound, replies)
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
