"""200 citizens at once on the last place of a slot, against the production server.

.venv/bin/python benchmarks/appointment_race.py [--database-url postgresql://...]
    [--attempts 200] [--workers 4]

A fresh database gets an official whose Tuesday-next-week 10:00 slot holds three citizens, two
places already booked, and 200 signed-in citizens (a session each, as after the one-time-code
sign-in). All 200 POST /api/v1/appointments/bookings for that slot at the same instant, each on
its own connection, released together by a barrier. The script prints the statuses, the
latency distribution and the bookings the database holds afterwards.
Target (issue 4): exactly one booked, no 5xx, p99 under 200 ms, on SQLite and PostgreSQL.
"""

import argparse
import http.client
import json
import secrets
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import manage, production_env, production_server, workdir

SEED = """
import json
from datetime import datetime, time as t, timedelta
from zoneinfo import ZoneInfo
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from civicgate.accounts.citizen import SESSION_KEY
from civicgate.accounts.models import Citizen
from civicgate.appointments import actions
from civicgate.appointments.models import Availability, WeeklyHours
from civicgate.core.crypto import blind_index
from civicgate.org.models import Department, Employee, Office, Official
office = Office.objects.create(code="HQ", name="KMC Headquarters", kind="hq")
dept = Department.objects.create(code="WS", name="Water Supply")
e = Employee.objects.create(staff_number="R0001", name="Subrata Ghosh",
    designation="Executive Engineer", department=dept, office=office, mobile="+919830000001")
official = Official.objects.create(employee=e, title="Executive Engineer")
a = Availability.objects.create(official=official, slot_minutes=30, capacity=3,
    min_notice_minutes=60, horizon_days=30, per_citizen_limit=2)
WeeklyHours.objects.bulk_create(WeeklyHours(availability=a, weekday=d, start=t(10), end=t(13))
    for d in range(7))
today = timezone.localdate()
day = today + timedelta(days=(1 - today.weekday()) % 7 + 7)
start = datetime.combine(day, t(10), tzinfo=ZoneInfo("Asia/Kolkata"))
def citizen(n):
    mobile = f"+9197{n:08d}"
    return Citizen.objects.create(mobile=mobile, mobile_index=blind_index(mobile, "mobile"),
        name=f"Citizen {n}")
for n in range(2):
    actions.book_appointment(official=official, start=start, citizen=citizen(90000 + n),
        name="Early", purpose="Already booked")
# A full slot at 11:00 that the warm-up requests try, so every worker has run the refusal path.
full = start + timedelta(hours=1)
for n in range(3):
    actions.book_appointment(official=official, start=full, citizen=citizen(91000 + n),
        name="Early", purpose="Already booked")
warm = []
for n in range(WARM):
    s = SessionStore(); s[SESSION_KEY] = citizen(92000 + n).code; s.create()
    warm.append(s.session_key)
sessions = []
for n in range(ATTEMPTS):
    c = citizen(n)
    s = SessionStore(); s[SESSION_KEY] = c.code; s.create()
    sessions.append(s.session_key)
json.dump({"official": official.code, "start": start.isoformat(), "sessions": sessions,
    "warm": warm, "full": full.isoformat(),
    "cookie": settings.SESSION_COOKIE_NAME}, open(OUT, "w"))
"""

COUNT = """
from civicgate.appointments.models import Appointment, SlotLoad
from civicgate.passes.models import GatePass
first = SlotLoad.objects.order_by("start").first()
print(Appointment.objects.filter(state="confirmed", start=first.start).count(), first.taken,
      GatePass.objects.filter(valid_from__lt=first.end, valid_until__gt=first.start).count())
"""


def attempt(
    base: str, seed: dict, session: str, barrier: threading.Barrier
) -> tuple[int, float, str]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    csrf = secrets.token_hex(16)
    body = json.dumps(
        {
            "official": seed["official"],
            "start": seed["start"],
            "name": "Racing citizen",
            "purpose": "The last place",
        }
    )
    headers = {
        "Content-Type": "application/json",
        "Cookie": f"{seed['cookie']}={session}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Host": "127.0.0.1",
    }
    conn.connect()  # connected before the barrier, so only the request itself is timed
    barrier.wait()
    t0 = time.perf_counter()
    try:
        conn.request("POST", "/api/v1/appointments/bookings", body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        status = response.status
    except OSError as error:
        status, text = 0, str(error)
    elapsed = (time.perf_counter() - t0) * 1000
    conn.close()
    problem = ""
    if status not in (201, 409):
        problem = text[:200]
    elif status == 409 and not json.loads(text).get("alternatives"):
        problem = "409 without alternatives"
    return status, elapsed, problem


def healthz_race(base: str, attempts: int) -> list[float]:
    """The same burst of simultaneous requests at /healthz: this machine's floor."""
    parts = urlsplit(base)
    barrier = threading.Barrier(attempts)
    latencies: list[float] = []

    def run() -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        conn.connect()
        barrier.wait()
        t0 = time.perf_counter()
        conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
        conn.getresponse().read()
        latencies.append((time.perf_counter() - t0) * 1000)
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(latencies)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--attempts", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with workdir() as tmp:
        env = production_env(args.database_url or None, tmp)
        manage(env, "migrate", "--noinput", "-v0")
        seed_file = tmp / "seed.json"
        code = (
            SEED.replace("ATTEMPTS", str(args.attempts))
            .replace("WARM", str(args.workers * 6))
            .replace("OUT", repr(str(seed_file)))
        )
        manage(env, "shell", "-v0", "-c", code)
        seed = json.loads(seed_file.read_text())
        with production_server(env, args.workers) as base:
            # Warm every worker (imports, connections): reads of the slots, and bookings of
            # the full 11:00 slot by other citizens, refused as the race's losers will be.
            for _ in range(args.workers * 4):
                conn = http.client.HTTPConnection("127.0.0.1", urlsplit(base).port)
                conn.request("GET", f"/api/v1/appointments/slots?official={seed['official']}")
                conn.getresponse().read()
                conn.close()
            warm_seed = dict(seed, start=seed["full"])
            for session in seed["warm"]:
                attempt(base, warm_seed, session, threading.Barrier(1))
            ceiling = healthz_race(base, args.attempts)
            barrier = threading.Barrier(args.attempts)
            results: list[tuple[int, float, str]] = []
            lock = threading.Lock()

            def run(session: str) -> None:
                outcome = attempt(base, seed, session, barrier)
                with lock:
                    results.append(outcome)

            threads = [threading.Thread(target=run, args=(s,)) for s in seed["sessions"]]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        confirmed, taken, passes = manage(env, "shell", "-v0", "-c", COUNT).split()
    statuses = Counter(status for status, _ms, _e in results)
    latencies = sorted(ms for _s, ms, _e in results)
    errors = [e for _s, _ms, e in results if e]

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, round(p * len(latencies)) - 1)]

    db = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"booking race on {db}, gunicorn {args.workers} workers, {args.attempts} simultaneous "
        "attempts at 1 remaining place (capacity 3, 2 booked)"
    )
    print(f"  statuses     {dict(sorted(statuses.items()))}")
    print(f"  booked now   {int(confirmed) - 2} (slot places taken {taken}/3, passes {passes})")
    print(f"  server 5xx   {sum(n for s, n in statuses.items() if s >= 500 or s == 0)}")
    print(f"  latency p50  {pct(0.50):8.1f} ms")
    print(f"  latency p99  {pct(0.99):8.1f} ms")
    print(f"  latency max  {latencies[-1]:8.1f} ms")
    print(
        f"  /healthz, same burst, same server: p50 {ceiling[len(ceiling) // 2]:.1f} ms, "
        f"p99 {ceiling[int(len(ceiling) * 0.99) - 1]:.1f} ms"
    )
    if errors:
        print(f"  unexpected   {errors[:3]}")


if __name__ == "__main__":
    main()
