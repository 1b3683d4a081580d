"""A server process's preparation: views imported, start-up objects frozen out of the garbage
collector's walks."""

import gc
from collections.abc import Iterator
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse
from django.urls.resolvers import URLResolver
from django.utils import translation

from civicgate.core import worker


@pytest.fixture
def unfreeze() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.django_db
def test_a_prepared_worker_has_its_start_up_objects_out_of_the_collectors_way(
    unfreeze: None,
) -> None:
    gc.unfreeze()

    worker.prepare()

    assert gc.get_freeze_count() > 10_000
    # And the views are imported: resolving a URL imports nothing new.
    from django.urls import resolve

    assert resolve("/api/v1/gate/scans").func is not None


@pytest.mark.django_db
def test_a_prepared_worker_reverses_names_and_reads_mobiles_without_building_anything(
    unfreeze: None,
) -> None:
    from phonenumbers.phonemetadata import PhoneMetadata

    worker.prepare()

    with mock.patch.object(URLResolver, "_populate") as build:
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                reverse("citizen_appointments:detail", args=["A1B2C3"])
                reverse("passes:pass", args=["P1"])
                reverse("healthz")
    assert build.call_count == 0
    assert "IN" in PhoneMetadata._region_metadata
