"""Free-slot computation: one official over 30 days, and a department of 20 officials.

.venv/bin/python benchmarks/appointment_slots.py [--database-url postgresql://...] [--runs 50]

A fresh database (production settings) gets a department of 20 officials at HQ, each with
weekday hours 10:00-13:00 and 14:00-17:00, 15-minute slots with a 5-minute buffer, a quarter of
their slots over the next 30 days already booked, a week of leave for some, and the seeded West
Bengal holidays. The script times free_slots() and department_free_slots() in the server's
process (queries included) and prints median, p95 and the slot counts.
Targets (issue 4): one official over 30 days under 20 ms; the department under 200 ms.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import manage, production_env, workdir

SEED_AND_TIME = """
import random, statistics, time
from datetime import time as t, timedelta
from django.utils import timezone
from civicgate.appointments.models import Availability, Leave, SlotLoad, WeeklyHours
from civicgate.appointments.selectors.slots import department_free_slots, free_slots
from civicgate.org.models import Department, Employee, Office, Official
random.seed(4)
office = Office.objects.create(code="HQ", name="KMC Headquarters", kind="hq")
dept = Department.objects.create(code="WS", name="Water Supply")
officials = []
for n in range(20):
    e = Employee.objects.create(staff_number=f"B{n:04d}", name=f"Official {n:02d}",
        designation="Executive Engineer", department=dept, office=office)
    o = Official.objects.create(employee=e, title="Executive Engineer")
    a = Availability.objects.create(official=o, slot_minutes=15, buffer_after_minutes=5,
        min_notice_minutes=60, horizon_days=30, capacity=1 + n % 3, max_per_day=40)
    WeeklyHours.objects.bulk_create(WeeklyHours(availability=a, weekday=d, start=s, end=x)
        for d in range(5) for s, x in ((t(10), t(13)), (t(14), t(17))))
    officials.append(o)
    if n % 4 == 0:
        first = timezone.localdate() + timedelta(days=7)
        Leave.objects.create(official=o, first_day=first, last_day=first + timedelta(days=4),
            reason="Tour")
loads = []
for o in officials:
    for s in free_slots(o, days=30):
        if random.random() < 0.25:
            loads.append(SlotLoad(official=o, start=s.start, end=s.end, taken=1))
SlotLoad.objects.bulk_create(loads)
one = Official.objects.get(pk=officials[1].pk)

def timed(fn, runs):
    fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter(); result = fn(); out.append((time.perf_counter() - t0) * 1000)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.95) - 1], len(result)

m1, p1, n1 = timed(lambda: free_slots(Official.objects.get(pk=one.pk), days=30), RUNS)
m2, p2, n2 = timed(lambda: department_free_slots(dept, days=30), max(5, RUNS // 5))
print(f"one official, 30 days:     median {m1:6.2f} ms  p95 {p1:6.2f} ms  ({n1} free slots)")
print(f"department of 20, 30 days: median {m2:6.2f} ms  p95 {p2:6.2f} ms  ({n2} free slots)")
print(f"booked places seeded: {len(loads)}")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with workdir() as tmp:
        env = production_env(args.database_url or None, tmp)
        manage(env, "migrate", "--noinput", "-v0")
        out = manage(env, "shell", "-v0", "-c", SEED_AND_TIME.replace("RUNS", str(args.runs)))
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"free slots on {db}")
    print(out.rstrip())


if __name__ == "__main__":
    main()
