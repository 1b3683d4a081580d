"""Photos citizens send on WhatsApp: fetched from the Graph API when a complaint is filed.

GET {WHATSAPP_API_BASE}/{media_id} answers {"url": ...}; that URL, fetched with the same
bearer token, gives the bytes. A failure is logged and the complaint is filed without it.
"""

import logging

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

MAX_BYTES = 8 * 1024 * 1024


def download(media_id: str) -> bytes | None:
    token = getattr(settings, "WHATSAPP_ACCESS_TOKEN", "")
    if not token or not media_id.isalnum():
        return None
    headers = {"Authorization": f"Bearer {token}"}
    base = settings.WHATSAPP_API_BASE.rstrip("/")
    timeout = getattr(settings, "NOTIFY_HTTP_TIMEOUT_SECONDS", 10)
    try:
        meta = httpx.get(f"{base}/{media_id}", headers=headers, timeout=timeout)
        meta.raise_for_status()
        url = str(meta.json().get("url", ""))
        if not url.startswith("https://") and not url.startswith(base):
            return None
        media = httpx.get(url, headers=headers, timeout=timeout)
        media.raise_for_status()
    except (httpx.HTTPError, ValueError) as exc:
        logger.warning("A WhatsApp photo could not be fetched: %s", exc.__class__.__name__)
        return None
    if len(media.content) > MAX_BYTES:
        return None
    return media.content
