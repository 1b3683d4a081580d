"""The helpdesk's inbox: hand-over, answers in the same thread, hand-back to the bot."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from civicgate.accounts.roles import Role
from civicgate.audit.models import AuditRecord
from civicgate.chatbot.models import Conversation, Message
from civicgate.chatbot.tests.conftest import WebChat, WhatsAppSender, run_worker, whatsapp_replies
from civicgate.notify.tests.conftest import graph_api  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def _ask_for_a_person(web_chat: WebChat) -> Conversation:
    web_chat.send("hi")
    web_chat.send(choice="lang:en")
    web_chat.send("I want to talk to a person")
    web_chat.send("My water bill is wrong")
    return Conversation.objects.get()


@pytest.fixture
def helpdesk(make_user: Callable[..., Any], staff_client: Callable[..., Client]) -> Client:
    return staff_client(make_user("hema", Role.HELPDESK))


def test_asking_for_a_person_puts_the_conversation_in_the_inbox_with_the_reason(
    web_chat: WebChat, helpdesk: Client, django_assert_max_num_queries: Any
) -> None:
    conversation = _ask_for_a_person(web_chat)
    assert conversation.handed_over
    assert "helpdesk" in web_chat.text

    with django_assert_max_num_queries(8):
        response = helpdesk.get("/chatbot/inbox/")

    assert response.status_code == 200
    body = response.content.decode()
    assert conversation.code in body and "My water bill is wrong" in body


def test_the_inbox_lists_many_conversations_in_a_fixed_number_of_queries(
    helpdesk: Client, django_assert_max_num_queries: Any
) -> None:
    from civicgate.chatbot import actions

    for _n in range(15):
        actions.hand_over(actions.start_web_conversation(), reason="help")

    with django_assert_max_num_queries(8):
        response = helpdesk.get("/chatbot/inbox/")

    assert response.content.decode().count('data-testid="chat-row-') == 15


def test_while_with_a_person_the_bot_keeps_quiet_and_the_staff_answer_reaches_the_widget(
    web_chat: WebChat, helpdesk: Client, client: Client
) -> None:
    conversation = _ask_for_a_person(web_chat)

    quiet = web_chat.send("hello? anyone?")
    helpdesk.post(
        f"/chatbot/c/{conversation.code}/reply/", {"text": "Hema here, send your assessee number."}
    )

    assert quiet["replies"] == [] and quiet["intent"] == "human"
    polled = client.get(f"/api/v1/chat/conversations/{web_chat.conversation}/messages").json()
    assert polled["handed_over"] is True
    assert polled["messages"][-1]["sender"] == "staff"
    assert polled["messages"][-1]["text"] == "Hema here, send your assessee number."


def test_handing_back_returns_the_conversation_to_the_bot_with_the_menu(
    web_chat: WebChat, helpdesk: Client, client: Client
) -> None:
    conversation = _ask_for_a_person(web_chat)

    response = helpdesk.post(f"/chatbot/c/{conversation.code}/hand-back/")
    after = web_chat.send("gate pass")

    assert response.status_code == 302
    conversation.refresh_from_db()
    assert not conversation.handed_over
    polled = client.get(f"/api/v1/chat/conversations/{web_chat.conversation}/messages").json()
    assert "back with the KMC assistant" in polled["messages"][-1]["text"]
    assert after["intent"] == "gate_pass"
    assert AuditRecord.objects.filter(action="chatbot.handed_back").exists()


def test_a_staff_answer_on_whatsapp_goes_as_text_within_the_24_hour_window(
    whatsapp: WhatsAppSender, helpdesk: Client
) -> None:
    whatsapp.text("মানুষের সঙ্গে কথা বলতে চাই")
    whatsapp.text("জলের বিল ভুল এসেছে")
    run_worker()
    conversation = Conversation.objects.get()
    assert conversation.handed_over

    helpdesk.post(f"/chatbot/c/{conversation.code}/reply/", {"text": "আপনার অ্যাসেসি নম্বর দিন।"})

    assert whatsapp_replies()[-1] == {"type": "text", "text": {"body": "আপনার অ্যাসেসি নম্বর দিন।"}}


def test_opening_a_thread_is_audited_and_shows_the_messages(
    web_chat: WebChat, helpdesk: Client
) -> None:
    conversation = _ask_for_a_person(web_chat)

    response = helpdesk.get(f"/chatbot/c/{conversation.code}/")

    assert response.status_code == 200
    assert "My water bill is wrong" in response.content.decode()
    assert AuditRecord.objects.filter(
        action="chatbot.conversation_viewed", object_id=conversation.code
    ).exists()


def test_staff_without_the_helpdesk_role_are_refused(
    web_chat: WebChat, make_user: Callable[..., Any], staff_client: Callable[..., Client]
) -> None:
    conversation = _ask_for_a_person(web_chat)
    guard = staff_client(make_user("gopal", Role.GUARD))

    assert guard.get("/chatbot/inbox/").status_code == 403
    assert guard.get(f"/chatbot/c/{conversation.code}/").status_code == 403
    assert guard.post(f"/chatbot/c/{conversation.code}/reply/", {"text": "x"}).status_code == 403
    assert not Message.objects.filter(sender="staff").exists()


def test_a_stranger_is_sent_to_sign_in(client: Client, db: Any) -> None:
    response = client.get("/chatbot/inbox/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_analytics_count_intents_and_list_what_was_not_understood(
    web_chat: WebChat, helpdesk: Client
) -> None:
    web_chat.send("hi")
    web_chat.send(choice="lang:en")
    web_chat.send("what is the cricket score")

    response = helpdesk.get("/chatbot/analytics/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "fallback" in body and "what is the cricket score" in body


def test_whatsapps_status_callbacks_show_as_delivery_states_in_the_thread(
    whatsapp: WhatsAppSender,
    helpdesk: Client,
    graph_api: Any,  # noqa: F811
) -> None:
    from civicgate.notify.worker import run_once

    whatsapp.text("hello")
    run_worker()
    run_once()
    assert len(graph_api.requests) == 1
    wamid = "wamid.HBgMOTE5ODMwMDEyMzQ1FQIAERgSQUFBQUFBQUFBQUFBQUFBAA=="
    status = {
        "id": wamid,
        "status": "read",
        "timestamp": "1764400100",
        "recipient_id": "919830012345",
    }
    envelope = whatsapp.envelope({})
    value = envelope["entry"][0]["changes"][0]["value"]
    value.pop("messages")
    value.pop("contacts")
    value["statuses"] = [status]

    assert whatsapp.post(envelope).json()["updated"] == 1

    response = helpdesk.get(f"/chatbot/c/{Conversation.objects.get().code}/")
    assert 'data-testid="delivery">read<' in response.content.decode()
