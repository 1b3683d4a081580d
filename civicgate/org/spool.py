"""Uploaded import files kept on the server between the dry run and the confirmation.

The browser gets only a random token; the confirmation imports the very bytes that were
checked (their SHA-256 is kept in the session), never a file posted again. stash(), take() and
forget() are that round trip for an import screen (org's employees, services' records).
"""

import contextlib
import hashlib
import re
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

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


def stash(request: HttpRequest, session_key: str, data: bytes, **details: str) -> str:
    """Keep a checked upload for its confirmation; return the token the form sends back.

    details (the file name, say) are kept with it in the session, in place of any other.
    """
    token, sha256 = keep(data)
    request.session[session_key] = {"token": token, "sha256": sha256, **details}
    return token


def take(
    request: HttpRequest,
    session_key: str,
    allowed: Callable[[dict[str, Any]], bool] = lambda pending: True,
) -> tuple[dict[str, Any], bytes] | None:
    """The pending upload that the posted confirmation names, and its bytes, exactly as checked.

    None, with a message that tells the person to upload the file again, when a file is posted
    with the confirmation, the token is not this session's pending one, allowed(pending) is
    false, or the file is gone or expired (the pending upload is then forgotten).
    """
    pending = request.session.get(session_key) or {}
    taken = None
    if (
        not request.FILES
        and pending
        and request.POST.get("token") == pending.get("token")
        and allowed(pending)
    ):
        try:
            taken = pending, load(pending["token"], pending["sha256"])
        except FileNotFoundError:
            forget(request, session_key)
    if taken is None:
        messages.error(
            request, _("This import has expired or was already done. Upload the file again.")
        )
    return taken


def forget(request: HttpRequest, session_key: str) -> None:
    pending = request.session.pop(session_key, None)
    if pending:
        discard(pending["token"])
