// Open-loop chat load at a fixed rate: message i is due at start + i / rate, whatever the
// server is doing, and goes to the first citizen not waiting for an answer (a new citizen
// joins when all are waiting); its latency counts from the moment it was due.
//
// node benchmarks/chat_rate.mjs CONFIG.json
// CONFIG: {"url": ".../api/v1/chat/messages", "rate": 300, "seconds": 10,
//          "scripts": [[{"text": "hello"}, {"choice": "lang:en"}, ...], ...]}
// Prints one JSON object with the figures.
//
// One keep-alive connection per citizen, spoken to in plain HTTP/1.1 as wrk does. The load
// generator shares the two cores with the server it measures, so what it costs counts against
// the server's figures: node:http's client took about 1.0 ms of CPU per request, undici's
// Client about 0.8 ms, this about 0.5 ms.
import { readFileSync } from "node:fs";
import net from "node:net";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const target = new URL(config.url);
const total = Math.round(config.rate * config.seconds);
const head =
  `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\n` +
  "Content-Type: application/json\r\nContent-Length: ";
const latencies = [];
const statuses = {};
const idle = [];
const CONVERSATION = /"conversation"\s*:\s*"([^"]+)"/;
let errors = 0;
let done = 0;
let citizens = 0;
let start = 0;
let last = 0;

function citizen() {
  citizens += 1;
  const c = {
    script: citizens % config.scripts.length,
    step: 0,
    conversation: null,
    socket: null,
    due: 0,
    buffer: Buffer.alloc(0),
  };
  connect(c);
  return c;
}

function connect(c) {
  c.socket = net.connect({ host: target.hostname, port: Number(target.port) });
  c.socket.setNoDelay(true);
  c.socket.on("data", (chunk) => {
    c.buffer = c.buffer.length ? Buffer.concat([c.buffer, chunk]) : chunk;
    received(c);
  });
  c.socket.on("error", () => {});
  c.socket.on("close", () => {
    c.socket = null;
    if (c.due) {
      // The server closed the connection before answering: counted as an error.
      latencies.push(performance.now() - c.due);
      c.due = 0;
      errors += 1;
      next(c, false);
    }
  });
}

// A complete response at the start of c.buffer: its status and body, or null while it is
// still coming (Content-Length or chunked).
function parse(c) {
  const end = c.buffer.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const headers = c.buffer.subarray(0, end).toString("latin1");
  const status = Number(headers.slice(9, 12));
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
  if (length) {
    const size = end + 4 + Number(length[1]);
    if (c.buffer.length < size) return null;
    const body = c.buffer.subarray(end + 4, size).toString("utf8");
    c.buffer = c.buffer.subarray(size);
    return { status, body };
  }
  let at = end + 4;
  const parts = [];
  for (;;) {
    const line = c.buffer.indexOf("\r\n", at);
    if (line < 0) return null;
    const n = parseInt(c.buffer.subarray(at, line).toString("latin1"), 16);
    if (c.buffer.length < line + 2 + n + 2) return null;
    if (n === 0) {
      c.buffer = c.buffer.subarray(line + 4);
      return { status, body: Buffer.concat(parts).toString("utf8") };
    }
    parts.push(c.buffer.subarray(line + 2, line + 2 + n));
    at = line + 2 + n + 2;
  }
}

function received(c) {
  const response = parse(c);
  if (!response || !c.due) return;
  latencies.push(performance.now() - c.due);
  c.due = 0;
  statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  const found = response.status === 200 ? CONVERSATION.exec(response.body) : null;
  if (found) c.conversation = found[1];
  else errors += 1;
  next(c, !!found);
}

function next(c, ok) {
  c.step += 1;
  if (!ok || c.step >= config.scripts[c.script].length) {
    c.step = 0;
    c.conversation = null;
    c.script = (c.script + 1) % config.scripts.length;
  }
  if (!c.socket) connect(c);
  idle.push(c);
  done += 1;
  last = performance.now();
  if (done === total) report();
}

function send(c, due) {
  const said = config.scripts[c.script][c.step];
  const body = Buffer.from(JSON.stringify({ conversation: c.conversation, ...said }));
  c.due = due;
  c.socket.write(head + body.length + "\r\n\r\n");
  c.socket.write(body);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function report() {
  const sorted = latencies.slice().sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      requests: total,
      rate_asked: config.rate,
      rate_done: total / ((last - start) / 1000),
      p50_ms: percentile(sorted, 0.5),
      p90_ms: percentile(sorted, 0.9),
      p99_ms: percentile(sorted, 0.99),
      max_ms: sorted[sorted.length - 1],
      errors,
      statuses,
      citizens,
    }),
  );
  for (const c of idle) c.socket?.destroy();
  process.exit(0);
}

start = performance.now();
let due = 0;
function tick() {
  const now = performance.now();
  while (due < total && start + (due * 1000) / config.rate <= now) {
    send(idle.pop() ?? citizen(), start + (due * 1000) / config.rate);
    due += 1;
  }
  // Wake for the next message due, not every millisecond: timers cost this process CPU too.
  if (due < total) {
    setTimeout(tick, Math.max(0, start + (due * 1000) / config.rate - performance.now()));
  }
}
tick();
