"""What other apps (the chatbot, later the work diary) call, with plain arguments.

The citizen is an accounts Citizen or a mobile number the caller has verified (a WhatsApp
sender). Refusals raise actions.RequestRefused with a code and a message for the person.
"""

from django.db.models import QuerySet

from civicgate.services.actions import RequestRefused, rate_request, submit_request
from civicgate.services.lookups import (
    payment_url,
    permission_status,
    plan_status,
    property_tax_dues,
)
from civicgate.services.models import Service
from civicgate.services.selectors import assigned_to, requests_of, track


def offered_services(kind: str | None = None) -> QuerySet[Service]:
    """The services on offer (those whose department exists), optionally of one kind."""
    services = Service.objects.filter(active=True, department__isnull=False)
    return services.filter(kind=kind) if kind else services


__all__ = [
    "RequestRefused",
    "assigned_to",
    "offered_services",
    "payment_url",
    "permission_status",
    "plan_status",
    "property_tax_dues",
    "rate_request",
    "requests_of",
    "submit_request",
    "track",
]
