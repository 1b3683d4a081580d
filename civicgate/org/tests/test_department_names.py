"""Department names as citizens and guards read them: Bengali, Hindi, else English."""

from typing import Any

from django.test import Client
from django.utils import translation

from civicgate.org.models import Department


def test_a_department_is_named_in_the_readers_language_with_english_as_fallback(
    water: Department,
) -> None:
    water.name_bn, water.name_hi = "জল সরবরাহ", "जल आपूर्ति"
    water.save()
    parks = Department.objects.create(code="PS", name="Parks and Squares")

    with translation.override("bn"):
        assert str(water) == "জল সরবরাহ"
        assert parks.localized_name == "Parks and Squares"
    with translation.override("hi"):
        assert water.localized_name == "जल आपूर्ति"
    with translation.override("en"):
        assert str(water) == "Water Supply"


def test_the_citizens_services_page_names_departments_in_bengali(
    client: Client, water: Department, db: Any
) -> None:
    water.name_bn = "জল সরবরাহ"
    water.save()
    client.cookies["django_language"] = "bn"

    page = client.get("/citizen/services/").content.decode()

    assert "জল সরবরাহ" in page
