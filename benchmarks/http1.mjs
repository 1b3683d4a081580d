// Plain HTTP/1.1 on keep-alive sockets, and the open-loop run, for the fixed-rate load
// generators (fixed_rate.mjs, chat_rate.mjs).
//
// The load generator shares the two cores with the server it measures, so what it costs
// counts against the server's figures: node:http's client took about 1.0 ms of CPU per
// request, undici's Client about 0.8 ms, a socket spoken to as here (as wrk does) about 0.5 ms.
import net from "node:net";

// One keep-alive connection with at most one request in flight. onResponse(status, body) is
// called for each complete answer; onLost() when the server closes the connection before
// answering the request in flight (the next send() connects again).
export class Connection {
  constructor(url, onResponse, onLost) {
    this.url = url;
    this.onResponse = onResponse;
    this.onLost = onLost;
    this.socket = null;
    this.waiting = false;
    this.buffer = Buffer.alloc(0);
    this.connect();
  }

  connect() {
    this.buffer = Buffer.alloc(0);
    this.socket = net.connect({ host: this.url.hostname, port: Number(this.url.port) });
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      const response = this.waiting ? this.parse() : null;
      if (response) {
        this.waiting = false;
        this.onResponse(response.status, response.body);
      }
    });
    this.socket.on("error", () => {});
    this.socket.on("close", () => {
      this.socket = null;
      if (this.waiting) {
        this.waiting = false;
        this.onLost();
      }
    });
  }

  // POST body (a string) to path with the extra header lines given (each ending in \r\n).
  post(path, headers, body) {
    if (!this.socket) this.connect();
    const bytes = Buffer.from(body);
    this.waiting = true;
    this.socket.write(
      `POST ${path} HTTP/1.1\r\nHost: ${this.url.host}\r\n${headers}` +
        `Content-Type: application/json\r\nContent-Length: ${bytes.length}\r\n\r\n`,
    );
    this.socket.write(bytes);
  }

  close() {
    this.socket?.destroy();
  }

  // A complete response at the start of the buffer: its status and body, or null while it is
  // still coming (Content-Length or chunked).
  parse() {
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end < 0) return null;
    const headers = this.buffer.subarray(0, end).toString("latin1");
    const status = Number(headers.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
    if (length) {
      const size = end + 4 + Number(length[1]);
      if (this.buffer.length < size) return null;
      const body = this.buffer.subarray(end + 4, size).toString("utf8");
      this.buffer = this.buffer.subarray(size);
      return { status, body };
    }
    let at = end + 4;
    const parts = [];
    for (;;) {
      const line = this.buffer.indexOf("\r\n", at);
      if (line < 0) return null;
      const n = parseInt(this.buffer.subarray(at, line).toString("latin1"), 16);
      if (this.buffer.length < line + 2 + n + 2) return null;
      if (n === 0) {
        this.buffer = this.buffer.subarray(line + 4);
        return { status, body: Buffer.concat(parts).toString("utf8") };
      }
      parts.push(this.buffer.subarray(line + 2, line + 2 + n));
      at = line + 2 + n + 2;
    }
  }
}

// One open-loop run: request i is sent at start + i / rate (due: that moment, in
// performance.now() time) by send(i, due), whatever the answers do; answered(due) counts each
// answer, and after the last one done(figures) is called with the rates and the latency
// distribution in milliseconds.
export class Run {
  constructor(rate, total, done) {
    this.rate = rate;
    this.total = total;
    this.done = done;
    this.latencies = [];
    this.answers = 0;
    this.start = 0;
    this.last = 0;
  }

  begin(send) {
    const { rate, total } = this;
    this.start = performance.now();
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && this.start + (next * 1000) / rate <= now) {
        send(next, this.start + (next * 1000) / rate);
        next += 1;
      }
      // Wake for the next request due, not every millisecond: timers cost CPU here too.
      if (next < total) {
        setTimeout(tick, Math.max(0, this.start + (next * 1000) / rate - performance.now()));
      }
    };
    tick();
  }

  answered(due) {
    this.last = performance.now();
    this.latencies.push(this.last - due);
    this.answers += 1;
    if (this.answers === this.total) this.done(this.figures());
  }

  figures() {
    const sorted = this.latencies.slice().sort((a, b) => a - b);
    const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
    return {
      requests: this.total,
      rate_asked: this.rate,
      rate_done: this.total / ((this.last - this.start) / 1000),
      p50_ms: at(0.5),
      p90_ms: at(0.9),
      p99_ms: at(0.99),
      max_ms: sorted[sorted.length - 1],
    };
  }
}
