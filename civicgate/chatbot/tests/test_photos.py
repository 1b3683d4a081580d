"""A photo sent on WhatsApp goes with the complaint: fetched from the Graph API's media URL."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache

from civicgate.chatbot.tests.conftest import WhatsAppSender, run_worker
from civicgate.services.models import ServiceRequest
from civicgate.services.tests.conftest import jpeg

MEDIA_ID = "1234567890"


@pytest.fixture
def graph_media(settings: Any) -> Iterator[list[str]]:
    """The Graph API's media endpoints: /{media-id} gives a URL, the URL gives the bytes."""
    seen: list[str] = []
    photo = jpeg()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(f"{self.path} {self.headers.get('Authorization')}")
            if self.path == f"/v21.0/{MEDIA_ID}":
                url = f"{base}/v21.0/media/photo.jpg"
                body = json.dumps({"url": url, "mime_type": "image/jpeg"}).encode()
                kind = "application/json"
            elif self.path == "/v21.0/media/photo.jpg":
                body, kind = photo, "image/jpeg"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.WHATSAPP_API_BASE = f"{base}/v21.0"
    settings.WHATSAPP_ACCESS_TOKEN = "EAAG-test-token"
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_photo_sent_in_the_water_complaint_is_attached_to_the_request(
    whatsapp: WhatsAppSender, graph_media: list[str], hq: Any, water: Any
) -> None:
    cache.clear()
    whatsapp.text("hello")
    whatsapp.button("lang:en")
    whatsapp.text("pipe burst near my house, water leaking")
    whatsapp.list_reply("ws-leakage")
    whatsapp.location(22.5186, 88.3639)
    whatsapp.text("85")
    whatsapp.text("Water gushing from a broken pipe")
    whatsapp.image(MEDIA_ID, caption="the pipe")
    whatsapp.button("yes")

    run_worker()

    filed = ServiceRequest.objects.get()
    assert filed.service.slug == "ws-leakage"
    assert filed.photos.count() == 1
    assert graph_media == [
        f"/v21.0/{MEDIA_ID} Bearer EAAG-test-token",
        "/v21.0/media/photo.jpg Bearer EAAG-test-token",
    ]
