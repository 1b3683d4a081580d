"""The dialogue over time: a flow left waiting is resumed politely, and reminded once."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from civicgate.chatbot import processing
from civicgate.chatbot.models import Conversation, Message
from civicgate.chatbot.tests.conftest import WebChat


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def _in_a_flow(web_chat: WebChat) -> Conversation:
    web_chat.send("hi")
    web_chat.send(choice="lang:en")
    web_chat.send("gate pass")
    return Conversation.objects.get()


def test_coming_back_after_half_an_hour_offers_to_continue_where_it_stopped(
    web_chat: WebChat,
) -> None:
    _in_a_flow(web_chat)

    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        offer = web_chat.send("hello?")
        assert "Welcome back" in web_chat.text
        assert web_chat.choices == ["resume:yes", "cmd:menu"]
        web_chat.send("1")

    assert offer["intent"] == "gate_pass"
    assert "mobile number" in web_chat.text
    assert Conversation.objects.get().state["step"] == "_mobile"


def test_choosing_the_menu_instead_of_continuing_forgets_the_flow(web_chat: WebChat) -> None:
    _in_a_flow(web_chat)

    with time_machine.travel(timezone.now() + timedelta(minutes=45)):
        web_chat.send("hello?")
        web_chat.send(choice="cmd:menu")

    assert Conversation.objects.get().state.get("flow") is None


def test_an_idle_citizen_in_a_flow_is_reminded_once_and_politely(web_chat: WebChat) -> None:
    conversation = _in_a_flow(web_chat)
    later = timezone.now() + processing.IDLE_PROMPT_AFTER + timedelta(minutes=1)

    with time_machine.travel(later):
        first = processing.prompt_idle()
        second = processing.prompt_idle()

    assert (first, second) == (1, 0)
    reminder = Message.objects.filter(conversation=conversation, in_reply_to=None).last()
    assert reminder is not None and "Your answers are kept" in reminder.text
    polled = web_chat.client.get(f"/api/v1/chat/conversations/{web_chat.conversation}/messages")
    assert "Your answers are kept" in polled.json()["messages"][-1]["text"]


def test_a_citizen_not_in_a_flow_is_not_reminded(web_chat: WebChat) -> None:
    web_chat.send("hi")
    web_chat.send(choice="lang:en")

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert processing.prompt_idle() == 0


def test_a_message_the_bot_cannot_read_gets_a_short_explanation(web_chat: WebChat) -> None:
    from civicgate.chatbot import actions

    conversation = _in_a_flow(web_chat)
    sticker = actions.receive(conversation, kind=Message.Kind.OTHER, payload={"type": "sticker"})

    processing.process_due()

    reply = sticker.message.replies.get()
    assert "I can read text" in reply.text
