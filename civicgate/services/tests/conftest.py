"""Fixtures of the services tests: Water Supply with its head and staff, citizens, photos."""

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from PIL import Image

from civicgate.accounts.citizen import SESSION_KEY
from civicgate.accounts.models import Citizen, User
from civicgate.accounts.roles import Role
from civicgate.core.crypto import blind_index
from civicgate.org.models import Department, Employee, Office
from civicgate.services import actions
from civicgate.services.models import ServiceRequest

MOBILE = "+919830012345"
OTHER_MOBILE = "+919830054321"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def head(make_employee: Callable[..., Employee]) -> Employee:
    """The Water Supply department's head: the top of its chain."""
    return make_employee(name="Sujata Roy", designation="Director General", staff_number="KMC00001")


@pytest.fixture
def engineer(make_employee: Callable[..., Employee], head: Employee) -> Employee:
    return make_employee(name="Partha Dey", designation="Assistant Engineer", supervisor=head)


@pytest.fixture
def fitter(make_employee: Callable[..., Employee], head: Employee) -> Employee:
    return make_employee(name="Rabi Mondal", designation="Work Assistant", supervisor=head)


@pytest.fixture
def water_staff(make_user: Callable[..., User], hq: Office, engineer: Employee) -> User:
    return make_user("wsclerk", Role.DEPARTMENT_STAFF, offices=[hq], employee=engineer)


@pytest.fixture
def head_user(make_user: Callable[..., User], hq: Office, head: Employee) -> User:
    return make_user("wshead", Role.DEPARTMENT_STAFF, offices=[hq], employee=head)


@pytest.fixture
def roads(db: Any) -> Department:
    return Department.objects.create(code="RD", name="Roads")


def make_citizen(mobile: str = MOBILE, language: str = "en") -> Citizen:
    return Citizen.objects.create(
        mobile=mobile, mobile_index=blind_index(mobile, "mobile"), language=language
    )


@pytest.fixture
def citizen(db: Any) -> Citizen:
    return make_citizen()


@pytest.fixture
def other_citizen(db: Any) -> Citizen:
    return make_citizen(OTHER_MOBILE)


def as_citizen(client: Client, person: Citizen) -> Client:
    session = client.session
    session[SESSION_KEY] = person.code
    session.save()
    return client


def jpeg(
    colour: tuple[int, int, int] = (200, 30, 30),
    size: tuple[int, int] = (800, 600),
    exif: bool = False,
) -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        data[0x8825] = {2: (22.0, 33.0, 0.0)}  # GPS latitude
        image.save(out, "JPEG", exif=data)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def file_request(hq: Office, water: Department, citizen: Citizen) -> Callable[..., ServiceRequest]:
    def make(**fields: Any) -> ServiceRequest:
        values: dict[str, Any] = {
            "citizen": citizen,
            "service": "ws-no-water",
            "description": "No water since morning in our lane.",
            "ward": 85,
            "latitude": "22.517000",
            "longitude": "88.364000",
        }
        values.update(fields)
        return actions.submit_request(**values)

    return make
