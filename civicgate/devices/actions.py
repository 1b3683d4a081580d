"""Writes on devices: registration, token rotation, revocation and heartbeats.

A device token is a long random string shown once. Only its SHA-256 hash is stored: tokens carry
256 bits of randomness, so a fast hash cannot be reversed by guessing, and looking a token up by
its hash compares nothing secret in Python (no timing side channel).
"""

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.accounts.models import User
from civicgate.audit.chain import record
from civicgate.devices.models import Device
from civicgate.org.models import Gate, Office

# Leaked tokens are recognisable (secret scanners, log reviews) by this prefix.
TOKEN_PREFIX = "cgd_"
_TOKEN_BYTES = 32
_SHOWN_PREFIX_LENGTH = 12


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str, str]:
    """A fresh token, its hash and the few characters shown to tell tokens apart."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
    return token, hash_token(token), token[:_SHOWN_PREFIX_LENGTH]


def _validate(*, name: str, kind: str, office: Office, gate: Gate | None, direction: str) -> None:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter a name for the device.")
    elif Device.objects.filter(office=office, name__iexact=name).exists():
        errors["name"] = _("%(office)s already has a device named “%(name)s”.") % {
            "office": office.code,
            "name": name,
        }
    if kind not in Device.Kind.values:
        errors["kind"] = _("Unknown kind “%(kind)s”; choose one of: %(kinds)s.") % {
            "kind": kind,
            "kinds": ", ".join(Device.Kind.values),
        }
    if direction not in Device.Direction.values:
        errors["direction"] = _(
            "Unknown direction “%(direction)s”; choose one of: %(choices)s."
        ) % {
            "direction": direction,
            "choices": ", ".join(Device.Direction.values),
        }
    if not office.active:
        errors["office"] = _("%(office)s is not an active office.") % {"office": office.code}
    if gate is not None and gate.office_id != office.pk:
        errors["gate"] = _("%(gate)s is not a gate of %(office)s.") % {
            "gate": gate.name,
            "office": office.code,
        }
    elif gate is not None and not gate.active:
        errors["gate"] = _("%(gate)s is closed (not active).") % {"gate": gate.name}
    if errors:
        raise ValidationError(errors)


def _lock(device: Device) -> Device:
    return Device.objects.select_for_update(of=("self",)).select_related("office").get(pk=device.pk)


def register_device(
    *,
    name: str,
    kind: str,
    office: Office,
    gate: Gate | None = None,
    direction: str = "both",
    serial_number: str = "",
    actor: Any = None,
    request: HttpRequest | None = None,
) -> tuple[Device, str]:
    """Register a device and return it with its plain token, which is never shown again."""
    name = name.strip()
    _validate(name=name, kind=kind, office=office, gate=gate, direction=direction)
    token, token_hash, shown = _new_token()
    try:
        with transaction.atomic():
            device = Device.objects.create(
                name=name,
                kind=kind,
                office=office,
                gate=gate,
                direction=direction,
                serial_number=serial_number.strip(),
                token_hash=token_hash,
                token_prefix=shown,
                created_by=actor if isinstance(actor, User) else None,
            )
            record(
                "devices.registered",
                actor=actor,
                obj=device,
                office=office,
                request=request,
                data={
                    "name": device.name,
                    "kind": kind,
                    "gate": gate.name if gate else None,
                    "direction": direction,
                    "serial_number": device.serial_number,
                    "token_prefix": shown,
                },
            )
    except IntegrityError:
        # Another registration took the name between the check and the insert.
        raise ValidationError(
            {
                "name": _("%(office)s already has a device named “%(name)s”.")
                % {"office": office.code, "name": name}
            }
        ) from None
    return device, token


def rotate_token(device: Device, *, actor: Any, request: HttpRequest | None = None) -> str:
    """Give the device a new token; the old one stops working at once."""
    token, token_hash, shown = _new_token()
    with transaction.atomic():
        locked = _lock(device)
        if locked.revoked_at is not None:
            raise ValidationError(_("A revoked device cannot get a new token; register it again."))
        old_prefix = locked.token_prefix
        now = timezone.now()
        Device.objects.filter(pk=device.pk).update(
            token_hash=token_hash, token_prefix=shown, token_rotated_at=now, updated_at=now
        )
        record(
            "devices.token_rotated",
            actor=actor,
            obj=device,
            office=locked.office.code,
            request=request,
            data={"old_token_prefix": old_prefix, "new_token_prefix": shown},
        )
    device.token_hash, device.token_prefix, device.token_rotated_at = token_hash, shown, now
    return token


def revoke_device(
    device: Device, *, actor: Any, reason: str, request: HttpRequest | None = None
) -> None:
    """Stop the device's token for good, with the reason kept in the audit trail."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for revoking the device.")})
    with transaction.atomic():
        locked = _lock(device)
        if locked.revoked_at is not None:
            raise ValidationError(_("This device was already revoked."))
        now = timezone.now()
        Device.objects.filter(pk=device.pk).update(revoked_at=now, updated_at=now)
        record(
            "devices.revoked",
            actor=actor,
            obj=device,
            office=locked.office.code,
            request=request,
            data={"reason": reason[:500], "token_prefix": locked.token_prefix},
        )
    device.revoked_at = now


def record_heartbeat(
    device: Device,
    *,
    device_time: datetime,
    firmware: str | None,
    ip: str | None,
    status: dict[str, Any] | None = None,
) -> float:
    """Note that the device is alive; return its clock drift in seconds (positive: ahead).

    Heartbeats come every minute from every device, so they are not audited; one UPDATE
    keeps the last-seen time, drift, address, firmware and reported status.
    """
    if timezone.is_naive(device_time):
        raise ValueError("device_time must carry a UTC offset.")
    now = timezone.now()
    drift = round((device_time - now).total_seconds(), 3)
    changes: dict[str, Any] = {"last_seen_at": now, "clock_drift_seconds": drift, "last_ip": ip}
    if firmware is not None:
        changes["firmware"] = firmware[:64]
    if status is not None:
        changes["last_status"] = status
    Device.objects.filter(pk=device.pk).update(**changes)
    for field, value in changes.items():
        setattr(device, field, value)
    return drift
