from typing import Any

from django.http import HttpRequest

from civicgate.accounts.access import roles_of
from civicgate.accounts.navigation import entries_for
from civicgate.accounts.roles import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": [], "user_roles": [], "sees_security_alerts": False}
    labels = dict(Role.choices)
    return {
        "nav_entries": entries_for(user),
        "user_roles": [labels[r] for r in sorted(roles_of(user)) if r in labels],
        # Only past the second factor: before it, the badge's request would be answered with
        # the two-factor page, which holds another badge.
        "sees_security_alerts": Role.SECURITY_ADMIN in roles_of(user) and user.is_verified(),
    }
