"""GET /api/v1/gate/keys and /api/v1/gate/revocations: what a gate needs to decide offline."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import time_machine
from django.test import Client
from django.utils import timezone

from civicgate.accounts.models import User
from civicgate.devices.models import Device
from civicgate.org.models import Office
from civicgate.passes import keys, tokens
from civicgate.passes.models import GatePass
from civicgate.passes.tests.test_scan_support import (
    bearer,
    post_scan,
    scanner,
)

# Fixtures shared with the other scan tests; pytest finds them by name in this module.
SHARED_FIXTURES = (post_scan, scanner)

KEYS = "/api/v1/gate/keys"
REVOCATIONS = "/api/v1/gate/revocations"


def test_anyone_can_fetch_the_public_keys_and_verify_a_pass_with_them(
    client: Client, make_pass: Callable[..., GatePass]
) -> None:
    gate_pass = make_pass()

    body = client.get(KEYS).json()

    published = {k["kid"]: k["public_key"] for k in body["keys"]}
    assert {k["alg"] for k in body["keys"]} == {"Ed25519"}
    assert tokens.verify(gate_pass.token, published).code == gate_pass.code


def test_after_rotation_both_keys_are_published(
    client: Client, make_pass: Callable[..., GatePass]
) -> None:
    old = make_pass().signing_key.kid
    new = keys.rotate(actor="t").kid

    kids = {k["kid"] for k in client.get(KEYS).json()["keys"]}

    assert {old, new} <= kids


def _revoke(gate_pass: GatePass) -> None:
    GatePass.objects.filter(pk=gate_pass.pk).update(
        state=GatePass.State.REVOKED, updated_at=timezone.now()
    )


def test_a_device_gets_the_refused_passes_of_its_own_office(
    client: Client,
    make_pass: Callable[..., GatePass],
    scanner: tuple[Device, str],
    borough: Office,
) -> None:
    revoked = make_pass(mobile="+919830011111")
    valid = make_pass(mobile="+919830022222")
    elsewhere = make_pass(mobile="+919830033333", office=borough)
    _revoke(revoked)
    _revoke(elsewhere)

    response = client.get(REVOCATIONS, **bearer(scanner[1]))

    assert response.status_code == 200
    assert response.json()["revoked"] == [revoked.code]
    assert valid.code not in response.json()["revoked"]


def test_revocations_older_than_the_longest_pass_drop_off_the_list(
    client: Client, make_pass: Callable[..., GatePass], scanner: tuple[Device, str], settings: Any
) -> None:
    gate_pass = make_pass()
    _revoke(gate_pass)

    with time_machine.travel(timezone.now() + timedelta(days=settings.PASS_MAX_DAYS + 1)):
        body = client.get(REVOCATIONS, **bearer(scanner[1])).json()

    assert body["revoked"] == []


def test_a_guard_signed_in_gets_the_list_for_the_offices_they_guard(
    staff_client: Callable[[User], Client],
    make_user: Callable[..., User],
    make_pass: Callable[..., GatePass],
    hq: Office,
    borough: Office,
) -> None:
    mine = make_pass(mobile="+919830011111")
    theirs = make_pass(mobile="+919830022222", office=borough)
    _revoke(mine)
    _revoke(theirs)
    client = staff_client(make_user("guard", "guard", offices=[hq]))

    body = client.get(REVOCATIONS).json()

    assert body["revoked"] == [mine.code]


def test_the_revocation_list_is_refused_to_strangers(
    client: Client,
    staff_client: Callable[[User], Client],
    make_user: Callable[..., User],
    hq: Office,
) -> None:
    anonymous = client.get(REVOCATIONS)
    official = staff_client(make_user("clerk", "official", offices=[hq])).get(REVOCATIONS)

    assert anonymous.status_code == 401
    assert official.status_code == 401
    assert official.json()["error"] == "unauthorized"
