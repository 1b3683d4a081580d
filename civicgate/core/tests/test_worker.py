"""A server process's preparation: views imported, start-up objects frozen out of the garbage
collector's walks."""

import gc
from collections.abc import Iterator

import pytest

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
