"""Benchmark harness: the production server (deploy/serve: granian, several workers) and wrk as the load
generator in a separate process. Scripts in this folder print their figures; docs/benchmarks.md
records them with the command that produced them.
"""

import fcntl
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def production_env(database_url: str | None, workdir: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.update(
        CIVICGATE_DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATA_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="",
        SQLITE_PATH=str(workdir / "bench.sqlite3"),
    )
    env.pop("DATABASE_URL", None)
    if database_url:
        fresh_postgres_database(database_url)
        env["DATABASE_URL"] = database_url
    return env


def fresh_postgres_database(database_url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database so every run starts empty."""
    import psycopg
    from psycopg import sql

    info = psycopg.conninfo.conninfo_to_dict(database_url)
    name = str(info.pop("dbname"))
    info["dbname"] = "postgres"
    with psycopg.connect(**info, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def machine_to_ourselves(max_busy: float = 15.0, timeout: float = 900.0) -> Iterator[None]:
    """One load test at a time on this machine, started when the CPUs are nearly idle.

    Benchmarks started side by side queue on a lock file; then the holder waits (up to
    timeout) for other work to quiet down. Figures taken beside a busy neighbour are not
    comparable with others, so the reading is printed with the results.
    """
    with Path(tempfile.gettempdir(), "civicgate-benchmark.lock").open("a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            busy = wait_until_quiet(max_busy, timeout)
            print(f"(CPUs {busy:.0f}% busy with other work when the load started)", flush=True)
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def production_server(env: dict[str, str], workers: int) -> Iterator[str]:
    """Start the application server as production does (deploy/serve: granian); yield its base
    URL; stop it afterwards.

    Holds machine_to_ourselves() while it runs: one load test at a time, on a quiet machine.
    """
    with machine_to_ourselves(), _server(env, workers) as base:
        yield base


# Each server started here carries this variable with its port in its environment (and so do
# its worker processes), which is how the figures below find its processes.
_MARKER = "CIVICGATE_BENCHMARK_SERVER"


@contextmanager
def _server(env: dict[str, str], workers: int) -> Iterator[str]:
    port = _free_port()
    server_env = dict(
        env, GRANIAN_PORT=str(port), GRANIAN_WORKERS=str(workers), **{_MARKER: str(port)}
    )
    # The server's log goes to a file: a pipe nobody reads would fill up and stall the workers.
    log = Path(tempfile.gettempdir(), f"civicgate-bench-server-{port}.log")
    proc = subprocess.Popen(
        [str(ROOT / "deploy" / "serve")],
        env=dict(server_env, CIVICGATE_VENV=str(Path(PYTHON).parent.parent)),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start: " + log.read_text()[-2000:])
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


@dataclass
class ServerProcess:
    pid: int
    parent: int
    cpu_ms: float
    rss_mib: int


def server_processes(base: str) -> list[ServerProcess]:
    """The processes of the server at base (its main process and workers), read from /proc."""
    marker = f"{_MARKER}={urlsplit(base).port}".encode()
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker not in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                continue
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        found.append(
            ServerProcess(
                pid=int(pid),
                parent=int(stat[1]),
                cpu_ms=(int(stat[11]) + int(stat[12])) * 1000 / tick,
                rss_mib=int(rss.split()[1]) // 1024,
            )
        )
    return found


def server_cpu_ms(base: str) -> float:
    """CPU time (user + system) used so far by the server at base, all its processes."""
    return sum(p.cpu_ms for p in server_processes(base))


def worker_memory_mib(base: str) -> list[int]:
    """RSS of each worker process of the server at base (the processes running the
    application), largest first."""
    processes = server_processes(base)
    pids = {p.pid for p in processes}
    parents = {p.parent for p in processes if p.parent in pids}
    return sorted((p.rss_mib for p in processes if p.pid not in parents), reverse=True)


@dataclass
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str,
    *,
    seconds: int = 10,
    connections: int = 16,
    threads: int = 1,
    script: str | None = None,
    rate_limited: bool = False,
) -> LoadResult:
    """Run wrk against url in its own process and parse its latency distribution."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return LoadResult(rps, p50, p99, errors)


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="civicgate-bench-") as tmp:
        yield Path(tmp)


def _cpu_busy_and_total() -> tuple[int, int]:
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def machine_busy_percent(seconds: float = 2.0) -> float:
    """How busy the CPUs were over the next few seconds (Linux), in percent."""
    busy1, total1 = _cpu_busy_and_total()
    time.sleep(seconds)
    busy2, total2 = _cpu_busy_and_total()
    return 100.0 * (busy2 - busy1) / max(1, total2 - total1)


def wait_until_quiet(max_busy: float, timeout: float) -> float:
    """Wait (up to timeout seconds) until other work leaves the CPUs nearly idle; figures
    taken beside a busy neighbour are not comparable with others. Returns the last reading."""
    deadline = time.monotonic() + timeout
    busy = machine_busy_percent()
    while busy > max_busy and time.monotonic() < deadline:
        busy = machine_busy_percent()
    return busy
