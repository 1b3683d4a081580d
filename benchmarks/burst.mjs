// A burst: many requests sent at the same instant, each on its own connection, opened first.
// The latency of each counts from the moment all were written, so it measures the server
// (and the queue in front of it), not a load generator waking up hundreds of threads.
//
// node benchmarks/burst.mjs CONFIG.json
// CONFIG: {"host": "127.0.0.1", "port": 8000,
//          "requests": [{"method": "POST", "path": "/...", "headers": {...}, "body": "..."}]}
// Prints one JSON object: {"results": [[status, ms, alternatives, problem], ...]} in request
// order; alternatives is the length of the answer's "alternatives" list (-1 if it has none),
// problem is the start of the answer when its status is neither 201 nor 409 (else "").
import { readFileSync } from "node:fs";
import net from "node:net";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const timeoutMs = config.timeout_ms ?? 60000;

function raw(request) {
  const body = Buffer.from(request.body ?? "", "utf8");
  const headers = { Host: config.host, Connection: "close", ...(request.headers ?? {}) };
  if (body.length || request.method === "POST") headers["Content-Length"] = body.length;
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), body]);
}

function open() {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: config.host, port: config.port }, () => resolve(socket));
    socket.setNoDelay(true);
    socket.once("error", reject);
  });
}

function parse(buffer) {
  const text = buffer.toString("utf8");
  const status = Number(text.slice(9, 12)) || 0;
  const split = text.indexOf("\r\n\r\n");
  let body = split >= 0 ? text.slice(split + 4) : "";
  if (/\r\ntransfer-encoding:\s*chunked/i.test(text.slice(0, split))) {
    let out = "";
    let rest = body;
    for (;;) {
      const line = rest.indexOf("\r\n");
      const size = parseInt(rest.slice(0, line), 16);
      if (!size) break;
      out += rest.slice(line + 2, line + 2 + size);
      rest = rest.slice(line + 4 + size);
    }
    body = out;
  }
  let alternatives = -1;
  try {
    const answer = JSON.parse(body);
    if (Array.isArray(answer.alternatives)) alternatives = answer.alternatives.length;
  } catch {
    // not JSON: reported as a problem below when the status is unexpected
  }
  const problem = status === 201 || status === 409 ? "" : body.slice(0, 200) || "no answer";
  return [status, alternatives, problem];
}

const requests = config.requests;
const sockets = await Promise.all(requests.map(() => open()));
const payloads = requests.map(raw);
const results = new Array(requests.length);
let pending = requests.length;

const finished = new Promise((resolve) => {
  const fired = performance.now();
  sockets.forEach((socket, i) => {
    const chunks = [];
    let done = false;
    const finish = (error) => {
      if (done) return;
      done = true;
      const ms = performance.now() - fired;
      const [status, alternatives, problem] = error
        ? [0, -1, String(error)]
        : parse(Buffer.concat(chunks));
      results[i] = [status, ms, alternatives, problem];
      socket.destroy();
      pending -= 1;
      if (pending === 0) resolve();
    };
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("end", () => finish(null));
    socket.on("error", (error) => finish(error));
    socket.setTimeout(timeoutMs, () => finish(new Error("timeout")));
  });
  // All written in one turn of the event loop, before any answer can be read.
  sockets.forEach((socket, i) => socket.write(payloads[i]));
});

await finished;
console.log(JSON.stringify({ results }));
