"""The WSGI entry point: device endpoints take a short middleware chain, people the full one.

Turnstiles and handheld scanners call a few JSON endpoints many times a second with a bearer
token. Sessions, CSRF, staff sign-in, the second factor, messages, htmx and lockout tracking
are for browsers; on a device call they only cost time. Paths listed in
settings.DEVICE_API_PATHS (endpoints that accept nothing but a device token) are served by a
handler built from settings.DEVICE_API_MIDDLEWARE; everything else by the ordinary one.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler


class DeviceAPIHandler(WSGIHandler):
    """A Django WSGI handler whose middleware chain is settings.DEVICE_API_MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE; this runs once, at start-up,
        # before any request, so swapping the list for the build is safe.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.DEVICE_API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class RoutingApplication:
    """Send device API paths to the lean handler and the rest to the full one."""

    def __init__(self) -> None:
        self.full = WSGIHandler()
        self.device = DeviceAPIHandler()
        self.device_paths = tuple(settings.DEVICE_API_PATHS)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in self.device_paths:
            return self.device(environ, start_response)
        return self.full(environ, start_response)
