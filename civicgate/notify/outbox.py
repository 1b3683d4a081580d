"""Queueing messages: render a template now, insert one row, let the worker send it later.

enqueue() only inserts, so it belongs inside the caller's transaction: if the booking or the
pass is rolled back, so is its message. The words are rendered at enqueue time, so editing a
template later does not change messages already queued.

A booking queues five messages; their templates are read with a statement written once and
built into MessageTemplate instances only when a row differs from the one last built.
"""

from typing import Any

from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone

from civicgate.core.phone import normalize_mobile
from civicgate.notify import whatsapp
from civicgate.notify.models import PLACEHOLDER, Channel, MessageTemplate, OutboundMessage

FALLBACK_LANGUAGE = "en"


class TemplateNotFound(LookupError):
    pass


class MissingPlaceholder(KeyError):
    pass


_table = MessageTemplate._meta.db_table
_fields = MessageTemplate._meta.concrete_fields
# Written out once: the candidates' rows, read as they are (see find_template).
_q = connection.ops.quote_name
_CANDIDATES_SQL = (
    f"SELECT {', '.join(_q(f.column) for f in _fields)} FROM {_q(_table)} "  # noqa: S608
    f"WHERE {_q('key')} = %s AND {_q('channel')} = %s AND {_q('language')} IN (%s, %s)"
)
_LANGUAGE = [f.attname for f in _fields].index("language")
# Each row read, with the template built from it, by id.
_built: dict[int, tuple[tuple[Any, ...], MessageTemplate]] = {}


def find_template(key: str, language: str, channel: str) -> MessageTemplate:
    """The template in language, else the English one.

    One query, without the ORM's building of the statement; a template is built from its row
    once per process and built again whenever any of its columns reads differently.
    """
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES_SQL, [key, channel, language, FALLBACK_LANGUAGE])
        rows = {row[_LANGUAGE]: row for row in cursor.fetchall()}
    row = rows.get(language) or rows.get(FALLBACK_LANGUAGE)
    if row is None:
        raise TemplateNotFound(f"No {channel} template {key!r} in {language!r} or English.")
    built = _built.get(row[0])
    if built is not None and built[0] == row:
        return built[1]
    tmpl = MessageTemplate.from_db(connection.alias, [f.attname for f in _fields], _values(row))
    _built[row[0]] = (row, tmpl)
    return tmpl


def _values(row: tuple[Any, ...]) -> list[Any]:
    # As the ORM reads them: each column through its field's converters (SQLite's dates).
    values = list(row)
    for i, field in enumerate(_fields):
        column = field.get_col(_table)
        for convert in [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]:
            values[i] = convert(values[i], column, connection)
    return values


def render(text: str, context: dict[str, Any]) -> str:
    """Replace each {name} by str(context[name]); a name missing from context is an error."""

    def value(match: Any) -> str:
        name = match.group(1)
        if name not in context:
            raise MissingPlaceholder(f"The message needs {{{name}}}, which was not given.")
        return str(context[name])

    return PLACEHOLDER.sub(value, text)


def normalize_recipient(channel: str, recipient: str) -> str:
    if channel == Channel.EMAIL:
        address = (recipient or "").strip()
        validate_email(address)
        return address
    return normalize_mobile(recipient)


def _whatsapp_message(tmpl: MessageTemplate, body: str, context: dict[str, Any]) -> dict[str, Any]:
    if not tmpl.whatsapp_template:
        return whatsapp.text(body)
    parameters = [render(f"{{{name}}}", context) for name in tmpl.whatsapp_parameter_names()]
    button = None
    if tmpl.whatsapp_button_parameter:
        button = render(f"{{{tmpl.whatsapp_button_parameter}}}", context)
    return whatsapp.template(tmpl.whatsapp_template, tmpl.language, parameters, button)


def enqueue(
    channel: str,
    recipient: str,
    template_key: str,
    context: dict[str, Any],
    language: str = "en",
    *,
    payload: dict[str, Any] | None = None,
) -> OutboundMessage:
    """Queue one message to recipient built from the template template_key.

    recipient: an Indian mobile number for SMS and WhatsApp, an address for e-mail.
    payload: WhatsApp only, a message object from civicgate.notify.whatsapp (buttons, a list)
    sent instead of the template's words; template_key may then be empty.

    Raises ValidationError for a bad recipient, TemplateNotFound, MissingPlaceholder, and
    ValueError for a payload WhatsApp would refuse.
    """
    if channel not in Channel.values:
        raise ValueError(f"Unknown channel {channel!r}.")
    address = normalize_recipient(channel, recipient)
    if payload is not None and channel != Channel.WHATSAPP:
        raise ValueError("Only WhatsApp messages take a payload.")
    subject = body = ""
    stored: dict[str, Any] = {}
    used_language = language
    if template_key:
        tmpl = find_template(template_key, language, channel)
        used_language = tmpl.language
        subject = render(tmpl.subject, context)
        body = render(tmpl.body, context)
        if channel == Channel.SMS:
            stored = {"dlt_template_id": tmpl.dlt_template_id}
        elif channel == Channel.WHATSAPP and payload is None:
            stored = {"message": _whatsapp_message(tmpl, body, context)}
    elif payload is None:
        raise ValueError("A message needs a template key or a WhatsApp payload.")
    if payload is not None:
        stored = {"message": whatsapp.check_message(payload)}
        body = body or whatsapp.summary(payload)
    if not body:
        raise ValueError("The message is empty.")
    return OutboundMessage.objects.create(
        channel=channel,
        recipient=address,
        template_key=template_key,
        language=used_language,
        subject=subject[:200],
        body=body,
        payload=stored,
        state=OutboundMessage.State.QUEUED,
        next_attempt_at=timezone.now(),
    )
