"""The chatbot's commands: the demo seed, the worker and the terminal channel."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from civicgate.chatbot.models import Conversation, Message
from civicgate.chatbot.tests.conftest import WhatsAppSender


@pytest.mark.django_db
def test_the_demo_seed_fills_the_inbox_once() -> None:
    call_command("seed_demo_chatbot", stdout=StringIO())
    first = Conversation.objects.count()
    out = StringIO()

    call_command("seed_demo_chatbot", stdout=out)

    assert first == 3 and Conversation.objects.count() == 3
    assert Conversation.objects.filter(handed_over=True).count() == 2
    assert "nothing changed" in out.getvalue()


def test_the_worker_command_answers_waiting_whatsapp_messages(whatsapp: WhatsAppSender) -> None:
    whatsapp.text("hello")
    out = StringIO()

    call_command("chat_worker", "--once", stdout=out)

    assert "answered 1" in out.getvalue()
    assert Message.objects.get(direction="in").state == "done"


@pytest.mark.django_db
def test_the_terminal_channel_numbers_the_options_and_shows_the_intent(monkeypatch: Any) -> None:
    typed = iter(["hi", "1"])

    def fake_input(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    out = StringIO()

    call_command("chat", "--language", "en", stdout=out)

    text = out.getvalue()
    assert "1. Gate pass" in text and "(greet " in text and "(gate_pass 1.00)" in text


def test_the_model_command_trains_once_then_loads_the_file(settings: Any, tmp_path: Any) -> None:
    settings.CHATBOT_MODEL_DIR = str(tmp_path)
    first, second = StringIO(), StringIO()

    call_command("chatbot_model", stdout=first)
    call_command("chatbot_model", stdout=second)

    assert first.getvalue().startswith("trained and saved")
    assert second.getvalue().startswith("loaded")
    assert len(list(tmp_path.glob("intent-model-*.npz"))) == 1
