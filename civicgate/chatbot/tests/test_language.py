"""Languages: chosen at first contact, switched any time, digits of every script accepted."""

from typing import Any

import pytest
from django.core.cache import cache

from civicgate.chatbot.language import ascii_digits, parse_number, script_language
from civicgate.chatbot.models import Conversation
from civicgate.chatbot.tests.conftest import WebChat


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def test_bengali_and_devanagari_digits_read_as_numbers() -> None:
    assert ascii_digits("৯৮৩০০ ১২৩৪৫") == "98300 12345"
    assert ascii_digits("९८३००१२३४५") == "9830012345"
    assert parse_number("৩") == 3
    assert parse_number("२") == 2
    assert parse_number("3 apples") is None


def test_a_first_message_in_bengali_or_devanagari_script_sets_the_language(
    web_chat: WebChat, client: Any
) -> None:
    data = web_chat.send("নমস্কার")
    other = WebChat(client)
    other_data = other.send("नमस्ते")

    assert data["language"] == "bn" and data["intent"] == "greet"
    assert other_data["language"] == "hi"


def test_romanised_bengali_and_hindi_are_understood(web_chat: WebChat, client: Any) -> None:
    web_chat.send("hi")
    web_chat.send(choice="lang:bn")
    bengali = web_chat.send("jol asche na")
    hindi_chat = WebChat(client)
    hindi_chat.send("hello")
    hindi_chat.send(choice="lang:hi")
    hindi = hindi_chat.send("paani nahi aa raha")

    # The water-supply flow may not be open in the chat yet; the intent is what was understood.
    assert (bengali["intent"], bengali["language"]) == ("water_supply", "bn")
    assert (hindi["intent"], hindi["language"]) == ("water_supply", "hi")


def test_the_language_can_be_switched_in_the_middle_of_a_flow_without_losing_the_answers(
    web_chat: WebChat,
) -> None:
    web_chat.send("hi")
    web_chat.send(choice="lang:en")
    web_chat.send("gate pass")
    web_chat.send("9830012345")

    data = web_chat.send("हिंदी")

    conversation = Conversation.objects.get()
    assert data["language"] == "hi" and conversation.language == "hi"
    assert conversation.state["flow"] == "gate_pass"
    assert conversation.state["step"] == "_otp"
    assert conversation.state["slots"]["_mobile"] == "+919830012345"


def test_the_language_menu_is_offered_on_asking_and_a_choice_by_number_switches(
    web_chat: WebChat,
) -> None:
    web_chat.send("hi")
    web_chat.send(choice="lang:en")

    web_chat.send("bhasha")
    assert web_chat.choices == ["lang:en", "lang:bn", "lang:hi"]
    data = web_chat.send("২")

    assert data["language"] == "bn"


def test_a_mobile_number_typed_in_bengali_digits_is_accepted(web_chat: WebChat) -> None:
    web_chat.send("গেট পাস চাই")

    web_chat.send("৯৮৩০০১২৩৪৫")

    conversation = Conversation.objects.get()
    assert conversation.state["slots"]["_mobile"] == "+919830012345"


def test_replies_are_in_the_conversations_language(web_chat: WebChat) -> None:
    web_chat.send("গেট পাস চাই")

    web_chat.send("12345")

    # The mobile number's error message comes from the project's Bengali translations.
    assert script_language(web_chat.text) == "bn"


def test_back_cancel_and_menu_work_anywhere(web_chat: WebChat) -> None:
    web_chat.send("hi")
    web_chat.send(choice="lang:en")
    web_chat.send("help me talk to a person")
    assert Conversation.objects.get().state.get("flow") == "human"

    menu = web_chat.send("menu")
    assert menu["intent"] == "menu" and Conversation.objects.get().state.get("flow") is None

    web_chat.send("gate pass")
    cancelled = web_chat.send("cancel")
    assert "Cancelled" in web_chat.text and cancelled["intent"] == "menu"
    assert Conversation.objects.get().state.get("flow") is None


def test_unclear_words_get_a_short_clarifying_menu_not_a_guess(web_chat: WebChat) -> None:
    web_chat.send("hi")
    web_chat.send(choice="lang:en")

    data = web_chat.send("xq zzv plork")

    assert data["confidence"] < 0.9
    assert "cmd:menu" in web_chat.choices
    assert Conversation.objects.get().state.get("flow") is None
