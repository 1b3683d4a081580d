"""Encryption of personal data at rest, and keyed hashes to look it up.

Mobile numbers, photos and thumb templates are stored encrypted with Fernet (AES-128-CBC with
HMAC-SHA256). Where a record must be found by such a value (a citizen by mobile number), a
keyed HMAC-SHA256 "blind index" is stored beside it: it matches equal values without revealing
them, and without the key it cannot be reversed by trying all ten-digit numbers.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.DATA_ENCRYPTION_KEYS])


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)


def encrypt_text(text: str) -> str:
    return encrypt_bytes(text.encode()).decode()


def decrypt_text(token: str) -> str:
    try:
        return decrypt_bytes(token.encode()).decode()
    except InvalidToken:
        raise ValueError("Encrypted value cannot be read with the configured keys.") from None


def blind_index(value: str, purpose: str) -> str:
    """A keyed hash of value for equality look-ups; purpose separates uses of one key."""
    key = hashlib.sha256(f"{settings.SECRET_KEY}:blind-index:{purpose}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
