"""Fake providers on 127.0.0.1 that speak the SMS gateway's, the Graph API's and SMTP's
languages and remember what they were sent, plus the settings that point the backends at them."""

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from civicgate.notify.models import MessageTemplate


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeProvider:
    """An HTTP server that answers with queued responses (then the default) and records requests."""

    default: tuple[int, Any, dict[str, str]]
    requests: list[Received] = field(default_factory=list)
    responses: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    def answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.responses.append((status, body, headers or {}))


@contextmanager
def _serve(provider: FakeProvider) -> Iterator[FakeProvider]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            provider.requests.append(
                Received(
                    "POST",
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw),
                )
            )
            status, body, headers = (
                provider.responses.pop(0) if provider.responses else provider.default
            )
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sms_gateway(settings: Any) -> Iterator[FakeProvider]:
    """The SMS gateway: answers {"status": "queued", "message_id": "gw-..."}."""
    provider = FakeProvider(default=(200, {"status": "queued", "message_id": "gw-1001"}, {}))
    with _serve(provider) as running:
        settings.SMS_BACKEND = "http"
        settings.SMS_GATEWAY_URL = f"{running.url}/v1/sms"
        settings.SMS_GATEWAY_API_KEY = "gateway-key-123"
        settings.SMS_SENDER_ID = "KMCGOV"
        settings.SMS_DLT_ENTITY_ID = "1101456780000012345"
        yield running


@pytest.fixture
def graph_api(settings: Any) -> Iterator[FakeProvider]:
    """Meta's Graph API for WhatsApp: answers {"messages": [{"id": "wamid..."}]}."""
    ok = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "919830012345", "wa_id": "919830012345"}],
        "messages": [{"id": "wamid.HBgMOTE5ODMwMDEyMzQ1FQIAERgSQUFBQUFBQUFBQUFBQUFBAA=="}],
    }
    provider = FakeProvider(default=(200, ok, {}))
    with _serve(provider) as running:
        settings.WHATSAPP_BACKEND = "cloud"
        settings.WHATSAPP_API_BASE = f"{running.url}/v21.0"
        settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
        settings.WHATSAPP_ACCESS_TOKEN = "EAAG-test-token"
        yield running


def graph_error(code: int, message: str, subcode: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf123",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@dataclass
class MailBox:
    host: str
    port: int
    received: list[dict[str, Any]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)


class _Handler:
    def __init__(self, box: MailBox):
        self.box = box

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.box.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.received.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.content}
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[MailBox]:
    """A real SMTP server (aiosmtpd) that Django's SMTP backend talks to."""
    box = MailBox(host="127.0.0.1", port=_free_port())
    controller = Controller(_Handler(box), hostname=box.host, port=box.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = box.host
    settings.EMAIL_PORT = box.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def registered_sms_templates(db: Any) -> None:
    """DLT template ids as an administrator enters them once the DLT platform approves them."""
    for n, tmpl in enumerate(MessageTemplate.objects.filter(channel="sms"), start=1):
        tmpl.dlt_template_id = f"1107{n:015d}"
        tmpl.save(update_fields=["dlt_template_id"])
