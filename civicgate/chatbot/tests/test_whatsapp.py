"""WhatsApp: signed webhook calls in the Cloud API's shape -> stored -> worker -> outbox -> Graph API."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from civicgate.chatbot import actions
from civicgate.chatbot.models import Conversation, Message
from civicgate.chatbot.tests.conftest import (
    WA_ID,
    WhatsAppSender,
    run_worker,
    whatsapp_replies,
)
from civicgate.notify import whatsapp as wa
from civicgate.notify.models import OutboundMessage
from civicgate.notify.tests.conftest import graph_api  # noqa: F401  (fixture)
from civicgate.notify.worker import run_once
from civicgate.org.models import Official
from civicgate.passes.models import GatePass
from civicgate.passes.scanning import record_scan

MORNING = "2026-11-30 10:00 +05:30"


def test_a_signed_message_is_stored_and_acknowledged_at_once_then_answered_by_the_worker(
    whatsapp: WhatsAppSender,
) -> None:
    response = whatsapp.text("hello")

    assert response.status_code == 200
    assert response.json()["received"] == 1
    message = Message.objects.get()
    assert message.state == Message.State.QUEUED
    assert not OutboundMessage.objects.exists()

    assert run_worker() == 1

    message.refresh_from_db()
    assert message.state == Message.State.DONE
    [picker] = whatsapp_replies()
    assert picker["type"] == "interactive"
    buttons = picker["interactive"]["action"]["buttons"]
    assert [b["reply"]["id"] for b in buttons] == ["lang:en", "lang:bn", "lang:hi"]
    conversation = Conversation.objects.get()
    assert conversation.mobile == "+" + WA_ID and conversation.verified


def test_a_replayed_message_id_is_stored_once_and_answered_once(whatsapp: WhatsAppSender) -> None:
    wamid = "wamid.HBgMOTE5ODMwMDEyMzQ1FQIAEhggREPLAYED"
    whatsapp.text("hello", wamid=wamid)
    run_worker()

    again = whatsapp.text("hello", wamid=wamid)
    run_worker()

    assert again.status_code == 200
    assert Message.objects.filter(direction="in").count() == 1
    assert OutboundMessage.objects.count() == 1


def test_a_bad_signature_is_refused_and_nothing_is_stored(whatsapp: WhatsAppSender) -> None:
    response = whatsapp.post(
        whatsapp.envelope(whatsapp.message("text", {"body": "hi"})), secret="not-the-secret"
    )

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_a_body_that_is_not_a_whatsapp_event_is_refused(whatsapp: WhatsAppSender) -> None:
    response = whatsapp.post({"object": "page", "entry": []})

    assert response.status_code == 400
    assert not Message.objects.exists()


def test_a_message_from_a_number_that_is_not_an_indian_mobile_is_not_answered(
    client: Any, settings: Any, db: Any
) -> None:
    settings.WHATSAPP_APP_SECRET = "test-app-secret"
    sender = WhatsAppSender(client, wa_id="14155550100")

    assert sender.text("hello").status_code == 200

    assert not Message.objects.exists()


def test_options_go_as_buttons_up_to_three_then_as_a_list_with_titles_cut_to_the_limits() -> None:
    from civicgate.chatbot.channels.whatsapp import payload
    from civicgate.chatbot.flows.base import Choice, Reply

    three = payload(Reply("Pick", [Choice(f"c{n}", f"Option {n}") for n in range(3)]), "en")
    long_titles = [
        Choice(f"c{n}", f"A very long option title number {n}", "x" * 100) for n in range(10)
    ]
    ten = payload(Reply("Pick", long_titles), "bn")
    eleven = payload(Reply("Pick", [Choice(f"c{n}", f"Option {n}") for n in range(11)]), "en")

    assert three["interactive"]["type"] == "button"
    assert ten["interactive"]["type"] == "list"
    rows = ten["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 10
    assert all(len(r["title"]) <= wa.ROW_TITLE_MAX for r in rows)
    assert all(len(r["description"]) <= wa.ROW_DESCRIPTION_MAX for r in rows)
    assert ten["interactive"]["action"]["button"] == "বেছে নিন"
    # More than WhatsApp's ten rows: a numbered text, answered by number.
    assert eleven["type"] == "text" and "11. Option 10" in eleven["text"]["body"]


def test_the_main_menu_fits_whatsapps_limits(whatsapp: WhatsAppSender) -> None:
    whatsapp.text("hello")
    whatsapp.button("lang:en", "English")
    run_worker()

    menu = whatsapp_replies()[-1]["interactive"]
    if menu["type"] == "list":
        rows = [row for section in menu["action"]["sections"] for row in section["rows"]]
        assert 4 <= len(rows) <= wa.LIST_ROWS_MAX
        assert all(len(row["title"]) <= wa.ROW_TITLE_MAX for row in rows)
    else:
        buttons = menu["action"]["buttons"]
        assert len(buttons) <= wa.BUTTONS_MAX
        assert all(len(b["reply"]["title"]) <= wa.BUTTON_TITLE_MAX for b in buttons)


def test_messages_sent_together_are_answered_in_the_order_they_came(
    whatsapp: WhatsAppSender,
) -> None:
    whatsapp.text("hello")
    whatsapp.list_reply("lang:en", "English")
    whatsapp.text("menu")

    run_worker()

    answered = list(Message.objects.filter(direction="in").order_by("id"))
    assert [m.state for m in answered] == ["done"] * 3
    # The menu came after the language had been chosen, so it is in English, as a list.
    kinds = [r["type"] for r in whatsapp_replies()]
    assert kinds == ["interactive", "interactive", "interactive"]
    assert whatsapp_replies()[0]["interactive"]["type"] == "button"
    assert [m.intent for m in answered] == ["greet", "language", "menu"]


def test_a_location_pin_and_a_photo_are_kept_with_their_details(whatsapp: WhatsAppSender) -> None:
    whatsapp.location(22.5726, 88.3639, "Esplanade")
    whatsapp.image("9988776655", caption="broken pipe")

    pin, photo = Message.objects.filter(direction="in").order_by("id")

    assert pin.kind == "location"
    assert pin.payload["location"]["latitude"] == 22.5726
    assert photo.kind == "image"
    assert photo.payload["image"]["id"] == "9988776655"
    assert photo.text == "broken pipe"


def test_a_staff_reply_after_24_hours_goes_as_the_approved_template(
    whatsapp: WhatsAppSender, make_user: Any
) -> None:
    whatsapp.text("hello")
    run_worker()
    conversation = Conversation.objects.get()
    actions.hand_over(conversation, reason="help")
    helper = make_user("helper", "helpdesk")

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        actions.staff_reply(conversation, user=helper, text="Your connection is approved.")

    sent = whatsapp_replies()[-1]
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "kmc_chat_followup"
    params = sent["template"]["components"][0]["parameters"]
    assert params[0]["text"] == "Your connection is approved."


def _pass_by_whatsapp(
    whatsapp: WhatsAppSender, official: Official, language: str, purpose: str
) -> GatePass:
    whatsapp.text({"bn": "গেট পাস চাই", "hi": "मुझे गेट पास चाहिए"}[language])
    run_worker()
    whatsapp.list_reply(f"official:{official.code}")
    whatsapp.text(purpose)
    whatsapp.list_reply("2026-11-30")
    whatsapp.text("Anita Sen")
    whatsapp.button("yes")
    run_worker()
    return GatePass.objects.get()


@pytest.mark.parametrize(
    ("language", "words", "purpose"),
    [("bn", "গেট পাস", "নতুন জলের সংযোগ"), ("hi", "गेट पास", "नया पानी कनेक्शन")],
)
@time_machine.travel(MORNING, tick=False)
def test_a_whatsapp_citizen_gets_a_gate_pass_in_their_language_that_the_gate_admits(
    whatsapp: WhatsAppSender,
    visitable: Official,
    graph_api: Any,  # noqa: F811
    language: str,
    words: str,
    purpose: str,
) -> None:
    gate_pass = _pass_by_whatsapp(whatsapp, visitable, language, purpose)

    conversation = Conversation.objects.get()
    assert conversation.language == language
    assert gate_pass.visitor.mobile == "+" + WA_ID
    assert gate_pass.purpose == purpose
    last = whatsapp_replies()[-1]
    assert last["type"] == "text" and gate_pass.code in last["text"]["body"]
    assert f"/p/{gate_pass.code}/qr.png" in last["text"]["body"]
    # The replies leave through the outbox to the Graph API in its wire format.
    run_once()
    bodies = [r.body for r in graph_api.requests]
    assert all(b["messaging_product"] == "whatsapp" and b["to"] == WA_ID for b in bodies)
    assert any(gate_pass.code in str(b) for b in bodies)
    result = record_scan(
        scan_id=uuid.uuid4(),
        code=gate_pass.token,
        direction="in",
        scanned_at=timezone.now(),
        gate=visitable.employee.office.gates.first(),
    )
    assert result.allowed, result.reason
