"""Tracking numbers under concurrency: requests filed at the same moment never share a number."""

import threading

import pytest
from django.db import connection, transaction

from civicgate.services.models import TrackingCounter
from civicgate.services.tracking import next_number, normalise_number


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="The in-memory SQLite test database refuses a locked table instead of waiting; "
    "on a database file, IMMEDIATE transactions queue writers (settings.py).",
)
def test_parallel_allocations_get_distinct_consecutive_numbers() -> None:
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def allocate() -> None:
        try:
            start.wait()
            for _n in range(5):
                with transaction.atomic():
                    numbers.append(next_number("WS"))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate) for _n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert serials == list(range(1, 31))
    assert TrackingCounter.objects.get(prefix="WS").last == 30


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("WS-2611-00123", "WS-2611-00123"),
        (" ws 2611 123 ", "WS-2611-00123"),
        ("ws/2611/123", "WS-2611-00123"),
        ("WS-26X1-1", ""),
        ("hello", ""),
    ],
)
def test_numbers_read_out_on_the_phone_are_understood(typed: str, number: str) -> None:
    assert normalise_number(typed) == number
