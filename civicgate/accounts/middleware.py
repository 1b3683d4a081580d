"""Second factor for administrators: no staff page until the TOTP code is given."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from civicgate.accounts.access import has_role

_OPEN_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/api/",
    "/citizen/",
)


class RequireSecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and has_role(user, *settings.SECOND_FACTOR_ROLES)
            and not user.is_verified()  # type: ignore[attr-defined]
        ):
            return redirect("accounts:two_factor")
        return self.get_response(request)
