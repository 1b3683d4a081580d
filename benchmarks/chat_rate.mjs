// Open-loop chat load at a fixed rate: message i is due at start + i / rate, whatever the
// server is doing, and goes to the first citizen not waiting for an answer (a new citizen
// joins when all are waiting); its latency counts from the moment it was due.
//
// node benchmarks/chat_rate.mjs CONFIG.json
// CONFIG: {"url": ".../api/v1/chat/messages", "rate": 300, "seconds": 10,
//          "scripts": [[{"text": "hello"}, {"choice": "lang:en"}, ...], ...]}
// One keep-alive connection per citizen. Prints one JSON object with the figures.
import { readFileSync } from "node:fs";
import { Connection, Run } from "./http1.mjs";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const target = new URL(config.url);
const statuses = {};
const idle = [];
const CONVERSATION = /"conversation"\s*:\s*"([^"]+)"/;
let errors = 0;
let citizens = 0;

const run = new Run(config.rate, Math.round(config.rate * config.seconds), (figures) => {
  console.log(JSON.stringify({ ...figures, errors, statuses, citizens }));
  for (const c of idle) c.connection.close();
  process.exit(0);
});

function citizen() {
  citizens += 1;
  const c = { script: citizens % config.scripts.length, step: 0, conversation: null, due: 0 };
  c.connection = new Connection(
    target,
    (status, body) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      const found = status === 200 ? CONVERSATION.exec(body) : null;
      if (found) c.conversation = found[1];
      else errors += 1;
      next(c, !!found);
    },
    () => {
      // The server closed the connection before answering: counted as an error.
      errors += 1;
      next(c, false);
    },
  );
  return c;
}

function next(c, ok) {
  c.step += 1;
  if (!ok || c.step >= config.scripts[c.script].length) {
    c.step = 0;
    c.conversation = null;
    c.script = (c.script + 1) % config.scripts.length;
  }
  idle.push(c);
  run.answered(c.due);
}

run.begin((_i, due) => {
  const c = idle.pop() ?? citizen();
  c.due = due;
  const said = config.scripts[c.script][c.step];
  c.connection.post(target.pathname, "", JSON.stringify({ conversation: c.conversation, ...said }));
});
