"""The web chat's one-pass turn: few statements, the same rows as the general path, and the
general path whenever the conversation is busy, has a message waiting or the dialogue fails."""

import functools
import json
import threading
from datetime import timedelta
from typing import Any

import psycopg
import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from civicgate.accounts.citizen import SESSION_KEY
from civicgate.accounts.models import Citizen
from civicgate.chatbot import engine, processing, web_turns
from civicgate.chatbot.models import Conversation, Message
from civicgate.chatbot.tests.conftest import CHAT_URL, WebChat
from civicgate.core.crypto import blind_index

MORNING = "2026-11-30 10:00 +05:30"
# SAVEPOINT (BEGIN), claim or insert the conversation, insert the message, insert the
# replies, save the state and release the lock, RELEASE (COMMIT). The general path takes 17.
ONE_PASS_STATEMENTS = 6
# On PostgreSQL the message, the replies and the state are one statement.
ONE_PASS_STATEMENTS_POSTGRESQL = 4
CONVERSATION = ["hello", "lang:en", "I need a gate pass", "cancel", "jol asche na", "menu"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def _say(chat: WebChat, said: str) -> dict[str, Any]:
    return chat.send(choice=said) if said.startswith("lang:") else chat.send(said)


def _stored() -> list[tuple[Any, ...]]:
    """The thread as stored, without the random codes and times."""
    return [
        (
            m.direction,
            m.sender,
            m.kind,
            m.text,
            m.choice,
            m.payload,
            m.language,
            m.intent,
            m.confidence,
            m.state,
            m.attempts,
            m.in_reply_to.text if m.in_reply_to else None,
        )
        for m in Message.objects.select_related("in_reply_to").order_by("id")
    ]


@time_machine.travel(MORNING, tick=False)
def test_a_first_and_a_continuing_message_each_take_a_few_statements(
    web_chat: WebChat, django_assert_max_num_queries: Any
) -> None:
    most = ONE_PASS_STATEMENTS
    if connection.vendor == "postgresql":
        most = ONE_PASS_STATEMENTS_POSTGRESQL
    with django_assert_max_num_queries(most):
        web_chat.send("hello")
    with django_assert_max_num_queries(most):
        web_chat.send(choice="lang:en")
    with django_assert_max_num_queries(most):
        data = web_chat.send("I need a gate pass")  # two replies

    assert data["intent"] == "gate_pass" and len(data["replies"]) == 2
    assert Message.objects.filter(direction="out").count() == 1 + 1 + 2
    assert "mobile number" in web_chat.text


@time_machine.travel(MORNING, tick=False)
def test_the_one_pass_turn_stores_what_the_general_path_stores(
    client: Client, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = WebChat(client)
    fast_answers = [_say(fast, said) for said in CONVERSATION]
    fast_rows = _stored()
    fast_state = Conversation.objects.get().state
    Message.objects.all().delete()
    Conversation.objects.all().delete()

    monkeypatch.setattr(web_turns, "answer", lambda *args, **kwargs: None)
    general = WebChat(client)
    general_answers = [_say(general, said) for said in CONVERSATION]

    for answers in (fast_answers, general_answers):
        for answer in answers:
            answer.pop("conversation")
    assert fast_answers == general_answers
    assert fast_rows == _stored()
    assert fast_state == Conversation.objects.get().state
    assert [row[7] for row in fast_rows if row[0] == "in"] == [
        "greet",
        "language",
        "gate_pass",
        "menu",
        "water_supply",
        "menu",
    ]


def test_after_a_turn_the_conversation_is_free_and_its_state_saved(web_chat: WebChat) -> None:
    web_chat.send("hello")
    web_chat.send(choice="lang:en")

    conversation = Conversation.objects.get()
    assert conversation.locked_until is None and conversation.lock_token == ""
    assert conversation.language_chosen
    assert conversation.state["offered"] == web_chat.choices
    inbound = Message.objects.filter(direction="in").order_by("id").last()
    assert inbound is not None and inbound.state == Message.State.DONE
    assert [m.text for m in inbound.replies.order_by("id")] == [
        r["text"] for r in web_chat.last["replies"]
    ]


def test_a_conversation_another_request_holds_is_not_answered_around_its_lock(
    web_chat: WebChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_chat.send("hello")
    conversation = Conversation.objects.get()
    assert processing.claim(conversation.pk, "other-request")
    # The general path waits for the holder (5 s); here the holder never lets go.
    monkeypatch.setattr(
        processing, "answer_now", functools.partial(processing.answer_now, wait_seconds=0.0)
    )

    data = web_chat.send(choice="lang:en", status=503)

    assert data["error"] == "busy"
    waiting = Message.objects.filter(direction="in").order_by("id").last()
    assert waiting is not None and waiting.state == Message.State.QUEUED
    assert not waiting.replies.exists()
    processing.release(conversation.pk, "other-request")
    assert processing.process_due() == 1
    waiting.refresh_from_db()
    assert waiting.state == Message.State.DONE


def test_a_message_still_waiting_is_answered_before_the_new_one(web_chat: WebChat) -> None:
    web_chat.send("hello")
    web_chat.send(choice="lang:en")
    conversation = Conversation.objects.get()
    earlier = Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.IN,
        sender=Message.Sender.CITIZEN,
        text="I need a gate pass",
        state=Message.State.QUEUED,
    )

    data = web_chat.send("cancel")

    earlier.refresh_from_db()
    assert earlier.state == Message.State.DONE and earlier.intent == "gate_pass"
    latest = Message.objects.filter(direction="in").order_by("id").last()
    assert latest is not None and latest.pk > earlier.pk
    # The gate pass flow had started, so "cancel" cancels it.
    assert data["intent"] == "menu" and "Cancelled" in web_chat.text
    assert earlier.replies.first().pk < latest.replies.first().pk  # type: ignore[union-attr]


def test_a_lease_that_ran_out_is_taken_over_by_the_next_message(web_chat: WebChat) -> None:
    web_chat.send("hello")
    conversation = Conversation.objects.get()
    assert processing.claim(conversation.pk, "dead-request")

    with time_machine.travel(timezone.now() + processing.LEASE + timedelta(seconds=1)):
        data = web_chat.send(choice="lang:en")

    assert data["intent"] == "language"
    conversation.refresh_from_db()
    assert conversation.lock_token == ""


def test_a_dialogue_error_leaves_the_message_queued_and_asks_to_send_again(
    web_chat: WebChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_chat.send("hello")

    def broken(*args: Any, **kwargs: Any) -> engine.Turn:
        raise RuntimeError("flow failed")

    monkeypatch.setattr(engine, "respond", broken)
    data = web_chat.send(choice="lang:en", status=503)

    assert data["error"] == "busy"
    failed = Message.objects.filter(direction="in").order_by("id").last()
    assert failed is not None and failed.state == Message.State.QUEUED and failed.attempts == 1
    assert not failed.replies.exists()
    conversation = Conversation.objects.get()
    assert conversation.lock_token == "" and not conversation.language_chosen


@pytest.mark.django_db(transaction=True)
def test_two_messages_of_one_web_conversation_at_once_are_both_answered_in_turn() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database serialises threads; PostgreSQL runs this.")
    first = WebChat(Client())
    first.send("hello")
    first.send(choice="lang:en")
    results: list[int] = []

    def send(text: str) -> None:
        try:
            response = Client().post(
                CHAT_URL,
                json.dumps({"conversation": first.conversation, "text": text}),
                content_type="application/json",
            )
            results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(t,)) for t in ("gate pass", "jol asche na")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [200, 200]
    inbound = list(Message.objects.filter(direction="in").order_by("id"))
    assert [m.state for m in inbound] == [Message.State.DONE] * 4
    for message in inbound:
        assert message.replies.exists()
    conversation = Conversation.objects.get()
    assert conversation.lock_token == ""


@pytest.mark.parametrize("chain", ["full", "short"])
def test_a_citizen_signed_in_on_the_site_brings_the_verified_mobile_and_the_page_language(
    client: Client, db: Any, settings: Any, chain: str
) -> None:
    if chain == "short":
        # The chain core/handlers.py serves this endpoint with.
        settings.MIDDLEWARE = settings.CHAT_API_MIDDLEWARE
    mobile = "+919830012345"
    citizen = Citizen.objects.create(mobile=mobile, mobile_index=blind_index(mobile, "mobile"))
    session = client.session
    session[SESSION_KEY] = citizen.code
    session.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    chat = WebChat(client)

    data = chat.send("গেট পাস চাই")

    conversation = Conversation.objects.get()
    assert conversation.citizen == citizen and conversation.mobile == mobile
    assert data["language"] == "bn" and conversation.language_chosen
    # Verified already: the flow skips the mobile number and the code.
    assert data["intent"] == "gate_pass"
    assert "মোবাইল" not in chat.text


@time_machine.travel(MORNING, tick=False)
def test_the_answer_of_the_one_pass_turn_is_byte_for_byte_the_general_paths(
    client: Client, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bodies() -> list[tuple[str, bytes]]:
        conversation = None
        found = []
        for said in CONVERSATION:
            body: dict[str, Any] = {"conversation": conversation}
            body["choice" if said.startswith("lang:") else "text"] = said
            response = client.post(CHAT_URL, json.dumps(body), content_type="application/json")
            conversation = response.json()["conversation"]
            found.append(
                (response["Content-Type"], response.content.replace(conversation.encode(), b"-"))
            )
        return found

    fast = bodies()
    monkeypatch.setattr(web_turns, "answer", lambda *args, **kwargs: None)

    assert fast == bodies()


def test_on_postgresql_only_the_turns_own_statements_are_prepared_and_then_reused(
    web_chat: WebChat,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Prepared statements are PostgreSQL's.")
    for said in ("hello", "menu", "I need a gate pass", "cancel"):
        web_chat.send(said)

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        prepared = dict(cursor.fetchall())
    claims = [runs for sql, runs in prepared.items() if "FOR UPDATE" in sql]
    # One conversation: the first message inserts it, the three others take it.
    assert claims == [3]
    # Django's own statements stay unprepared, for connection poolers.
    assert all(
        sql.startswith(("SELECT", "WITH inbound", 'INSERT INTO "chatbot_conversation"'))
        for sql in prepared
    )


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_died_while_idle_costs_no_message() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no connection to lose.")
    chat = WebChat(Client())
    chat.send("hello")
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])

    data = chat.send(choice="lang:en")

    assert data["intent"] == "language"
    inbound = list(Message.objects.filter(direction="in").order_by("id"))
    assert [m.choice for m in inbound] == ["", "lang:en"]
    assert all(m.state == Message.State.DONE and m.replies.exists() for m in inbound)
    connection.close()
