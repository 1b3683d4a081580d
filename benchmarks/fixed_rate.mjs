// Open-loop load at a fixed rate: request i is due at start + i / rate, whatever the server
// is doing, and its latency counts from that moment (a slow answer delays no later request,
// so queueing shows in the figures instead of hiding in a slower send rate).
//
// node benchmarks/fixed_rate.mjs CONFIG.json
// CONFIG: {"url": ".../api/v1/gate/scans", "token": "...", "passes": ["CG1:..."],
//          "rate": 500, "seconds": 10}
// Pass i % n is scanned in on its first round, out on the next, and so on, each with a new
// scan_id. Each request goes on an idle keep-alive connection (a new one when all are busy).
// Prints one JSON object with the figures.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Connection, Run } from "./http1.mjs";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const target = new URL(config.url);
const authorization = `Authorization: Bearer ${config.token}\r\n`;
const statuses = {};
const decisions = {};
const idle = [];
let connections = 0;
let errors = 0;

const run = new Run(config.rate, Math.round(config.rate * config.seconds), (figures) => {
  console.log(JSON.stringify({ ...figures, errors, statuses, decisions, connections }));
  for (const c of idle) c.close();
  process.exit(0);
});

function body(i) {
  const n = config.passes.length;
  return JSON.stringify({
    scan_id: randomUUID(),
    code: config.passes[i % n],
    direction: Math.floor(i / n) % 2 === 0 ? "in" : "out",
    scanned_at: new Date().toISOString(),
  });
}

function connection() {
  connections += 1;
  const c = new Connection(
    target,
    (status, text) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      try {
        const answer = JSON.parse(text);
        const key = `${answer.decision}/${answer.reason}`;
        decisions[key] = (decisions[key] ?? 0) + 1;
      } catch {
        errors += 1;
      }
      finish(c);
    },
    () => {
      errors += 1;
      finish(c);
    },
  );
  return c;
}

function finish(c) {
  idle.push(c);
  run.answered(c.due);
}

run.begin((i, due) => {
  const c = idle.pop() ?? connection();
  c.due = due;
  c.post(target.pathname, authorization, body(i));
});
