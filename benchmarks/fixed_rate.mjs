// Open-loop load at a fixed rate: request i is due at start + i / rate, whatever the server
// is doing, and its latency counts from that moment (a slow answer delays no later request,
// so queueing shows in the figures instead of hiding in a slower send rate).
//
// node benchmarks/fixed_rate.mjs CONFIG.json
// CONFIG: {"url": ".../api/v1/gate/scans", "token": "...", "passes": ["CG1:..."],
//          "rate": 500, "seconds": 10}
// Pass i % n is scanned in on its first round, out on the next, and so on, each with a new
// scan_id. Prints one JSON object with the figures.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const target = new URL(config.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: config.maxSockets ?? 256 });
const total = Math.round(config.rate * config.seconds);
const latencies = [];
const statuses = {};
const decisions = {};
let errors = 0;
let done = 0;

function body(i) {
  const n = config.passes.length;
  return JSON.stringify({
    scan_id: randomUUID(),
    code: config.passes[i % n],
    direction: Math.floor(i / n) % 2 === 0 ? "in" : "out",
    scanned_at: new Date().toISOString(),
  });
}

function send(i, due) {
  const payload = body(i);
  const request = http.request(
    {
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: "POST",
      agent,
      headers: {
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(payload),
        Authorization: `Bearer ${config.token}`,
      },
    },
    (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => {
        latencies.push(performance.now() - due);
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        try {
          const answer = JSON.parse(Buffer.concat(chunks).toString());
          const key = `${answer.decision}/${answer.reason}`;
          decisions[key] = (decisions[key] ?? 0) + 1;
        } catch {
          errors += 1;
        }
        finish();
      });
    },
  );
  request.on("error", () => {
    errors += 1;
    finish();
  });
  request.end(payload);
}

let start = 0;
let last = 0;
function finish() {
  done += 1;
  last = performance.now();
  if (done === total) report();
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function report() {
  const sorted = latencies.slice().sort((a, b) => a - b);
  const elapsed = (last - start) / 1000;
  console.log(
    JSON.stringify({
      requests: total,
      rate_asked: config.rate,
      rate_done: total / elapsed,
      p50_ms: percentile(sorted, 0.5),
      p90_ms: percentile(sorted, 0.9),
      p99_ms: percentile(sorted, 0.99),
      max_ms: sorted[sorted.length - 1],
      errors,
      statuses,
      decisions,
    }),
  );
  agent.destroy();
}

start = performance.now();
let next = 0;
function tick() {
  const now = performance.now();
  while (next < total && start + (next * 1000) / config.rate <= now) {
    send(next, start + (next * 1000) / config.rate);
    next += 1;
  }
  if (next < total) setTimeout(tick, 1);
}
tick();
