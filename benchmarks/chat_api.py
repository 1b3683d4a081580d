"""The web chat API under load: POST /api/v1/chat/messages, understanding included.

.venv/bin/python benchmarks/chat_api.py [--database-url postgresql://...] [--workers 3]
    [--connections 16] [--seconds 10] [--rate 300]

Citizens follow scripted conversations in English, Bengali and Hindi (native script and
romanised): a greeting, the language picked with a button, requests for gate passes, water,
property tax, appointments, complaints, building plans, cancel, menu, numbers picked from
a menu, back, goodbye, questions the bot cannot answer, a hand-over to the helpdesk. Each
citizen starts a new conversation and carries its id on to every later message, as the web
widget does; at the end of a script the citizen starts again. So most requests continue a
conversation (taking its lock, reading and saving its state) and some create one.

Against the production server (deploy/serve: granian) on a fresh database:
- the model: trained once into a fresh model folder (the time is shown), then loaded from
  the file by a new process (the time is shown; the target is under 1 s);
- sustained: a Node.js citizen pool sends at a fixed --rate messages per second (open loop:
  latency counts from the moment each message was due, so queueing shows in the figures);
- capacity: wrk, closed loop, --connections citizens (one wrk thread each, so each keeps its
  conversation id);
- the memory (RSS) of each server worker after the load, read from /proc;
- /healthz with wrk on a second server of the same settings: the ceiling.
The database named by --database-url is dropped and created afresh.
Targets (issue 6): at least 300 messages/s on the 2-core machine, p99 under 100 ms.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import (
    ROOT,
    _server,
    machine_busy_percent,
    machine_to_ourselves,
    manage,
    production_env,
    workdir,
    worker_memory_mib,
    wrk,
)

# One list per citizen; "choice:<id>" taps an option, anything else is typed.
SCRIPTS = [
    [
        "hello",
        "choice:lang:en",
        "I need a gate pass",
        "cancel",
        "what is my property tax",
        "menu",
        "5",
        "bye",
    ],
    ["নমস্কার", "জল আসছে না", "বাতিল", "আমার অ্যাপয়েন্টমেন্ট দেখান", "মেনু", "ধন্যবাদ"],
    [
        "paani nahi aa raha",
        "choice:lang:hi",
        "रद्द",
        "property tax kitna baki hai",
        "back",
        "who won the cricket match",
        "मेनू",
    ],
    [
        "jol asche na",
        "choice:lang:bn",
        "menu",
        "gate pass chai",
        "cancel",
        "building plan er status",
        "menu",
        "bye",
    ],
    ["नमस्ते", "मुझे अधिकारी से मिलना है", "रद्द", "शिकायत दर्ज करनी है", "मेनू", "धन्यवाद"],
    [
        "hi",
        "choice:lang:en",
        "book an appointment with the water department",
        "cancel",
        "is it going to rain today",
        "track my request",
        "menu",
        "talk to a person",
        "the water bill is wrong",
    ],
]


def fields(said: str) -> str:
    """The JSON members after "conversation" for one scripted message."""
    if said.startswith("choice:"):
        return json.dumps({"choice": said[7:]}, ensure_ascii=False)[1:-1]
    return json.dumps({"text": said}, ensure_ascii=False)[1:-1]


def lua(path: Path) -> str:
    scripts = ",\n".join(
        "{" + ", ".join("[==[" + fields(s) + "]==]" for s in script) + "}" for script in SCRIPTS
    )
    path.write_text(
        f"""
local scripts = {{
{scripts}
}}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
local s, t, conversation = 1, 0, nil
function init(args)
  s = ((id or 1) % #scripts) + 1
end
request = function()
  t = t + 1
  if t > #scripts[s] then
    s = (s % #scripts) + 1
    t = 1
    conversation = nil
  end
  local c = conversation and ('"' .. conversation .. '"') or "null"
  return wrk.format("POST", "/api/v1/chat/messages",
    {{["Content-Type"] = "application/json"}},
    '{{"conversation": ' .. c .. ', ' .. scripts[s][t] .. '}}')
end
response = function(status, headers, body)
  local found = body:match('"conversation"%s*:%s*"([^"]+)"')
  if status == 200 and found then
    conversation = found
  else
    t = #scripts[s]
  end
end
""",
        encoding="utf-8",
    )
    return str(path)


MODEL = """
import time
started = time.perf_counter()
from civicgate.chatbot import nlu
nlu.classifier()
print(f"{time.perf_counter() - started:.4f}")
"""

COUNTS = """
from collections import Counter
from civicgate.chatbot.models import Conversation, Message
inbound = Message.objects.filter(direction="in")
intents = Counter(inbound.values_list("intent", flat=True))
print(inbound.count(), inbound.exclude(state="done").count(), Conversation.objects.count(),
      Message.objects.filter(direction="out").count())
print(" ".join(f"{k}={v}" for k, v in intents.most_common()))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=300)
    args = parser.parse_args()
    with workdir() as tmp:
        env = production_env(args.database_url, tmp)
        env["DJANGO_SETTINGS_MODULE"] = "benchmarks.chat_settings"
        env["CHATBOT_MODEL_DIR"] = str(tmp / "model")
        manage(env, "migrate", "--noinput")
        trained = manage(env, "shell", "--no-imports", "-c", MODEL).split()
        loaded = manage(env, "shell", "--no-imports", "-c", MODEL).split()
        script = lua(tmp / "chat.lua")
        rate_config = tmp / "rate.json"
        rate_script = ROOT / "benchmarks" / "chat_rate.mjs"
        busy_before = machine_busy_percent(1.0)
        rate_config.write_text(
            json.dumps(
                {
                    "rate": args.rate,
                    "seconds": args.seconds,
                    "scripts": [
                        [json.loads("{" + fields(s) + "}") for s in one] for one in SCRIPTS
                    ],
                },
                ensure_ascii=False,
            )
        )
        # The chat measurements come first, the ceiling on a server of its own.
        with machine_to_ourselves(), _server(env, args.workers) as base:
            url = f"{base}/api/v1/chat/messages"
            # Warm-up: every worker loads the model and opens its database connection.
            wrk(
                url,
                seconds=3,
                connections=args.connections,
                threads=args.connections,
                script=script,
            )
            config = json.loads(rate_config.read_text(encoding="utf-8"))
            rate_config.write_text(json.dumps({**config, "url": url}, ensure_ascii=False))
            sustained = json.loads(
                subprocess.run(
                    ["node", str(rate_script), str(rate_config)],
                    check=True,
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                ).stdout
            )
            chat = wrk(
                url,
                seconds=args.seconds,
                connections=args.connections,
                threads=args.connections,
                script=script,
            )
            workers = worker_memory_mib(base)
            with _server(env, args.workers) as other:
                ceiling = wrk(
                    f"{other}/healthz", seconds=args.seconds, connections=args.connections
                )
        busy_after = machine_busy_percent(1.0)
        counts, intents = manage(env, "shell", "--no-imports", "-c", COUNTS).strip().splitlines()
    stored, unanswered, conversations, replies = counts.split()
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"chat API on {database}, {args.workers} server workers, {args.connections} "
        f"connections, {args.seconds}s"
    )
    print(
        f"  CPUs busy with other work: {busy_before:.0f}% before the load, {busy_after:.0f}% after"
    )
    print(f"  model: trained into a fresh folder in {float(trained[0]):.2f} s;")
    print(f"         loaded from its file by a new process in {float(loaded[0]) * 1000:.0f} ms")
    for name, result in (("GET /healthz", ceiling), ("POST /api/v1/chat/messages", chat)):
        print(f"  {name}")
        print(f"    throughput  {result.requests_per_second:8.0f} req/s")
        print(f"    latency p50 {result.p50_ms:8.2f} ms")
        print(f"    latency p99 {result.p99_ms:8.2f} ms")
        print(f"    errors      {result.errors:8d}")
    print(f"  POST /api/v1/chat/messages at a fixed {args.rate}/s (open loop, Node.js)")
    print(f"    throughput  {sustained['rate_done']:8.0f} msg/s")
    for name in ("p50", "p90", "p99", "max"):
        print(f"    latency {name:<4}{sustained[name + '_ms']:8.2f} ms")
    print(f"    errors      {sustained['errors']:8d}   statuses {sustained['statuses']}")
    print(
        f"  messages stored {stored}, not answered {unanswered}, in {conversations} "
        f"conversations; {replies} replies"
    )
    print(f"  intents understood: {intents}")
    print(f"  memory (RSS) of each server worker: {workers} MiB")


if __name__ == "__main__":
    main()
