"""The production server's ceiling: /healthz (one database round trip) under load.

.venv/bin/python benchmarks/healthz.py [--database-url postgresql://...] [--workers 2] [--seconds 10]
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import manage, production_env, production_server, workdir, wrk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with workdir() as tmp:
        env = production_env(args.database_url or None, tmp)
        manage(env, "migrate", "--noinput", "-v0")
        with production_server(env, args.workers) as base:
            wrk(f"{base}/healthz", seconds=2, connections=args.connections)  # warm-up
            result = wrk(f"{base}/healthz", seconds=args.seconds, connections=args.connections)
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"healthz on {db}, {args.workers} server workers, {args.connections} connections, {args.seconds}s"
    )
    print(f"  throughput  {result.requests_per_second:8.0f} req/s")
    print(f"  latency p50 {result.p50_ms:8.2f} ms")
    print(f"  latency p99 {result.p99_ms:8.2f} ms")
    print(f"  errors      {result.errors:8d}")


if __name__ == "__main__":
    main()
