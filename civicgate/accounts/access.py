"""Who may see what: roles and office scoping, applied by every screen and query.

Views decorate with role_required(); queries go through offices_for() / scope_to_offices() so a
staff user limited to some offices never sees another office's rows.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from civicgate.accounts.roles import Role
from civicgate.org.models import Office

M = TypeVar("M", bound=Model)


def roles_of(user: Any) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_civicgate_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._civicgate_roles = cached
    return cached


def has_role(user: Any, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def offices_for(user: Any) -> QuerySet[Office]:
    """The offices whose records this user may see."""
    if not user.is_authenticated:
        return Office.objects.none()
    if user.all_offices:
        return Office.objects.all()
    return Office.objects.filter(staff_users=user)


def can_see_office(user: Any, office: Office | None) -> bool:
    if office is None or not user.is_authenticated:
        return False
    return bool(user.all_offices) or user.offices.filter(pk=office.pk).exists()


def scope_to_offices(queryset: QuerySet[M], user: Any, field: str = "office") -> QuerySet[M]:
    """Limit queryset to rows whose `field` (an Office relation) the user may see."""
    if user.is_authenticated and user.all_offices:
        return queryset
    return queryset.filter(**{f"{field}__in": offices_for(user)})


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Staff view decorator: logged in, and a member of at least one of roles."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


ADMIN_ROLES: Iterable[str] = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
