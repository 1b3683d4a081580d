"""Shared model pieces: timestamps and public random codes."""

import secrets

from django.db import models

# Crockford base32 without look-alike letters: codes are read aloud and typed by guards.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
assert len(_ALPHABET) == 32


def new_code(length: int = 10) -> str:
    # 32 letters: the low five bits of each random byte pick one, every letter equally likely.
    return "".join(_ALPHABET[byte & 31] for byte in secrets.token_bytes(length))


def new_public_code() -> str:
    return new_code(10)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def public_code_field() -> models.CharField:
    """The random public code a record is known by in URLs and payloads, never its id."""
    return models.CharField(max_length=12, unique=True, default=new_public_code, editable=False)
