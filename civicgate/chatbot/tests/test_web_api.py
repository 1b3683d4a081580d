"""The web chat's JSON API: its contract, the OTP inside the flow, and a gate pass."""

from typing import Any

import pytest
import time_machine
from django.core.cache import cache

from civicgate.chatbot.models import Conversation, Message
from civicgate.chatbot.tests.conftest import CHAT_URL, WebChat, last_code
from civicgate.org.models import Official
from civicgate.passes.models import GatePass

MORNING = "2026-11-30 10:00 +05:30"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def test_a_first_message_gets_a_conversation_id_replies_intent_confidence_and_language(
    web_chat: WebChat,
) -> None:
    data = web_chat.send("hello")

    assert set(data) == {"conversation", "replies", "intent", "confidence", "language"}
    assert len(data["conversation"]) >= 20
    assert data["language"] == "en"
    assert 0.0 <= data["confidence"] <= 1.0
    reply = data["replies"][0]
    assert set(reply) == {"text", "choices", "image_url"}
    # First contact: the language is asked, in all three scripts.
    assert [c["id"] for c in reply["choices"]] == ["lang:en", "lang:bn", "lang:hi"]
    assert "ভাষা" in reply["text"] and "भाषा" in reply["text"]


def test_a_choice_by_id_or_by_number_picks_the_same_option(web_chat: WebChat) -> None:
    web_chat.send("hi")
    web_chat.send(choice="lang:en")
    assert "flow:gate_pass" in web_chat.choices

    by_number = web_chat.send(str(web_chat.choices.index("flow:gate_pass") + 1))

    assert by_number["intent"] == "gate_pass"
    assert by_number["confidence"] == 1.0
    assert "mobile number" in web_chat.text


def test_a_message_with_neither_text_nor_choice_is_refused_with_the_error_shape(
    client: Any, db: Any
) -> None:
    response = client.post(CHAT_URL, {"conversation": None}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["error"] == "invalid"
    assert not Message.objects.exists()


def test_an_unknown_conversation_id_is_refused(web_chat: WebChat) -> None:
    web_chat.conversation = "not-a-conversation-id-at-all"

    data = web_chat.send("hello", status=404)

    assert data["error"] == "unknown_conversation"


def test_a_client_sending_too_fast_is_told_to_wait(web_chat: WebChat, settings: Any) -> None:
    limit = settings.CHAT_RATE_LIMIT_PER_MINUTE
    for _n in range(limit):
        web_chat.send("hi")

    data = web_chat.send("hi", status=429)

    assert data["error"] == "rate_limited"
    assert Message.objects.filter(direction="in").count() == limit


def test_the_endpoint_is_in_the_openapi_document(client: Any, db: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert "post" in paths["/api/v1/chat/messages"]
    assert "/api/v1/chat/conversations/{conversation}/messages" in paths


@time_machine.travel(MORNING, tick=False)
def test_a_web_citizen_proves_the_mobile_by_otp_and_gets_a_gate_pass_with_its_qr(
    web_chat: WebChat, visitable: Official
) -> None:
    web_chat.send("I need a gate pass for tomorrow")
    data = web_chat.send(choice="lang:en")
    # The words said before the language was chosen are not lost.
    assert data["intent"] == "gate_pass"
    assert "mobile number" in web_chat.text

    web_chat.send("98300 12345")
    assert "code" in web_chat.text
    web_chat.send("000000")
    assert "not right" in web_chat.text
    web_chat.send(last_code())
    # One office, so the bot goes straight to whom to visit.
    assert f"official:{visitable.code}" in web_chat.choices
    web_chat.send(choice=f"official:{visitable.code}")
    web_chat.send("New water connection")
    web_chat.send("2")  # tomorrow
    web_chat.send("Anita Sen")
    assert "Anita Sen" in web_chat.text and "Rina Das" in web_chat.text
    data = web_chat.send(choice="yes")

    gate_pass = GatePass.objects.get()
    assert gate_pass.visitor.mobile == "+919830012345"
    assert gate_pass.host_official == visitable
    assert gate_pass.purpose == "New water connection"
    assert gate_pass.valid_from.date().isoformat() == "2026-12-01"
    reply = data["replies"][0]
    assert gate_pass.code in reply["text"]
    assert f"/p/{gate_pass.code}/qr.png?s=" in reply["image_url"]
    conversation = Conversation.objects.get()
    assert conversation.verified and conversation.citizen is not None
    assert conversation.state.get("flow") is None
