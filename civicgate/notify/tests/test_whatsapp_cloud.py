"""WhatsApp through the Cloud API: request bodies exactly as the Graph API expects them."""

from typing import Any

import pytest

from civicgate.notify import whatsapp
from civicgate.notify.models import MessageTemplate, OutboundMessage
from civicgate.notify.outbox import enqueue
from civicgate.notify.tests.conftest import graph_error
from civicgate.notify.worker import run_once

pytestmark = pytest.mark.django_db

WAMID = "wamid.HBgMOTE5ODMwMDEyMzQ1FQIAERgSQUFBQUFBQUFBQUFBQUFBAA=="
PASS = {
    "pass_code": "P7K2M9",
    "office": "KMC Headquarters",
    "valid_until": "5 Mar 17:00",
    "url": "https://x.example/p/P7K2M9",
}


def test_a_plain_text_message_has_the_graph_api_text_shape(graph_api: Any) -> None:
    # Given a template with no approved WhatsApp template name
    MessageTemplate.objects.filter(key="pass_issued", channel="whatsapp", language="en").update(
        whatsapp_template=""
    )
    message = enqueue("whatsapp", "+919830012345", "pass_issued", PASS)

    # When the worker sends it
    assert run_once() == {"sent": 1}

    # Then the Graph API got exactly the text message body, with the bearer token
    [request] = graph_api.requests
    assert request.path == "/v21.0/106540352242922/messages"
    assert request.headers["authorization"] == "Bearer EAAG-test-token"
    assert request.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "919830012345",
        "type": "text",
        "text": {"body": message.body},
    }
    message.refresh_from_db()
    assert message.provider_message_id == WAMID
    assert message.state == OutboundMessage.State.SENT


def test_an_otp_goes_as_the_approved_authentication_template_with_its_copy_code_button(
    graph_api: Any,
) -> None:
    enqueue(
        "whatsapp", "+919830012345", "otp_code", {"code": "482913", "minutes": 5}, language="bn"
    )

    run_once()

    assert graph_api.requests[0].body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "919830012345",
        "type": "template",
        "template": {
            "name": "kmc_otp_code",
            "language": {"code": "bn"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "482913"}]},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "482913"}],
                },
            ],
        },
    }


def test_a_template_message_fills_the_body_parameters_in_order(graph_api: Any) -> None:
    enqueue("whatsapp", "+919830012345", "pass_issued", PASS, language="hi")

    run_once()

    template = graph_api.requests[0].body["template"]
    assert template["name"] == "kmc_pass_issued"
    assert template["language"] == {"code": "hi"}
    assert template["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "KMC Headquarters"},
                {"type": "text", "text": "P7K2M9"},
                {"type": "text", "text": "5 Mar 17:00"},
                {"type": "text", "text": "https://x.example/p/P7K2M9"},
            ],
        }
    ]


def test_reply_buttons_have_the_interactive_button_shape(graph_api: Any) -> None:
    payload = whatsapp.buttons(
        "Which office do you want to visit?",
        [("office:HQ", "Headquarters"), ("office:BR-07", "Borough VII")],
        footer="KMC",
    )
    enqueue("whatsapp", "+919830012345", "", {}, payload=payload)

    run_once()

    assert graph_api.requests[0].body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "919830012345",
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Which office do you want to visit?"},
            "footer": {"text": "KMC"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "office:HQ", "title": "Headquarters"}},
                    {"type": "reply", "reply": {"id": "office:BR-07", "title": "Borough VII"}},
                ]
            },
        },
    }


def test_a_list_has_the_interactive_list_shape(graph_api: Any) -> None:
    payload = whatsapp.choice_list(
        "Choose a service.",
        "Services",
        [
            (
                "Water",
                [
                    ("svc:WS-1", "New connection", "Apply for a water connection"),
                    ("svc:WS-2", "Complaint", ""),
                ],
            )
        ],
        header="Kolkata Municipal Corporation",
    )
    enqueue("whatsapp", "+919830012345", "", {}, payload=payload)

    run_once()

    assert graph_api.requests[0].body["interactive"] == {
        "type": "list",
        "header": {"type": "text", "text": "Kolkata Municipal Corporation"},
        "body": {"text": "Choose a service."},
        "action": {
            "button": "Services",
            "sections": [
                {
                    "title": "Water",
                    "rows": [
                        {
                            "id": "svc:WS-1",
                            "title": "New connection",
                            "description": "Apply for a water connection",
                        },
                        {"id": "svc:WS-2", "title": "Complaint"},
                    ],
                }
            ],
        },
    }


def test_it_refuses_buttons_whatsapp_would_reject() -> None:
    with pytest.raises(ValueError, match="1 to 3"):
        whatsapp.buttons("Pick one", [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")])
    with pytest.raises(ValueError, match="limit is 20"):
        whatsapp.buttons("Pick one", [("a", "A title much longer than twenty")])


def test_it_refuses_a_payload_that_is_not_a_whatsapp_message() -> None:
    with pytest.raises(ValueError):
        enqueue("whatsapp", "+919830012345", "", {}, payload={"type": "sticker", "sticker": {}})
    assert OutboundMessage.objects.count() == 0


def test_a_rate_limit_error_is_retried(graph_api: Any) -> None:
    graph_api.answer(
        400,
        graph_error(131056, "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
    )
    message = enqueue("whatsapp", "+919830012345", "pass_issued", PASS)

    assert run_once() == {"queued": 1}

    message.refresh_from_db()
    assert "131056" in message.last_error
    assert "fbtrace_id AbCdEf123" in message.last_error


def test_a_number_not_on_whatsapp_fails_at_once(graph_api: Any) -> None:
    graph_api.answer(400, graph_error(131026, "Message undeliverable"))
    message = enqueue("whatsapp", "+919830012345", "pass_issued", PASS)

    assert run_once() == {"failed": 1}

    message.refresh_from_db()
    assert message.state == OutboundMessage.State.FAILED
    assert "Message undeliverable" in message.last_error


def test_a_graph_api_server_error_is_retried(graph_api: Any) -> None:
    graph_api.answer(500, graph_error(2, "Service temporarily unavailable"))
    message = enqueue("whatsapp", "+919830012345", "pass_issued", PASS)

    assert run_once() == {"queued": 1}
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.QUEUED
