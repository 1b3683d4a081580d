"""Reads of devices, always through the user's offices."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from civicgate.accounts.access import scope_to_offices
from civicgate.devices.models import Device


def devices_for(user: Any) -> QuerySet[Device]:
    """The devices of the offices user may see, with what the list screen shows."""
    return scope_to_offices(Device.objects.select_related("office", "gate"), user)


def get_device_for(user: Any, code: str) -> Device:
    """The device with this code, or 404 when it is unknown or in an office user does not see."""
    device = devices_for(user).filter(code=code).first()
    if device is None:
        raise Http404("No such device.")
    return device
