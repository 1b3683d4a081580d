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

A path in settings.PLAIN_API_VIEWS is also answered without URL routing or the API framework
when its request is the usual one: its plain view (request, endpoint) either answers it or
hands it to endpoint, the API's own view, which answers it as it would any request. The gate
scan, the busiest call of all, spent about a tenth of its Python time there.
"""

from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponseBase
from django.utils.module_loading import import_string

PlainView = Callable[[HttpRequest, Callable[[HttpRequest], HttpResponseBase]], HttpResponseBase]


class ShortChainHandler(WSGIHandler):
    """A Django WSGI handler with its own middleware chain, and optionally a plain view that
    answers its path's usual requests before URL routing (the rest go on as always)."""

    def __init__(self, middleware: list[str], plain_view: PlainView | None = None) -> None:
        self.middleware = list(middleware)
        self.plain_view = plain_view
        super().__init__()

    def _get_response(self, request: HttpRequest) -> HttpResponseBase:
        # The innermost step of the chain: the middleware around it runs either way. Chains
        # with a plain view have no view middleware, which routing would otherwise run.
        routed = super()._get_response  # type: ignore[misc]
        if self.plain_view is None:
            return routed(request)
        return self.plain_view(request, routed)

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
        # Plain views live beside their API's endpoints: the URLconf imports those modules
        # in the order they import one another.
        import_module(settings.ROOT_URLCONF)
        for paths, middleware in (
            (settings.DEVICE_API_PATHS, settings.DEVICE_API_MIDDLEWARE),
            (settings.CHAT_API_PATHS, settings.CHAT_API_MIDDLEWARE),
            (settings.CITIZEN_API_PATHS, settings.CITIZEN_API_MIDDLEWARE),
        ):
            handler = ShortChainHandler(middleware)
            self.routes.update(dict.fromkeys(paths, handler))
            for path in set(paths) & set(settings.PLAIN_API_VIEWS):
                view = import_string(settings.PLAIN_API_VIEWS[path])
                self.routes[path] = ShortChainHandler(middleware, plain_view=view)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        handler = self.routes.get(environ.get("PATH_INFO", ""), self.full)
        return handler(environ, start_response)
