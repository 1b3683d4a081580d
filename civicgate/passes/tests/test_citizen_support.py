"""Fixtures for the citizen pass tests: signed-in citizens, hosts, and a filled-in request.

Test modules import the fixtures they use from here.
"""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from civicgate.accounts.citizen import SESSION_KEY
from civicgate.accounts.models import Citizen
from civicgate.core.crypto import blind_index
from civicgate.org.models import Department, Office, Official
from civicgate.passes.citizen_actions import PassRequest, request_pass
from civicgate.passes.models import GatePass, PassPolicy

MOBILE = "+919830012345"
OTHER_MOBILE = "+919830054321"
MASKED = "+91 ******2345"
REQUEST = "/passes/request/"
MINE = "/passes/mine/"
APPROVALS = "/passes/approvals/"
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def pass_page(code: str) -> str:
    return f"/passes/p/{code}/"


def local(moment: datetime) -> str:
    """moment as a datetime-local box holds it (Kolkata time)."""
    return timezone.localtime(moment).strftime(LOCAL_FORMAT)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # Rate-limit counters and the published-keys cache must not leak between tests.
    cache.clear()
    yield
    cache.clear()


def make_citizen(mobile: str = MOBILE, name: str = "", language: str = "en") -> Citizen:
    return Citizen.objects.create(
        mobile=mobile,
        mobile_index=blind_index(mobile, "mobile"),
        name=name,
        language=language,
        verified_at=timezone.now(),
    )


def sign_in_citizen(client: Client, citizen: Citizen) -> Client:
    """A fresh session signed in as citizen (as after the code from the SMS)."""
    client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    session = client.session
    session[SESSION_KEY] = citizen.code
    session.save()
    return client


@pytest.fixture
def citizen(db: Any) -> Citizen:
    return make_citizen()


@pytest.fixture
def citizen_client(client: Client, citizen: Citizen) -> Client:
    return sign_in_citizen(client, citizen)


@pytest.fixture
def engineer(make_official: Callable[..., Official]) -> Official:
    """An official of HQ, Water Supply, who receives visitors."""
    return make_official(name="Sudipta Roy", title="Executive Engineer")


@pytest.fixture
def borough_official(make_official: Callable[..., Official], borough: Office) -> Official:
    return make_official(name="Rina Das", title="Assistant Engineer", office=borough)


@pytest.fixture
def approval_required(water: Department) -> PassPolicy:
    return PassPolicy.objects.create(department=water, requires_host_approval=True)


@pytest.fixture
def request_data(hq: Office, engineer: Official) -> Callable[..., dict[str, str]]:
    """A complete, valid pass request for HQ to the engineer, now for four hours."""

    def data(**changes: Any) -> dict[str, str]:
        start = timezone.now()
        values = {
            "office": hq.code,
            "host": f"official:{engineer.code}",
            "valid_from": local(start),
            "valid_until": local(start + timedelta(hours=4)),
            "purpose": "New water connection",
            "name": "Anita Sen",
            "consent": "on",
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v != ""}

    return data


def only_pass() -> GatePass:
    return GatePass.objects.select_related("visitor").get()


@pytest.fixture
def make_web_pass(citizen: Citizen, hq: Office, engineer: Official) -> Callable[..., GatePass]:
    """A pass the citizen asked for on the web (issued, or pending where approval is needed)."""

    def make(
        *,
        who: Citizen | None = None,
        name: str = "Anita Sen",
        host_official: Official | None = None,
        host_department: Department | None = None,
        start: datetime | None = None,
        hours: float = 4,
        language: str = "en",
        office: Office | None = None,
    ) -> GatePass:
        start = start or timezone.now()
        if host_department is None and host_official is None:
            host_official = engineer
        office = office or (host_official.employee.office if host_official else hq)
        return request_pass(
            citizen=who or citizen,
            wanted=PassRequest(
                office=office,
                host_official=host_official,
                host_department=host_department,
                valid_from=start,
                valid_until=start + timedelta(hours=hours),
                purpose="New water connection",
                name=name,
            ),
            language=language,
        )

    return make
