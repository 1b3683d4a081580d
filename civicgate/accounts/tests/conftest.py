"""Fixtures for the accounts tests: a clean rate-limit cache and the codes citizens receive."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from civicgate.notify.models import OutboundMessage

MOBILE = "98300 12345"
E164 = "+919830012345"
MASKED = "+91 ******2345"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def last_sms(db: Any = None) -> OutboundMessage:
    return OutboundMessage.objects.filter(channel="sms", template_key="otp_code").order_by("-id")[0]


def code_in(message: OutboundMessage) -> str:
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found, f"no code in {message.body!r}"
    return found.group(1)


def last_code() -> str:
    return code_in(last_sms())


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"
