"""The scan API under load: POST /api/v1/gate/scans decisions per second, with /healthz as the
ceiling of the same server in the same run.

.venv/bin/python benchmarks/scan_api.py [--database-url postgresql://...] [--passes 3000]
    [--workers 2] [--connections 16] [--seconds 10] [--rate 500]

A fresh database is seeded with HQ (4 gates), a scanner at Gate 1 and multi-day passes. Two
load generators run in their own processes against the production server (deploy/serve: granian):

- capacity: wrk, closed loop, as fast as the server answers (--connections at once), for
  /healthz (the ceiling) and the scan API; each pass is scanned in, then (one round of all
  passes later) out, then in again, each request with a fresh scan_id.
- sustained: benchmarks/fixed_rate.mjs (Node.js, plain HTTP/1.1 on keep-alive sockets as wrk
  speaks it: benchmarks/http1.mjs), open loop at --rate scans per second on passes of their
  own, latency counted from the moment each request was due.

Every scan should be allowed; the script counts the decisions afterwards.
Target (issue 3): at least 500 scans/s sustained with p99 under 30 ms.
"""

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    ROOT,
    machine_busy_percent,
    manage,
    production_env,
    production_server,
    workdir,
    wrk,
)

SEED = """
import json, sys
from datetime import timedelta
from django.utils import timezone
from civicgate.devices.actions import register_device
from civicgate.org.models import Department, Office
from civicgate.passes.actions import get_or_create_visitor, issue_pass
office = Office.objects.create(code="HQ", name="KMC Headquarters", kind="hq")
for n in range(1, 5):
    office.gates.create(code=f"G{n}", name=f"Gate {n}")
water = Department.objects.create(code="WS", name="Water Supply")
device, token = register_device(
    name="Bench scanner", kind="scanner", office=office, gate=office.gates.get(code="G1"),
    actor="benchmark",
)
start = timezone.now() - timedelta(minutes=5)
qr = []
for n in range(PASSES):
    visitor = get_or_create_visitor(mobile=f"+9198{n:08d}", name=f"Visitor {n}", verified=True)
    qr.append(issue_pass(
        visitor=visitor, office=office, purpose="Benchmark", valid_from=start,
        valid_until=start + timedelta(days=2), channel="web", host_department=water,
        kind="multi_day",
    ).token)
json.dump({"token": token, "passes": qr}, open(OUT, "w"))
"""

COUNT = """
from django.db.models import Count
from civicgate.passes.models import GateScan
rows = GateScan.objects.values_list("decision", "reason").annotate(n=Count("id")).order_by("-n")
print(" ".join(f"{d}/{r}={n}" for d, r, n in rows))
"""

LUA = """
local passes = {%(passes)s}
local token = "%(token)s"
local n = 0
math.randomseed(os.time() + %(seed)d)
local function uuid4()
  return string.format("%%08x-%%04x-4%%03x-%%04x-%%04x%%08x",
    math.random(0, 0xffffffff), math.random(0, 0xffff), math.random(0, 0xfff),
    math.random(0x8000, 0xbfff), math.random(0, 0xffff), math.random(0, 0xffffffff))
end
request = function()
  local i = n %% #passes
  local direction = (math.floor(n / #passes) %% 2 == 0) and "in" or "out"
  n = n + 1
  local body = string.format(
    '{"scan_id":"%%s","code":"%%s","direction":"%%s","scanned_at":"%%s"}',
    uuid4(), passes[i + 1], direction, os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ"))
  return wrk.format("POST", "/api/v1/gate/scans", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
"""


def lua_script(path: Path, token: str, passes: list[str], seed: int) -> str:
    quoted = ",".join(f'"{p}"' for p in passes)
    path.write_text(LUA % {"passes": quoted, "token": token, "seed": seed})
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--passes", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=int, default=500)
    args = parser.parse_args()
    if shutil.which("node") is None:
        raise SystemExit(
            "Node.js is needed for the fixed-rate load (it is needed for make run too)."
        )
    rate_passes = args.rate * args.seconds // 2 + 1
    with workdir() as tmp:
        env = production_env(args.database_url or None, tmp)
        manage(env, "migrate", "--noinput", "-v0")
        seed_file = tmp / "seed.json"
        code = SEED.replace("PASSES", str(args.passes + rate_passes)).replace(
            "OUT", repr(str(seed_file))
        )
        manage(env, "shell", "-c", code)
        seed = json.loads(seed_file.read_text())
        all_passes = seed["passes"]
        warm_passes, passes = all_passes[:200], all_passes[200 : args.passes]
        rate_config = tmp / "rate.json"
        rate_config.write_text(
            json.dumps(
                {
                    "token": seed["token"],
                    "passes": all_passes[args.passes :],
                    "rate": args.rate,
                    "seconds": args.seconds,
                }
            )
        )
        warm = lua_script(tmp / "warm.lua", seed["token"], warm_passes, 1)
        main_run = lua_script(tmp / "scan.lua", seed["token"], passes, 2)
        with production_server(env, args.workers) as base:
            busy_before = machine_busy_percent(1.0)
            wrk(f"{base}/healthz", seconds=2, connections=args.connections)
            wrk(f"{base}/api/v1/gate/scans", seconds=2, connections=args.connections, script=warm)
            ceiling = wrk(f"{base}/healthz", seconds=args.seconds, connections=args.connections)
            scans = wrk(
                f"{base}/api/v1/gate/scans",
                seconds=args.seconds,
                connections=args.connections,
                script=main_run,
            )
            config = json.loads(rate_config.read_text())
            config["url"] = f"{base}/api/v1/gate/scans"
            rate_config.write_text(json.dumps(config))
            sustained = json.loads(
                subprocess.run(
                    ["node", str(ROOT / "benchmarks" / "fixed_rate.mjs"), str(rate_config)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
        busy_after = machine_busy_percent(1.0)
        decisions = manage(env, "shell", "-v0", "-c", COUNT).strip()
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"scan API on {db}, {args.workers} server workers, {args.connections} connections, "
        f"{args.seconds}s, {len(passes)} passes"
    )
    print(
        f"  CPUs busy with other work: {busy_before:.0f}% before the load, {busy_after:.0f}% after"
    )
    for name, result in (("POST /api/v1/gate/scans", scans), ("GET /healthz", ceiling)):
        print(f"  {name}")
        print(f"    throughput  {result.requests_per_second:8.0f} req/s")
        print(f"    latency p50 {result.p50_ms:8.2f} ms")
        print(f"    latency p99 {result.p99_ms:8.2f} ms")
        print(f"    errors      {result.errors:8d}")
    print(f"  scans / healthz  {scans.requests_per_second / ceiling.requests_per_second:.2f}")
    print(f"  POST /api/v1/gate/scans at a fixed {args.rate}/s (open loop, Node.js)")
    print(f"    throughput  {sustained['rate_done']:8.0f} req/s")
    for name in ("p50", "p90", "p99", "max"):
        print(f"    latency {name:3s} {sustained[name + '_ms']:8.2f} ms")
    print(f"    errors      {sustained['errors']:8d}   statuses {sustained['statuses']}")
    print(f"    decisions   {sustained['decisions']}")
    print(f"  decisions (warm-up included): {decisions}")


if __name__ == "__main__":
    main()
