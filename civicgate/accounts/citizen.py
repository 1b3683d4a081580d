"""Citizens in the web session: signed in by a verified mobile number, not Django users.

A citizen's session holds only the citizen's public code. Staff sign-in (request.user) and a
citizen sign-in are independent, so one never grants the other's pages.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from civicgate.accounts.models import Citizen

SESSION_KEY = "civicgate_citizen"
_CACHE_ATTR = "_civicgate_citizen"


def sign_in_citizen(request: HttpRequest, citizen: Citizen) -> None:
    # A new session key at sign-in, so a key planted before sign-in is worth nothing after.
    request.session.cycle_key()
    request.session[SESSION_KEY] = citizen.code
    setattr(request, _CACHE_ATTR, citizen)


def sign_out_citizen(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    setattr(request, _CACHE_ATTR, None)


def current_citizen(request: HttpRequest) -> Citizen | None:
    """The signed-in citizen, or None."""
    if hasattr(request, _CACHE_ATTR):
        cached: Citizen | None = getattr(request, _CACHE_ATTR)
        return cached
    code = request.session.get(SESSION_KEY)
    citizen = Citizen.objects.filter(code=code).first() if code else None
    if code and citizen is None:
        request.session.pop(SESSION_KEY, None)
    setattr(request, _CACHE_ATTR, citizen)
    return citizen


def citizen_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator: a signed-in citizen, else the mobile number page (coming back after)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if current_citizen(request) is None:
            response = redirect("citizen:start")
            response["Location"] += "?" + urlencode({"next": request.get_full_path()})
            return response
        return view(request, *args, **kwargs)

    return wrapped


def over_rate_limit(scope: str, address: str | None, limit: int, window_seconds: int) -> bool:
    """Count one hit for address in scope; True once more than limit hits fall in the window.

    A fixed window in the shared cache (Redis in production), so every app server counts
    together.
    """
    if not address:
        return False
    key = f"civicgate:rate:{scope}:{address}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        hits = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window_seconds)
        hits = 1
    return hits > limit
