"""CPU per scan, in process: the production application (civicgate.wsgi) called with WSGI
environs, no server and no network, so that what the scan itself costs can be read apart from
the HTTP server and the load generator, and changes compared within one run.

.venv/bin/python benchmarks/scan_cpu.py [--database-url postgresql://...] [--scans 2000]
    [--rounds 5] [--profile 30]

A fresh database is seeded as for benchmarks/scan_api.py (HQ, a scanner at Gate 1, multi-day
passes). Each round scans every pass in, then out. Printed per round: Python CPU per scan in
this process and, on PostgreSQL, the CPU of the database's server process for this connection
(from /proc), both in ms; then the best round and the median. --profile N prints the N
functions with the most time of their own and the N with the most time in all, over one more
round under cProfile (which slows everything about twice; read it for shares, not for ms).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import manage, production_env, workdir
from benchmarks.scan_api import SEED

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu_ms(pid: int | None) -> tuple[float, float]:
    """User and system CPU of a local process (the database's server process), in ms."""
    if pid is None:
        return 0.0, 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) * 1000 / CLOCK_TICKS, int(fields[12]) * 1000 / CLOCK_TICKS


def environ(token: str, body: bytes) -> dict[str, object]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/gate/scans",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--scans", type=int, default=2000, help="passes (each scanned in and out)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    with workdir() as tmp:
        env = production_env(args.database_url or None, tmp)
        manage(env, "migrate", "--noinput", "-v0")
        seed_file = tmp / "seed.json"
        manage(
            env,
            "shell",
            "-c",
            SEED.replace("PASSES", str(args.scans)).replace("OUT", repr(str(seed_file))),
        )
        seed = json.loads(seed_file.read_text())
        os.environ.update(env)
        run(seed["token"], seed["passes"], args)


def run(token: str, passes: list[str], args: argparse.Namespace) -> None:
    from django.db import connection

    from civicgate.wsgi import application

    statuses: dict[str, int] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses[status] = statuses.get(status, 0) + 1

    def scan(code: str, direction: str) -> None:
        body = json.dumps(
            {
                "scan_id": str(uuid.uuid4()),
                "code": code,
                "direction": direction,
                "scanned_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        ).encode()
        response = application(environ(token, body), start_response)
        b"".join(response)
        response.close()

    def one_round() -> tuple[float, float, float]:
        calls = 0
        python = db_user = db_system = 0.0
        for direction in ("in", "out"):
            for code in passes:
                pid = backend_pid()
                before, db_before = time.process_time(), backend_cpu_ms(pid)
                scan(code, direction)
                python += time.process_time() - before
                db_after = backend_cpu_ms(pid)
                db_user += db_after[0] - db_before[0]
                db_system += db_after[1] - db_before[1]
                calls += 1
        return python * 1000 / calls, db_user / calls, db_system / calls

    def backend_pid() -> int | None:
        if connection.vendor != "postgresql":
            return None
        connection.ensure_connection()
        return connection.connection.info.backend_pid  # type: ignore[union-attr]

    scan(passes[0], "in")  # the first request: imports, the first connection
    scan(passes[0], "out")
    print(f"scan CPU in process on {connection.vendor}, {len(passes)} passes in and out per round")
    rounds = []
    for n in range(args.rounds):
        python, db_user, db_system = one_round()
        rounds.append((python, db_user + db_system))
        print(
            f"  round {n + 1}: Python {python:.3f} ms/scan, database {db_user + db_system:.3f}"
            f" ms/scan ({db_user:.3f} user, {db_system:.3f} system)"
        )
    best = min(rounds)
    print(f"  best:   Python {best[0]:.3f} ms, database {best[1]:.3f} ms")
    print(
        f"  median: Python {statistics.median(r[0] for r in rounds):.3f} ms, "
        f"database {statistics.median(r[1] for r in rounds):.3f} ms"
    )
    print(f"  statuses: {statuses}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        one_round()
        profiler.disable()
        for order in ("tottime", "cumtime"):
            print(f"\n--- by {order} ---")
            pstats.Stats(profiler).sort_stats(order).print_stats(args.profile)


if __name__ == "__main__":
    main()
