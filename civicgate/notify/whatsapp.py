"""WhatsApp Cloud API message objects (the part of the request body after "to").

Each builder returns the "type" and its object exactly as the Graph API expects them, checked
against the API's limits so that a message too long for WhatsApp is refused when it is queued,
not rejected by Meta later. Pass the result as enqueue(..., payload=...).
"""

from collections.abc import Sequence
from typing import Any

TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
BUTTON_TITLE_MAX = 20
BUTTONS_MAX = 3
LIST_ROWS_MAX = 10
LIST_SECTIONS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ID_MAX = 256
MESSAGE_TYPES = ("text", "template", "interactive")


def _check_length(what: str, value: str, limit: int) -> None:
    if not value:
        raise ValueError(f"WhatsApp {what} must not be empty.")
    if len(value) > limit:
        raise ValueError(f"WhatsApp {what} is {len(value)} characters; the limit is {limit}.")


def text(body: str) -> dict[str, Any]:
    _check_length("text", body, TEXT_MAX)
    return {"type": "text", "text": {"body": body}}


def template(
    name: str, language: str, parameters: Sequence[str] = (), button_parameter: str | None = None
) -> dict[str, Any]:
    """An approved template: {{1}}, {{2}}... of its body are filled from parameters in order."""
    if not name:
        raise ValueError("WhatsApp template name must not be empty.")
    components: list[dict[str, Any]] = []
    if parameters:
        components.append(
            {"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in parameters]}
        )
    if button_parameter is not None:
        components.append(
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": str(button_parameter)}],
            }
        )
    body: dict[str, Any] = {"name": name, "language": {"code": language}}
    if components:
        body["components"] = components
    return {"type": "template", "template": body}


def _frame(kind: str, body: str, header: str | None, footer: str | None) -> dict[str, Any]:
    _check_length("interactive body", body, INTERACTIVE_BODY_MAX)
    interactive: dict[str, Any] = {"type": kind}
    if header:
        _check_length("header", header, 60)
        interactive["header"] = {"type": "text", "text": header}
    interactive["body"] = {"text": body}
    if footer:
        _check_length("footer", footer, 60)
        interactive["footer"] = {"text": footer}
    return interactive


def buttons(
    body: str,
    choices: Sequence[tuple[str, str]],
    *,
    header: str | None = None,
    footer: str | None = None,
) -> dict[str, Any]:
    """Up to three reply buttons; choices are (id, title) pairs and the reply carries the id."""
    if not 1 <= len(choices) <= BUTTONS_MAX:
        raise ValueError(f"WhatsApp allows 1 to {BUTTONS_MAX} reply buttons.")
    interactive = _frame("button", body, header, footer)
    reply_buttons = []
    for choice_id, title in choices:
        _check_length("button id", choice_id, ID_MAX)
        _check_length("button title", title, BUTTON_TITLE_MAX)
        reply_buttons.append({"type": "reply", "reply": {"id": choice_id, "title": title}})
    interactive["action"] = {"buttons": reply_buttons}
    return {"type": "interactive", "interactive": interactive}


def choice_list(
    body: str,
    button: str,
    sections: Sequence[tuple[str, Sequence[tuple[str, str, str]]]],
    *,
    header: str | None = None,
    footer: str | None = None,
) -> dict[str, Any]:
    """A list message: sections are (title, rows) and rows are (id, title, description)."""
    _check_length("list button", button, BUTTON_TITLE_MAX)
    if not 1 <= len(sections) <= LIST_SECTIONS_MAX:
        raise ValueError(f"WhatsApp allows 1 to {LIST_SECTIONS_MAX} list sections.")
    total_rows = sum(len(rows) for _title, rows in sections)
    if not 1 <= total_rows <= LIST_ROWS_MAX:
        raise ValueError(f"WhatsApp allows 1 to {LIST_ROWS_MAX} rows in a list.")
    interactive = _frame("list", body, header, footer)
    out_sections = []
    for section_title, rows in sections:
        out_rows = []
        for row_id, title, description in rows:
            _check_length("row id", row_id, 200)
            _check_length("row title", title, ROW_TITLE_MAX)
            row = {"id": row_id, "title": title}
            if description:
                _check_length("row description", description, ROW_DESCRIPTION_MAX)
                row["description"] = description
            out_rows.append(row)
        section: dict[str, Any] = {}
        if section_title:
            _check_length("section title", section_title, ROW_TITLE_MAX)
            section["title"] = section_title
        section["rows"] = out_rows
        out_sections.append(section)
    interactive["action"] = {"button": button, "sections": out_sections}
    return {"type": "interactive", "interactive": interactive}


def check_message(message: Any) -> dict[str, Any]:
    """Refuse a payload that is not one WhatsApp message object of a type we send."""
    if not isinstance(message, dict) or message.get("type") not in MESSAGE_TYPES:
        raise ValueError(f"A WhatsApp payload needs a type among {', '.join(MESSAGE_TYPES)}.")
    kind = message["type"]
    if not isinstance(message.get(kind), dict):
        raise ValueError(f'A WhatsApp "{kind}" payload needs a "{kind}" object.')
    extra = set(message) - {"type", kind}
    if extra:
        raise ValueError(f"Unexpected keys in the WhatsApp payload: {', '.join(sorted(extra))}.")
    return message


def summary(message: dict[str, Any]) -> str:
    """The words a person would read, for the outbox record."""
    kind = message.get("type")
    if kind == "text":
        return str(message["text"].get("body", ""))
    if kind == "interactive":
        return str(message["interactive"].get("body", {}).get("text", ""))
    if kind == "template":
        return f"[template {message['template'].get('name', '')}]"
    return ""
