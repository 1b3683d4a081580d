"""Scripted WhatsApp conversations in Bengali and Hindi: an appointment with its gate pass, a
water-supply complaint with a location pin, and property-tax dues; plus the web's back step."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from civicgate.appointments.models import Appointment
from civicgate.appointments.tests.conftest import NOW, make_bookable  # noqa: F401  (fixture)
from civicgate.chatbot.models import Conversation
from civicgate.chatbot.tests.conftest import (
    WA_ID,
    WebChat,
    WhatsAppSender,
    run_worker,
    whatsapp_replies,
)
from civicgate.org.models import Official
from civicgate.services.models import ServiceRequest
from civicgate.services.tests.test_lookups import roll  # noqa: F401  (fixture)

SCRIPTS = {
    "bn": {
        "book": "অফিসারের সাথে অ্যাপয়েন্টমেন্ট বুক করতে চাই",
        "purpose": "জলের নতুন সংযোগ নিয়ে কথা",
        "water": "জল আসছে না",
        "ward": "৮৫",
        "details": "তিন দিন ধরে কল থেকে একফোঁটা জল আসছে না",
        "tax": "সম্পত্তি কর কত বাকি",
        "assessee": "১১০০১০১০০০১১",
    },
    "hi": {
        "book": "अधिकारी से मिलने का समय चाहिए",
        "purpose": "नए पानी कनेक्शन के बारे में",
        "water": "पानी नहीं आ रहा",
        "ward": "८५",
        "details": "तीन दिन से नल में पानी नहीं आ रहा है",
        "tax": "मेरा संपत्ति कर कितना बाकी है",
        "assessee": "११००१०१०००११",
    },
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def offered() -> list[str]:
    """The ids of the options in the last WhatsApp message (buttons or list rows)."""
    last = whatsapp_replies()[-1]
    interactive = last.get("interactive") or {}
    action = interactive.get("action") or {}
    if "buttons" in action:
        return [b["reply"]["id"] for b in action["buttons"]]
    return [row["id"] for section in action.get("sections", []) for row in section["rows"]]


def last_text() -> str:
    last = whatsapp_replies()[-1]
    return str(
        last.get("text", {}).get("body")
        or last.get("interactive", {}).get("body", {}).get("text", "")
    )


@pytest.mark.parametrize("language", ["bn", "hi"])
def test_a_whatsapp_citizen_books_an_appointment_files_a_water_complaint_and_checks_tax_dues(
    whatsapp: WhatsAppSender,
    make_bookable: Callable[..., Official],  # noqa: F811
    roll: None,  # noqa: F811
    language: str,
    time_machine: Any,
) -> None:
    time_machine.move_to(NOW, tick=False)
    official = make_bookable(name="Subrata Ghosh")
    words = SCRIPTS[language]

    # An appointment: one department and one official, so the bot goes straight to the slots
    whatsapp.text(words["book"])
    run_worker()
    slots = offered()
    assert slots, last_text()
    whatsapp.list_reply(slots[0])
    whatsapp.text(words["purpose"])
    run_worker()
    assert "Subrata Ghosh" in last_text()
    whatsapp.button("yes")
    run_worker()
    appointment = Appointment.objects.get()
    assert appointment.state == Appointment.State.CONFIRMED
    assert appointment.official == official and appointment.channel == "chatbot"
    assert appointment.gate_pass is not None and appointment.gate_pass.code in last_text()

    # A water-supply complaint with a location pin, skipping the photo
    whatsapp.text(words["water"])
    run_worker()
    assert "ws-no-water" in offered()
    whatsapp.list_reply("ws-no-water")
    whatsapp.location(22.5186, 88.3639, "Lake Place")
    whatsapp.text(words["ward"])
    whatsapp.text(words["details"])
    whatsapp.button("skip")
    whatsapp.button("yes")
    run_worker()
    complaint = ServiceRequest.objects.get()
    assert complaint.service.slug == "ws-no-water"
    assert complaint.ward == 85 and float(complaint.latitude) == pytest.approx(22.5186)
    assert complaint.mobile == "+" + WA_ID and complaint.language == language
    assert complaint.number in last_text()

    # Property-tax dues by assessee number, typed in the language's digits
    whatsapp.text(words["tax"])
    whatsapp.text(words["assessee"])
    run_worker()
    # Arrears 1,200 and two quarters of 1,500, with the payment link.
    assert "110010100011" in last_text() and "4200" in last_text()
    assert "https://" in last_text()

    conversation = Conversation.objects.get()
    assert conversation.language == language
    intents = list(conversation.messages.filter(direction="in").values_list("intent", flat=True))
    assert {"book_appointment", "water_supply", "property_tax"} <= set(intents)


def test_a_resolved_request_can_be_tracked_and_rated_by_its_citizen(
    whatsapp: WhatsAppSender, water: Any, hq: Any
) -> None:
    from civicgate.services.actions import submit_request

    whatsapp.text("hello")
    whatsapp.button("lang:en")
    run_worker()
    filed = submit_request(
        citizen="+" + WA_ID,
        service="ws-leakage",
        description="Pipe leaking on the road",
        ward=85,
        latitude=22.5,
        longitude=88.3,
    )
    ServiceRequest.objects.filter(pk=filed.pk).update(state=ServiceRequest.State.RESOLVED)

    whatsapp.text("track my complaint")
    whatsapp.text(filed.number)
    run_worker()
    assert "rate:5" in offered()
    whatsapp.list_reply("rate:5")
    run_worker()

    filed.refresh_from_db()
    assert filed.state == ServiceRequest.State.CLOSED
    assert "Thank you" in last_text()


def test_back_returns_to_the_previous_question_and_forgets_its_answer(
    web_chat: WebChat, visitable: Official
) -> None:
    web_chat.send("hi")
    web_chat.send(choice="lang:en")
    web_chat.send("gate pass")
    conversation = Conversation.objects.get()
    conversation.mobile = "+919830012345"
    conversation.save()
    web_chat.send("menu")
    web_chat.send("gate pass")
    web_chat.send(choice=f"official:{visitable.code}")
    web_chat.send("Water connection")
    assert Conversation.objects.get().state["step"] == "day"

    web_chat.send("back")

    state = Conversation.objects.get().state
    assert state["step"] == "purpose"
    assert "purpose" not in state["slots"]
    assert "Water connection" not in str(state["slots"])


def test_a_citizen_sees_reschedules_and_cancels_an_appointment_in_the_chat(
    whatsapp: WhatsAppSender,
    make_bookable: Callable[..., Official],  # noqa: F811
    time_machine: Any,
) -> None:
    time_machine.move_to(NOW, tick=False)
    make_bookable(name="Subrata Ghosh")
    whatsapp.text("hello")
    whatsapp.button("lang:en")
    whatsapp.text("book an appointment")
    run_worker()
    first, second = offered()[:2]
    whatsapp.list_reply(first)
    whatsapp.text("Water connection")
    whatsapp.button("yes")
    run_worker()
    appointment = Appointment.objects.get()

    whatsapp.text("show my appointments")
    run_worker()
    assert appointment.code in last_text() and "Subrata Ghosh" in last_text()

    whatsapp.text("reschedule my appointment")
    run_worker()
    assert offered() == ["reschedule", "cancel"]  # the only appointment is taken as chosen
    whatsapp.button("reschedule")
    run_worker()
    whatsapp.list_reply(second)
    whatsapp.button("yes")
    run_worker()
    appointment.refresh_from_db()
    assert appointment.start.isoformat() == second

    whatsapp.text("cancel my appointment")
    whatsapp.button("cancel")
    whatsapp.button("yes")
    run_worker()
    appointment.refresh_from_db()
    assert appointment.state == Appointment.State.CANCELLED
    assert "cancelled" in last_text()
