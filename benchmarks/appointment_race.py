"""200 citizens at once on the last place of a slot, against the production server.

.venv/bin/python benchmarks/appointment_race.py [--database-url postgresql://...]
    [--attempts 200] [--workers 2] [--races 3] [--client node|threads]

A fresh database gets an official whose Tuesday-next-week 10:00, 11:00 and 12:00 slots hold
three citizens each, two places already booked, and 200 signed-in citizens per slot (a
session each, as after the one-time-code sign-in). For each slot in turn, its 200 citizens
POST /api/v1/appointments/bookings at the same instant, each on its own connection opened
beforehand. Several races, because other work on a shared machine can spoil one. For each the
script prints the statuses, the latency distribution, the server's CPU time per request and
the bookings the database holds afterwards, beside the same burst at /healthz (the floor of
this machine for 200 requests at once).

The client: by default benchmarks/burst.mjs (Node.js, one process) writes all 200 requests in
one turn of its event loop, so the figures are the server's; --client threads uses 200 Python
threads released by a barrier instead, which themselves need the CPUs the server needs.
Target (issue 4): exactly one booked, no 5xx, p99 under 200 ms, on SQLite and PostgreSQL.
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    ROOT,
    manage,
    production_env,
    production_server,
    server_cpu_ms,
    workdir,
)

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
WeeklyHours.objects.bulk_create(WeeklyHours(availability=a, weekday=d, start=t(10), end=t(18))
    for d in range(7))
today = timezone.localdate()
day = today + timedelta(days=(1 - today.weekday()) % 7 + 7)
first = datetime.combine(day, t(10), tzinfo=ZoneInfo("Asia/Kolkata"))
starts = [first + timedelta(hours=k) for k in range(RACES)]
def citizen(n):
    mobile = f"+9197{n:08d}"
    return Citizen.objects.create(mobile=mobile, mobile_index=blind_index(mobile, "mobile"),
        name=f"Citizen {n}")
def session(n):
    s = SessionStore(); s[SESSION_KEY] = citizen(n).code; s.create()
    return s.session_key
for k, start in enumerate(starts):
    for n in range(2):
        actions.book_appointment(official=official, start=start,
            citizen=citizen(90000 + 10 * k + n), name="Early", purpose="Already booked")
# A full slot at 12:30 that the warm-up requests try, so every worker has run the refusal path.
full = first + timedelta(hours=2, minutes=30)
for n in range(3):
    actions.book_appointment(official=official, start=full, citizen=citizen(91000 + n),
        name="Early", purpose="Already booked")
warm = [session(92000 + n) for n in range(WARM)]
sessions = [[session(k * ATTEMPTS + n) for n in range(ATTEMPTS)] for k in range(RACES)]
json.dump({"official": official.code, "starts": [s.isoformat() for s in starts],
    "sessions": sessions, "warm": warm, "full": full.isoformat(),
    "cookie": settings.SESSION_COOKIE_NAME}, open(OUT, "w"))
"""

COUNT = """
from datetime import datetime
from civicgate.appointments.models import Appointment, SlotLoad
for start in STARTS:
    start = datetime.fromisoformat(start)
    confirmed = Appointment.objects.filter(state="confirmed", start=start)
    print(confirmed.count(), SlotLoad.objects.get(start=start).taken,
          confirmed.filter(gate_pass__state="issued").count())
"""


Result = tuple[int, float, str]  # status, milliseconds, what was wrong ("" when nothing)


def booking(seed: dict, session: str, start: str) -> dict:
    """One citizen's booking request for the slot at start (session cookie + CSRF token)."""
    csrf = secrets.token_hex(16)
    body = {"official": seed["official"], "start": start, "name": "Racing citizen"}
    return {
        "method": "POST",
        "path": "/api/v1/appointments/bookings",
        "headers": {
            "Content-Type": "application/json",
            "Cookie": f"{seed['cookie']}={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
        },
        "body": json.dumps(dict(body, purpose="The last place")),
    }


def healthz() -> dict:
    return {"method": "GET", "path": "/healthz", "headers": {}, "body": ""}


def _judge(status: int, text: str) -> str:
    if status not in (201, 409):
        return text[:200] or "no answer"
    if status == 409 and not json.loads(text).get("alternatives"):
        return "409 without alternatives"
    return ""


def threads_burst(base: str, requests: list[dict]) -> list[Result]:
    """Each request from its own Python thread and connection, released by a barrier."""
    parts = urlsplit(base)
    barrier = threading.Barrier(len(requests))
    results: list[Result] = [(0, 0.0, "")] * len(requests)

    def run(i: int, request: dict) -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        conn.connect()  # connected before the barrier, so only the request itself is timed
        barrier.wait()
        t0 = time.perf_counter()
        try:
            conn.request(
                request["method"],
                request["path"],
                body=request["body"] or None,
                headers=dict(request["headers"], Host="127.0.0.1"),
            )
            response = conn.getresponse()
            status, text = response.status, response.read().decode()
        except OSError as error:
            status, text = 0, str(error)
        results[i] = (status, (time.perf_counter() - t0) * 1000, _judge(status, text))
        conn.close()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def node_burst(base: str, requests: list[dict], tmp: Path) -> list[Result]:
    """All requests written at once by benchmarks/burst.mjs, each on a connection opened first."""
    parts = urlsplit(base)
    config = tmp / "burst.json"
    config.write_text(
        json.dumps({"host": parts.hostname, "port": parts.port, "requests": requests})
    )
    out = subprocess.run(
        ["node", str(ROOT / "benchmarks" / "burst.mjs"), str(config)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    results = []
    for status, ms, alternatives, problem in json.loads(out)["results"]:
        if status == 409 and alternatives <= 0:
            problem = "409 without alternatives"
        results.append((status, ms, problem))
    return results


def machine_cpu_ms() -> tuple[float, float]:
    """CPU time used so far on the whole machine (busy, all CPUs) and by this script and its
    finished children (the Node.js client)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = (sum(fields[:8]) - fields[3] - fields[4]) * 1000 / os.sysconf("SC_CLK_TCK")
    own = os.times()
    return busy, (own.user + own.system + own.children_user + own.children_system) * 1000


def pct(latencies: list[float], p: float) -> float:
    return latencies[min(len(latencies) - 1, round(p * len(latencies)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--attempts", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--races", type=int, default=3, help="slots raced for, one after another")
    parser.add_argument(
        "--client", choices=["node", "threads"], default="node" if shutil.which("node") else ""
    )
    args = parser.parse_args()
    if not 1 <= args.races <= 8:
        raise SystemExit("--races: from 1 to 8 (one slot an hour from 10:00 to 17:00)")
    if not args.client:
        raise SystemExit("Node.js is needed for the default client (or use --client threads)")
    with workdir() as tmp:
        env = production_env(args.database_url or None, tmp)
        manage(env, "migrate", "--noinput", "-v0")
        seed_file = tmp / "seed.json"
        code = (
            SEED.replace("ATTEMPTS", str(args.attempts))
            .replace("RACES", str(args.races))
            .replace("WARM", str(args.workers * 6))
            .replace("OUT", repr(str(seed_file)))
        )
        manage(env, "shell", "-v0", "-c", code)
        seed = json.loads(seed_file.read_text())

        def burst(base: str, requests: list[dict]) -> list[Result]:
            if args.client == "node":
                return node_burst(base, requests, tmp)
            return threads_burst(base, requests)

        races: list[tuple[list[Result], float, float]] = []
        with production_server(env, args.workers) as base:
            # Warm every worker (imports, connections): reads of the slots, and bookings of
            # the full 12:30 slot by other citizens, refused as the races' losers will be.
            for _ in range(args.workers * 4):
                conn = http.client.HTTPConnection("127.0.0.1", urlsplit(base).port)
                conn.request("GET", f"/api/v1/appointments/slots?official={seed['official']}")
                conn.getresponse().read()
                conn.close()
            for session in seed["warm"]:
                threads_burst(base, [booking(seed, session, seed["full"])])
            floor = sorted(ms for _s, ms, _e in burst(base, [healthz()] * args.attempts))
            for start, sessions in zip(seed["starts"], seed["sessions"], strict=True):
                cpu_before, (busy_before, own_before) = server_cpu_ms(base), machine_cpu_ms()
                t0 = time.perf_counter()
                results = burst(base, [booking(seed, s, start) for s in sessions])
                wall = (time.perf_counter() - t0) * 1000
                server = server_cpu_ms(base) - cpu_before
                busy, own = machine_cpu_ms()
                # Everything else that ran meanwhile: the database server, other people's work.
                others = (busy - busy_before - (own - own_before) - server) / wall
                races.append((results, server / len(results), max(0.0, others)))
        counts = manage(
            env, "shell", "-v0", "-c", COUNT.replace("STARTS", repr(seed["starts"]))
        ).splitlines()
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"booking race on {db}, {args.workers} server workers, {args.races} races of "
        f"{args.attempts} simultaneous attempts at 1 remaining place (capacity 3, 2 booked), "
        f"client: {args.client}"
    )
    print(
        f"  /healthz, same burst, same server: p50 {pct(floor, 0.50):.1f} ms, "
        f"p99 {pct(floor, 0.99):.1f} ms (the floor)"
    )
    for n, ((results, cpu, others), line) in enumerate(zip(races, counts, strict=True), 1):
        confirmed, taken, passes = (int(x) for x in line.split())
        statuses = Counter(status for status, _ms, _e in results)
        latencies = sorted(ms for _s, ms, _e in results)
        errors = [e for _s, _ms, e in results if e]
        fails = sum(n for s, n in statuses.items() if s >= 500 or s == 0)
        print(
            f"  race {n}: statuses {dict(sorted(statuses.items()))}, booked {confirmed - 2} "
            f"(places taken {taken}/3, passes {passes - 2}), 5xx {fails}; "
            f"p50 {pct(latencies, 0.50):.1f} ms, p99 {pct(latencies, 0.99):.1f} ms, "
            f"max {latencies[-1]:.1f} ms; server CPU {cpu:.2f} ms per request; other "
            f"processes {others:.2f} CPUs"
        )
        if errors:
            print(f"    unexpected {errors[:3]}")


if __name__ == "__main__":
    main()
