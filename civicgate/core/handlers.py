"""The WSGI entry point: the busiest JSON endpoints take short middleware chains, pages the
full one.

Turnstiles and handheld scanners call a few JSON endpoints many times a second with a bearer
token, and the web chat sends every message of a conversation. Staff sign-in, the second
factor, messages, htmx and lockout tracking are for pages; on these calls they only cost time.
Paths in settings.DEVICE_API_PATHS (endpoints that accept nothing but a device token) are
served by a handler built from settings.DEVICE_API_MIDDLEWARE, paths in
settings.CHAT_API_PATHS by one built from settings.CHAT_API_MIDDLEWARE, paths in
settings.CITIZEN_API_PATHS (booking the last place of a slot) by one built from
settings.CITIZEN_API_MIDDLEWARE; everything else by the ordinary one.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler


class ShortChainHandler(WSGIHandler):
    """A Django WSGI handler with its own middleware chain."""

    def __init__(self, middleware: list[str]) -> None:
        self.middleware = list(middleware)
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE; this runs once, at start-up,
        # before any request, so swapping the list for the build is safe.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = self.middleware
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class RoutingApplication:
    """Send each listed path to its short chain and the rest to the full one."""

    def __init__(self) -> None:
        self.full = WSGIHandler()
        self.routes: dict[str, WSGIHandler] = {}
        for paths, middleware in (
            (settings.DEVICE_API_PATHS, settings.DEVICE_API_MIDDLEWARE),
            (settings.CHAT_API_PATHS, settings.CHAT_API_MIDDLEWARE),
            (settings.CITIZEN_API_PATHS, settings.CITIZEN_API_MIDDLEWARE),
        ):
            handler = ShortChainHandler(middleware)
            self.routes.update(dict.fromkeys(paths, handler))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        handler = self.routes.get(environ.get("PATH_INFO", ""), self.full)
        return handler(environ, start_response)
