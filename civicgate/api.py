"""The JSON API under /api/v1: one NinjaAPI, one router per app.

Errors always come as {"error": code, "message": text} with a 4xx status.
"""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

api = NinjaAPI(title="CivicGate API", version="1", urls_namespace="api")


class ApiError(Exception):
    """Raise from an endpoint to answer {"error": code, "message": message} with status."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    return api.create_response(request, {"error": code, "message": message}, status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details: list[Any] = exc.errors
    first = details[0] if details else {}
    return error_response(
        request,
        422,
        "invalid",
        f"{_where(first.get('loc', []))}: {first.get('msg', 'invalid input')}",
    )


def _where(loc: list[Any]) -> str:
    """The field a client sent wrong: ("body", "payload", "device_time") -> "device_time".

    A body's second element is the endpoint's argument name, which means nothing to clients.
    """
    source, *path = [str(p) for p in loc] or ["body"]
    if source == "body":
        path = path[1:]
    return ".".join(path) or source


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        401,
        "unauthorized",
        "Sign in first: a device sends its token, a citizen or staff member signs in on the site.",
    )


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(
        request, 413, "too_large", "The request body is larger than this server accepts."
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, "error", str(exc))


def _register_routers() -> None:
    from civicgate.appointments.api import router as appointments_router
    from civicgate.chatbot.api import router as chat_router
    from civicgate.devices.api import router as devices_router
    from civicgate.passes.api import router as gate_router
    from civicgate.services.api import router as services_router

    api.add_router("/devices", devices_router)
    api.add_router("/gate", gate_router)
    api.add_router("/appointments", appointments_router)
    api.add_router("/services", services_router)
    api.add_router("/chat", chat_router)


_register_routers()
