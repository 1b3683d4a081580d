"""Department services: the catalogue, service requests and the records citizens look up."""

from civicgate.services.models.catalogue import Service
from civicgate.services.models.lookups import (
    AdvertisementPermission,
    Assessment,
    AssessmentDue,
    AssessmentPayment,
    PlanApplication,
    StatusEntry,
)
from civicgate.services.models.requests import (
    RequestEvent,
    RequestPhoto,
    ServiceRequest,
    TrackingCounter,
)

__all__ = [
    "AdvertisementPermission",
    "Assessment",
    "AssessmentDue",
    "AssessmentPayment",
    "PlanApplication",
    "RequestEvent",
    "RequestPhoto",
    "Service",
    "ServiceRequest",
    "StatusEntry",
    "TrackingCounter",
]
