"""The web chat API under load: POST /api/v1/chat/messages, understanding included.

.venv/bin/python benchmarks/chat_api.py [--database-url postgresql://...] [--workers 3]
    [--connections 16] [--seconds 10]

Against the production server (gunicorn) on a fresh database, wrk sends first messages of new
conversations, in turn from a list in English, Bengali and Hindi (native script and
romanised): each request creates a conversation, stores the message, takes the conversation's
lock, classifies the text, starts the flow it asks for, stores the replies and answers.
/healthz gives the ceiling of the same server. The memory of each gunicorn worker, with the
classifier trained, is read from /proc afterwards.
The database named by --database-url is dropped and created afresh.
Targets (issue 6): at least 300 messages/s on the 2-core machine, p99 under 100 ms.
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import manage, production_env, production_server, workdir, wrk

TEXTS = [
    "hello",
    "I need a gate pass",
    "what is my property tax",
    "there is no water since morning",
    "নমস্কার",
    "জল আসছে না",
    "গেট পাস চাই",
    "jol asche na",
    "नमस्ते",
    "पानी नहीं आ रहा",
    "paani nahi aa raha",
    "property tax kitna baki hai",
    "who won the cricket match",
    "talk to a person",
]


def lua(path: Path) -> str:
    bodies = [json.dumps({"conversation": None, "text": t}, ensure_ascii=False) for t in TEXTS]
    quoted = ",\n".join("[==[" + b + "]==]" for b in bodies)
    path.write_text(
        f"""
local bodies = {{
{quoted}
}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/v1/chat/messages",
    {{["Content-Type"] = "application/json"}}, bodies[(n % #bodies) + 1])
end
""",
        encoding="utf-8",
    )
    return str(path)


def worker_memory(port: str) -> list[int]:
    """RSS in MiB of the gunicorn processes serving port (master included)."""
    sizes = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            if f"GUNICORN_BIND=127.0.0.1:{port}".encode() not in environ:
                continue
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) // 1024)
    return sorted(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    with workdir() as tmp:
        env = production_env(args.database_url, tmp)
        env["DJANGO_SETTINGS_MODULE"] = "benchmarks.chat_settings"
        manage(env, "migrate", "--noinput")
        script = lua(tmp / "chat.lua")
        with production_server(env, args.workers) as base:
            port = base.rsplit(":", 1)[1]
            # Warm-up: every worker trains its classifier on its first message.
            wrk(
                f"{base}/api/v1/chat/messages",
                seconds=3,
                connections=args.connections,
                script=script,
            )
            ceiling = wrk(f"{base}/healthz", seconds=args.seconds, connections=args.connections)
            chat = wrk(
                f"{base}/api/v1/chat/messages",
                seconds=args.seconds,
                connections=args.connections,
                script=script,
            )
            memory = worker_memory(port)
        counts = manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            "from civicgate.chatbot.models import Message as M; "
            "print(M.objects.filter(direction='in').count(), "
            "M.objects.filter(direction='in').exclude(state='done').count())",
        ).split()[-2:]
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"chat API on {database}, {args.workers} workers, {args.connections} connections")
    for name, result in (("GET /healthz", ceiling), ("POST /api/v1/chat/messages", chat)):
        print(f"  {name}")
        print(f"    throughput  {result.requests_per_second:8.0f} req/s")
        print(f"    latency p50 {result.p50_ms:8.2f} ms")
        print(f"    latency p99 {result.p99_ms:8.2f} ms")
        print(f"    errors      {result.errors:8d}")
    print(f"  messages stored {counts[0]}, not answered {counts[1]}")
    print(f"  memory (RSS, MiB) of the gunicorn processes: {memory}")


if __name__ == "__main__":
    main()
