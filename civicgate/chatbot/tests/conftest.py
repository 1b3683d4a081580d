"""Fixtures of the chatbot tests: an office that receives visitors, a web chat client, and
a WhatsApp Cloud API sender that signs its webhook calls as Meta does."""

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
from django.test import Client

from civicgate.notify.models import OutboundMessage
from civicgate.org.models import Department, Office, Official

APP_SECRET = "test-app-secret"
PHONE_NUMBER_ID = "106540352242922"
WA_ID = "919830012345"
CHAT_URL = "/api/v1/chat/messages"
WEBHOOK_URL = "/notify/whatsapp/webhook/"


@pytest.fixture
def visitable(hq: Office, water: Department, make_official: Callable[..., Official]) -> Official:
    """KMC headquarters, its water department and an official who receives visitors."""
    return make_official(name="Rina Das", title="Executive Engineer", office=hq, department=water)


def last_code(mobile: str = "+919830012345") -> str:
    message = (
        OutboundMessage.objects.filter(channel="sms", template_key="otp_code")
        .order_by("-id")
        .first()
    )
    assert message is not None and message.recipient == mobile
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found
    return found.group(1)


class WebChat:
    """A citizen typing into the web chat: keeps the conversation id between messages."""

    def __init__(self, client: Client):
        self.client = client
        self.conversation: str | None = None
        self.last: dict[str, Any] = {}

    def send(self, text: str = "", choice: str = "", status: int = 200) -> dict[str, Any]:
        body: dict[str, Any] = {"conversation": self.conversation}
        if text:
            body["text"] = text
        if choice:
            body["choice"] = choice
        response = self.client.post(CHAT_URL, json.dumps(body), content_type="application/json")
        assert response.status_code == status, response.content
        data = response.json()
        if status == 200:
            self.conversation = data["conversation"]
            self.last = data
        return data

    @property
    def text(self) -> str:
        return "\n".join(r["text"] for r in self.last["replies"])

    @property
    def choices(self) -> list[str]:
        return [c["id"] for r in self.last["replies"] for c in r["choices"]]


@pytest.fixture
def web_chat(client: Client, db: Any) -> WebChat:
    return WebChat(client)


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WhatsAppSender:
    """Meta's side of the webhook: message objects in the Cloud API's exact envelope."""

    def __init__(self, client: Client, wa_id: str = WA_ID):
        self.client = client
        self.wa_id = wa_id
        self.ids = count(1)

    def envelope(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "918335999111",
                                    "phone_number_id": PHONE_NUMBER_ID,
                                },
                                "contacts": [
                                    {"profile": {"name": "Anita Sen"}, "wa_id": self.wa_id}
                                ],
                                "messages": [message],
                            },
                            "field": "messages",
                        }
                    ],
                }
            ],
        }

    def message(
        self, kind: str, content: dict[str, Any], wamid: str | None = None
    ) -> dict[str, Any]:
        return {
            "from": self.wa_id,
            "id": wamid or f"wamid.HBgMOTE5ODMwMDEyMzQ1FQIAEhgg{next(self.ids):08d}",
            "timestamp": "1764400000",
            "type": kind,
            kind: content,
        }

    def post(self, payload: dict[str, Any], secret: str = APP_SECRET) -> Any:
        body = json.dumps(payload).encode()
        return self.client.post(
            WEBHOOK_URL,
            body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": sign(body, secret)},
        )

    def text(self, body: str, wamid: str | None = None) -> Any:
        return self.post(self.envelope(self.message("text", {"body": body}, wamid)))

    def button(self, choice_id: str, title: str = "") -> Any:
        content = {
            "type": "button_reply",
            "button_reply": {"id": choice_id, "title": title or choice_id},
        }
        return self.post(self.envelope(self.message("interactive", content)))

    def list_reply(self, choice_id: str, title: str = "") -> Any:
        content = {
            "type": "list_reply",
            "list_reply": {"id": choice_id, "title": title or choice_id},
        }
        return self.post(self.envelope(self.message("interactive", content)))

    def location(self, latitude: float, longitude: float, name: str = "") -> Any:
        content = {"latitude": latitude, "longitude": longitude, "name": name, "address": ""}
        return self.post(self.envelope(self.message("location", content)))

    def image(self, media_id: str = "1234567890", caption: str = "") -> Any:
        content = {"id": media_id, "mime_type": "image/jpeg", "sha256": "abc", "caption": caption}
        return self.post(self.envelope(self.message("image", content)))


@pytest.fixture
def whatsapp(client: Client, settings: Any, db: Any) -> WhatsAppSender:
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    return WhatsAppSender(client)


def whatsapp_replies(since: int = 0) -> list[dict[str, Any]]:
    """The WhatsApp message objects queued for the citizen, oldest first."""
    return [
        m.payload["message"]
        for m in OutboundMessage.objects.filter(channel="whatsapp", pk__gt=since).order_by("id")
    ]


def run_worker() -> int:
    from civicgate.chatbot.processing import process_due

    return process_due()
