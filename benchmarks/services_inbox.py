"""The department staff inbox over 100,000 service requests, and the tracking lookup.

.venv/bin/python benchmarks/services_inbox.py [--requests 100000] [--database-url postgresql://...]

Targets (issue 5): the inbox's first page under 150 ms with a fixed number of queries, and a
tracking lookup under 20 ms, on SQLite and on PostgreSQL. The script builds a fresh database
(production settings, DEBUG off), one Water Supply department with 100,000 requests over 144
wards and two offices (a fifth of them open, some overdue), then times in-process through the
whole Django stack (middleware, view, template): the inbox first page as a clerk, filtered
pages, the public tracking page and the tracking API, and the tracking selector alone.
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import production_env, workdir


def _timed(name: str, call: Callable[[], object], runs: int) -> tuple[float, float]:
    for _ in range(5):
        call()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{name:<44} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ({runs} runs)")
    return p50, p95


def _build(total: int) -> tuple[object, list[str]]:
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from civicgate.accounts.models import Citizen, User
    from civicgate.accounts.roles import Role
    from civicgate.core.crypto import blind_index
    from civicgate.org.models import Department, Employee, Office
    from civicgate.services.models import Service, ServiceRequest

    hq = Office.objects.create(code="HQ", name="KMC Headquarters", kind=Office.Kind.HEADQUARTERS)
    borough = Office.objects.create(code="BR-07", name="Borough VII", kind=Office.Kind.BOROUGH)
    water = Department.objects.create(code="WS", name="Water Supply")
    head = Employee.objects.create(
        staff_number="KMC00001",
        name="Head",
        designation="Director General",
        department=water,
        office=hq,
    )
    workers = [
        Employee.objects.create(
            staff_number=f"KMC{n:05d}",
            name=f"Worker {n}",
            designation="Work Assistant",
            department=water,
            office=hq,
            supervisor=head,
        )
        for n in range(2, 22)
    ]
    clerk = User.objects.create_user("clerk", password="x", employee=workers[0])
    clerk.groups.add(Group.objects.get(name=Role.DEPARTMENT_STAFF))
    clerk.offices.set([hq, borough])
    mobile = "+919830012345"
    citizen = Citizen.objects.create(mobile=mobile, mobile_index=blind_index(mobile, "mobile"))
    services = list(Service.objects.filter(department=water))
    rng = random.Random(700013)
    now = timezone.now()
    states = [ServiceRequest.State.CLOSED] * 8 + [
        ServiceRequest.State.SUBMITTED,
        ServiceRequest.State.ASSIGNED,
    ]
    numbers = []
    batch = []
    # Filing times spread over the past, as in a real queue (auto_now_add would stamp them all now).
    ServiceRequest._meta.get_field("created_at").auto_now_add = False
    for n in range(total):
        created = now - timedelta(minutes=(total - n) * 5)
        state = rng.choice(states)
        service = rng.choice(services)
        number = f"WS-{created:%y%m}-{n + 1:05d}"
        numbers.append(number)
        batch.append(
            ServiceRequest(
                number=number,
                service=service,
                department=water,
                office=hq if n % 3 else borough,
                citizen=citizen,
                mobile=mobile,
                mobile_index=citizen.mobile_index,
                description="No water since the morning supply.",
                ward=rng.randint(1, 144),
                state=state,
                assigned_to=rng.choice(workers) if state != "submitted" else None,
                due_at=created + timedelta(hours=service.resolution_hours or 24),
                created_at=created,
            )
        )
        if len(batch) == 5000:
            ServiceRequest.objects.bulk_create(batch)
            batch = []
    ServiceRequest.objects.bulk_create(batch)
    return clerk, numbers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with workdir() as tmp:
        os.environ.update(production_env(args.database_url or None, tmp))
        if not args.database_url:
            os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "civicgate.settings"
        import django

        django.setup()
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from civicgate.services import selectors

        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        t0 = time.perf_counter()
        clerk, numbers = _build(args.requests)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"database: {connection.vendor}; {args.requests:,} requests built in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(clerk)  # type: ignore[arg-type]

        def page(url: str) -> Callable[[], object]:
            def get() -> object:
                response = client.get(url)
                assert response.status_code == 200, response.status_code
                return response

            return get

        for label, url in (
            ("inbox first page (open requests)", "/services/"),
            ("inbox, all states", "/services/?state=all"),
            ("inbox, one ward", "/services/?ward=85"),
            ("inbox, overdue only", "/services/?overdue=1"),
            ("inbox, search by number", f"/services/?q={numbers[-500]}"),
        ):
            with CaptureQueriesContext(connection) as queries:
                page(url)()
            print(f"{label:<44} {len(queries)} queries")
            _timed(label, page(url), args.runs)

        rng = random.Random(1)
        anonymous = Client(HTTP_HOST="127.0.0.1")

        def tracking_page() -> object:
            cache.clear()  # the lookup rate limit counts per address; every run is one lookup
            response = anonymous.get(f"/citizen/services/track/?number={rng.choice(numbers)}")
            assert response.status_code == 200
            return response

        def tracking_api() -> object:
            cache.clear()
            response = anonymous.get(f"/api/v1/services/track/{rng.choice(numbers)}")
            assert response.status_code == 200
            return response

        _timed("tracking page (GET, whole stack)", tracking_page, args.runs)
        _timed("tracking API (GET, whole stack)", tracking_api, args.runs)
        _timed("tracking selector alone", lambda: selectors.track(rng.choice(numbers)), args.runs)


if __name__ == "__main__":
    main()
