"""One conversation, one answerer at a time, in order; two workers never answer one message."""

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from civicgate.chatbot import actions, processing
from civicgate.chatbot.models import Conversation, Message


def _conversation_with(*texts: str) -> Conversation:
    conversation = actions.start_web_conversation(language="en", language_chosen=True)
    for text in texts:
        actions.receive(conversation, text=text)
    return conversation


@pytest.mark.django_db
def test_a_second_worker_cannot_take_a_conversation_another_holds() -> None:
    conversation = _conversation_with("hello")

    assert processing.claim(conversation.pk, "worker-a")
    assert not processing.claim(conversation.pk, "worker-b")
    assert processing.process_due() == 0

    processing.release(conversation.pk, "worker-a")
    assert processing.process_due() == 1


@pytest.mark.django_db
def test_a_worker_that_died_mid_answer_leaves_the_message_to_the_next_after_its_lease() -> None:
    conversation = _conversation_with("hello")
    assert processing.claim(conversation.pk, "dead-worker")
    message = Message.objects.get()
    Message.objects.filter(pk=message.pk).update(state=Message.State.PROCESSING)

    with time_machine.travel(timezone.now() + processing.LEASE + timedelta(seconds=1)):
        answered = processing.process_due()

    assert answered == 1
    message.refresh_from_db()
    assert message.state == Message.State.DONE
    assert Message.objects.filter(in_reply_to=message).count() == 1


@pytest.mark.django_db
def test_a_worker_whose_lease_was_taken_over_answers_nothing_more() -> None:
    conversation = _conversation_with("hello", "menu")
    assert processing.claim(conversation.pk, "slow-worker")
    Conversation.objects.filter(pk=conversation.pk).update(lock_token="someone-else")

    assert processing.process_conversation(conversation.pk, "slow-worker") == 0
    assert not Message.objects.filter(direction="out").exists()


@pytest.mark.django_db
def test_messages_waiting_together_are_answered_oldest_first() -> None:
    _conversation_with("hi", "gate pass", "cancel")

    processing.process_due()

    answered = list(Message.objects.filter(direction="in").order_by("id"))
    replies = [m.in_reply_to_id for m in Message.objects.filter(direction="out").order_by("id")]
    # Every reply follows its own message, and the messages were answered in turn.
    assert replies == sorted(replies)
    assert [m.intent for m in answered] == ["greet", "gate_pass", "menu"]


@pytest.mark.django_db(transaction=True)
def test_workers_running_at_once_answer_every_message_exactly_once_and_in_order() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database serialises threads; PostgreSQL runs this.")
    conversations = [_conversation_with("hi", "menu", "gate pass", "cancel") for _ in range(6)]
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _round in range(10):
                processing.process_due()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    for conversation in conversations:
        inbound = list(conversation.messages.filter(direction="in").order_by("id"))
        assert [m.state for m in inbound] == ["done"] * 4
        for message in inbound:
            assert message.replies.count() >= 1
        reply_order = list(
            conversation.messages.filter(direction="out")
            .order_by("id")
            .values_list("in_reply_to_id", flat=True)
        )
        assert reply_order == sorted(reply_order)
        assert [m.intent for m in inbound] == ["greet", "menu", "gate_pass", "menu"]


@pytest.mark.django_db(transaction=True)
def test_two_web_requests_of_one_conversation_at_once_both_get_their_own_answers(
    client: Any,
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database serialises threads; PostgreSQL runs this.")
    conversation = _conversation_with()
    first = actions.receive(conversation, text="hi").message
    second = actions.receive(conversation, text="gate pass").message
    results: dict[int, bool] = {}

    def answer(message: Message) -> None:
        try:
            results[message.pk] = processing.answer_now(message)
        finally:
            connection.close()

    threads = [threading.Thread(target=answer, args=(m,)) for m in (second, first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == {first.pk: True, second.pk: True}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.intent, second.intent) == ("greet", "gate_pass")
    assert first.replies.first().pk < second.replies.first().pk
