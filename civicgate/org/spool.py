"""Uploaded import files kept on the server between the dry run and the confirmation.

The browser gets only a random token; the confirmation imports the very bytes that were
checked (their SHA-256 is kept in the session), never a file posted again.
"""

import contextlib
import hashlib
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
MAX_AGE_SECONDS = 24 * 3600


def spool_dir() -> Path:
    path = Path(getattr(settings, "IMPORT_SPOOL_DIR", settings.BASE_DIR / "var" / "imports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(token: str) -> Path:
    if not _TOKEN.match(token):
        raise FileNotFoundError(token)
    return spool_dir() / f"{token}.upload"


def keep(data: bytes) -> tuple[str, str]:
    """Store data; return (token, sha256). Old leftovers of abandoned imports are removed."""
    _remove_stale()
    token = secrets.token_urlsafe(32)
    path = _path(token)
    path.write_bytes(data)
    path.chmod(0o600)
    return token, hashlib.sha256(data).hexdigest()


def load(token: str, sha256: str) -> bytes:
    """The stored bytes; FileNotFoundError if gone, expired or not what was checked."""
    path = _path(token)
    data = path.read_bytes()
    if (
        time.time() - path.stat().st_mtime > MAX_AGE_SECONDS
        or hashlib.sha256(data).hexdigest() != sha256
    ):
        raise FileNotFoundError(token)
    return data


def discard(token: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        _path(token).unlink(missing_ok=True)


def _remove_stale() -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in spool_dir().glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
