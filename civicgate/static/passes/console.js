// The guard's gate console: USB scanner and camera in, ALLOW / DENY out, online or not.
//
// Online, every scan goes to the server, which decides and records it. When the server
// cannot be reached the console decides by itself (console-verify.js) from what bootstrap
// gave it, keeps the scans in localStorage and uploads them once the server answers again;
// each scan carries its own id, so one sent twice is still counted once.
import { Verifier, decideLocally, parseToken } from "civicgate/console-verify";

const config = JSON.parse(document.getElementById("console-config").textContent);
const $ = (id) => document.getElementById(id);
const store = {
  key: (name) => `civicgate.console.${config.gate}.${name}`,
  get(name, fallback) {
    try {
      const raw = localStorage.getItem(this.key(name));
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(name, value) {
    localStorage.setItem(this.key(name), JSON.stringify(value));
  },
};

const state = {
  boot: null, // the last bootstrap answer
  verifier: new Verifier({}),
  online: true,
  signedOut: false,
  skew: 0, // server clock minus this device's clock, in ms
  inside: {}, // pass code -> entry time (ms) or null: the office's visitors inside, as known here
  used: new Set(), // single-entry passes that left since the last bootstrap
  queue: store.get("queue", []), // scans decided offline, not yet acknowledged by the server
  direction: config.direction === "out" ? "out" : store.get("direction", "in"),
  last: null, // the last result shown: {scan_id, offline, decision}
  lastSync: null,
};
if (config.direction === "in") state.direction = "in";

const now = () => Date.now() + state.skew;
const t = (name, values = {}) =>
  (state.boot?.strings?.[name] ?? name).replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");
const reasonText = (reason, direction) =>
  state.boot?.reasons?.[direction]?.[reason] ?? reason;

// ---- server ---------------------------------------------------------------------------------

class Unreachable extends Error {}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** Ask the server; {status, data} for an answer, Unreachable when it gives none. */
async function call(url, body) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), config.timeout_ms);
  let response;
  try {
    response = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers: {
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      redirect: "error",
      signal: abort.signal,
    });
  } catch (error) {
    throw new Unreachable(String(error));
  } finally {
    clearTimeout(timer);
  }
  if (response.status >= 500) throw new Unreachable(`HTTP ${response.status}`);
  if (response.status === 401 || response.status === 403) {
    state.signedOut = true;
    throw new Unreachable(`HTTP ${response.status}`);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    throw new Unreachable("not JSON");
  }
  state.signedOut = false;
  return { status: response.status, data };
}

// One thing at a time: scans, uploads and refreshes never interleave.
let chain = Promise.resolve();
function serial(task) {
  const run = chain.then(task, task);
  chain = run.catch(() => {});
  return run;
}

// ---- what the console knows -----------------------------------------------------------------

function applyBootstrap(boot, { fresh }) {
  state.boot = boot;
  state.verifier = new Verifier(boot.keys);
  if (fresh) {
    state.skew = Date.parse(boot.generated_at) - Date.now();
    state.lastSync = new Date();
    store.set("bootstrap", boot);
  }
  state.inside = {};
  state.used = new Set();
  for (const [code, since] of Object.entries(boot.inside || {})) {
    state.inside[code] = since ? Date.parse(since) : null;
  }
  // Scans still waiting to upload happened after this picture was taken.
  for (const scan of state.queue) {
    if (scan.local_decision === "allow" && scan.pass_code) {
      move(scan.pass_code, scan.pass_kind, scan.direction, Date.parse(scan.scanned_at));
    }
  }
  document.documentElement.lang = boot.language || document.documentElement.lang;
  renderLabels();
  renderStatus();
}

function move(code, kind, direction, at) {
  if (direction === "in") {
    state.inside[code] = at;
  } else {
    delete state.inside[code];
    if (kind === "single") state.used.add(code);
  }
}

function localState(direction) {
  const boot = state.boot || {};
  return {
    office: boot.office,
    gate: boot.gate,
    direction,
    now: now(),
    refused: boot.refused || {},
    inside: state.inside,
    used: state.used,
    forgivenessMinutes: boot.forgiveness_minutes || 0,
  };
}

async function refresh() {
  const { status, data } = await call(config.urls.bootstrap);
  if (status !== 200) throw new Unreachable(`HTTP ${status}`);
  applyBootstrap(data, { fresh: true });
}

/** Upload the offline queue; what the server acknowledges leaves it. */
async function flush() {
  while (state.queue.length) {
    const batch = state.queue.slice(0, 200).map(({ pass_code, pass_kind, ...scan }) => scan);
    const { status, data } = await call(config.urls.upload, { scans: batch });
    if (status !== 200) {
      showNote(t("error", { message: data?.message || status }));
      return false;
    }
    const done = new Set(data.results.map((r) => r.scan_id));
    state.queue = state.queue.filter((scan) => !done.has(scan.scan_id));
    store.set("queue", state.queue);
    showNote(t("uploaded", { n: done.size }));
    if (!done.size) return false;
  }
  return true;
}

function setOnline(online) {
  state.online = online;
  renderStatus();
}

/** Back online? Upload what waits, then take a fresh picture. */
async function reconnect() {
  try {
    if (state.queue.length) await flush();
    await refresh();
    setOnline(true);
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
    setOnline(false);
  }
}

// ---- scanning -------------------------------------------------------------------------------

function newScanId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function scanOnline(scan) {
  if (state.queue.length) await flush();
  const { status, data } = await call(config.urls.scan, scan);
  if (status !== 200) {
    showError(data?.message || String(status));
    return;
  }
  if (data.decision === "allow" && data.pass) move(data.pass.code, data.pass.kind, scan.direction, now());
  showResult({ ...data, direction: scan.direction, offline: false });
}

async function scanOffline(scan) {
  let result;
  if (!scan.code.startsWith("CG1:") && scan.code.length <= 12) {
    // A pass code typed from a slip: only the server can look it up.
    result = { decision: "deny", reason: "unknown_pass", claims: null, note: t("typed_offline") };
  } else {
    result = await decideLocally(state.verifier, scan.code, localState(scan.direction));
  }
  const passCode = result.claims?.code || null;
  const passKind = result.claims?.kind || null;
  if (result.decision === "allow") move(passCode, passKind, scan.direction, Date.parse(scan.scanned_at));
  state.queue.push({ ...scan, local_decision: result.decision, pass_code: passCode, pass_kind: passKind });
  store.set("queue", state.queue);
  showResult({
    scan_id: scan.scan_id,
    decision: result.decision,
    reason: result.reason,
    message: reasonText(result.reason, scan.direction),
    direction: scan.direction,
    offline: true,
    claims: result.claims,
    note: result.note,
  });
}

function handleScan(raw) {
  const code = (raw || "").trim();
  if (!code) return Promise.resolve();
  const scan = {
    scan_id: newScanId(),
    code,
    direction: state.direction,
    scanned_at: new Date(now()).toISOString(),
  };
  showChecking();
  return serial(async () => {
    if (state.online) {
      try {
        await scanOnline(scan);
        return;
      } catch (error) {
        if (!(error instanceof Unreachable)) throw error;
        setOnline(false);
      }
    }
    await scanOffline(scan);
  });
}

// ---- screen ---------------------------------------------------------------------------------

const timeFormat = () =>
  new Intl.DateTimeFormat(`${state.boot?.language || "en"}-IN`, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: state.boot?.time_zone || "Asia/Kolkata",
  });

function windowText(from, until) {
  const format = timeFormat();
  return `${format.format(new Date(from))} – ${format.format(new Date(until))}`;
}

function renderLabels() {
  $("label-visitor").textContent = t("visitor");
  $("label-host").textContent = t("host");
  $("label-window").textContent = t("window");
  $("label-pass").textContent = t("pass");
  $("override").textContent = t("override");
  $("override-title").textContent = t("override_title");
  $("override-reason-label").textContent = t("override_reason");
  $("override-submit").textContent = t("override_submit");
  $("override-cancel").textContent = t("override_cancel");
  $("direction").title = config.direction === "toggle" ? t("toggle") : "";
  renderDirection();
  if (document.body.dataset.decision === "ready") $("verdict").textContent = t("ready");
  if (!camera.running) $("camera-toggle").textContent = t("camera_start");
}

function renderDirection() {
  $("direction-label").textContent = t(state.direction);
  document.body.dataset.directionNow = state.direction;
}

function renderStatus() {
  const status = $("status");
  status.dataset.online = String(state.online);
  let text = state.online ? t("online") : t("offline_status");
  if (state.signedOut) text = t("signed_out");
  else if (state.online && state.lastSync) {
    text += " · " + t("synced", { time: state.lastSync.toLocaleTimeString(`${state.boot?.language || "en"}-IN`) });
  }
  $("status-text").textContent = text;
  const queue = $("queue");
  queue.dataset.count = String(state.queue.length);
  queue.hidden = state.queue.length === 0;
  queue.textContent = t("queued", { n: state.queue.length });
}

function showChecking() {
  document.body.dataset.decision = "checking";
  $("verdict").textContent = t("checking");
  $("reason").textContent = "";
  $("details").hidden = true;
  $("override").hidden = true;
  $("offline-note").hidden = true;
  $("note").textContent = "";
}

function showNote(text) {
  $("note").textContent = text;
  renderStatus();
}

function showError(message) {
  document.body.dataset.decision = "deny";
  $("verdict").textContent = t("deny");
  $("reason").textContent = t("error", { message });
  beep("deny");
}

function showResult(result) {
  state.last = result;
  const body = document.body;
  body.dataset.decision = result.decision;
  body.dataset.reason = result.reason;
  $("verdict").textContent = t(result.decision);
  $("reason").textContent = result.message || reasonText(result.reason, result.direction);
  $("offline-note").hidden = !result.offline;
  $("offline-note").textContent = t("offline");

  const pass = result.pass;
  const claims = result.claims;
  $("visitor-name").textContent = result.visitor?.name || "";
  $("host").textContent = pass?.host || "";
  $("pass-code").textContent = pass?.code || claims?.code || "";
  $("window").textContent = pass
    ? windowText(Date.parse(pass.valid_from), Date.parse(pass.valid_until))
    : claims
      ? windowText(claims.validFrom, claims.validUntil)
      : "";
  const photo = $("photo");
  if (result.visitor?.photo_url) {
    photo.src = result.visitor.photo_url;
    photo.alt = result.visitor.name;
    photo.hidden = false;
  } else {
    photo.removeAttribute("src");
    photo.hidden = true;
  }
  $("details").hidden = !(pass || claims);

  const notes = [];
  if (result.note) notes.push(result.note);
  if (result.offline && claims) notes.push(t("no_details_offline"));
  if (result.duplicate) notes.push(t("duplicate"));
  if (result.overridden) notes.push(t("overridden"));
  if (result.offline && result.decision === "deny") notes.push(t("override_offline"));
  $("note").textContent = notes.join(" ");
  $("override").hidden = !(result.decision === "deny" && !result.offline && result.scan_id);
  renderStatus();
  beep(result.decision);
}

// ---- sound ----------------------------------------------------------------------------------

let audio = null;
function unlockAudio() {
  try {
    audio ??= new AudioContext();
    if (audio.state === "suspended") audio.resume();
  } catch {
    audio = null;
  }
}

function tone(frequency, start, length) {
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.type = "square";
  osc.frequency.value = frequency;
  gain.gain.setValueAtTime(0.2, start);
  gain.gain.exponentialRampToValueAtTime(0.001, start + length);
  osc.connect(gain).connect(audio.destination);
  osc.start(start);
  osc.stop(start + length);
}

function beep(decision) {
  if (!audio) return;
  const at = audio.currentTime + 0.01;
  if (decision === "allow") tone(1320, at, 0.18);
  else {
    tone(220, at, 0.22);
    tone(220, at + 0.32, 0.22);
  }
}

// ---- the USB scanner: a keyboard that types the QR text and Enter ---------------------------

const scanner = $("scanner");
const dialog = $("override-dialog");

function keepFocus() {
  if (!dialog.open && document.activeElement !== scanner) scanner.focus({ preventScroll: true });
}

scanner.addEventListener("keydown", (event) => {
  unlockAudio();
  if (event.key === "Enter") {
    event.preventDefault();
    const value = scanner.value;
    scanner.value = "";
    handleScan(value);
  }
});
scanner.addEventListener("blur", () => setTimeout(keepFocus, 0));
document.addEventListener("pointerdown", unlockAudio);
document.addEventListener("click", () => setTimeout(keepFocus, 0));
document.addEventListener("keydown", (event) => {
  if (!dialog.open && event.target !== scanner && event.key.length === 1) keepFocus();
});
window.addEventListener("focus", keepFocus);

// ---- direction ------------------------------------------------------------------------------

$("direction").addEventListener("click", () => {
  if (config.direction !== "toggle") return;
  state.direction = state.direction === "in" ? "out" : "in";
  store.set("direction", state.direction);
  renderDirection();
});

// ---- override -------------------------------------------------------------------------------

$("override").addEventListener("click", () => {
  $("override-reason").value = "";
  $("override-error").textContent = "";
  dialog.showModal();
  $("override-reason").focus();
});
$("override-cancel").addEventListener("click", () => dialog.close());
dialog.addEventListener("close", () => setTimeout(keepFocus, 0));
$("override-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const reason = $("override-reason").value.trim();
  if (!reason) {
    $("override-error").textContent = t("override_needs_reason");
    return;
  }
  const last = state.last;
  serial(async () => {
    try {
      const { status, data } = await call(config.urls.override, { scan_id: last.scan_id, reason });
      if (status !== 200) {
        $("override-error").textContent = data?.message || String(status);
        return;
      }
      dialog.close();
      if (data.pass) move(data.pass.code, data.pass.kind, last.direction, now());
      showResult({ ...data, direction: last.direction, offline: false });
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      $("override-error").textContent = t("override_offline");
    }
  });
});

// ---- camera ---------------------------------------------------------------------------------

const camera = { scanner: null, running: false, lastText: "", lastAt: 0 };

function cameraNote(text) {
  $("camera-note").textContent = text;
  $("camera-note").hidden = !text;
}

async function startCamera() {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    cameraNote(t("camera_insecure"));
    return;
  }
  try {
    const { default: QrScanner } = await import("qr-scanner");
    camera.scanner ??= new QrScanner(
      $("camera"),
      (found) => {
        const text = found.data;
        // The camera sees the same code many times a second; one scan per showing.
        if (text === camera.lastText && Date.now() - camera.lastAt < 4000) return;
        camera.lastText = text;
        camera.lastAt = Date.now();
        handleScan(text);
      },
      { returnDetailedScanResult: true, highlightScanRegion: true, preferredCamera: "environment" },
    );
    $("camera-box").hidden = false;
    await camera.scanner.start();
    camera.running = true;
    cameraNote("");
    $("camera-toggle").textContent = t("camera_stop");
  } catch (error) {
    $("camera-box").hidden = true;
    cameraNote(t("camera_unavailable", { error: String(error?.message || error) }));
  }
}

function stopCamera() {
  camera.scanner?.stop();
  camera.running = false;
  $("camera-box").hidden = true;
  $("camera-toggle").textContent = t("camera_start");
}

$("camera-toggle").addEventListener("click", () => {
  unlockAudio();
  if (camera.running) stopCamera();
  else startCamera();
});

// ---- start ----------------------------------------------------------------------------------

async function start() {
  const cached = store.get("bootstrap", null);
  if (cached) applyBootstrap(cached, { fresh: false });
  await serial(reconnect);
  if (!state.boot) {
    showError(t("offline_status"));
  }
  keepFocus();
  document.body.dataset.ready = "true";
  // Offline or with scans waiting: try every few seconds. Online: refresh keys and
  // revocations now and then.
  let lastTry = Date.now();
  let trying = false;
  setInterval(() => {
    const due =
      !state.online || state.queue.length || Date.now() - lastTry >= config.refresh_seconds * 1000;
    if (!due || trying) return;
    trying = true;
    lastTry = Date.now();
    serial(reconnect).finally(() => (trying = false));
  }, config.retry_seconds * 1000);
}

window.addEventListener("online", () => serial(reconnect));
window.addEventListener("offline", () => setOnline(false));

// For tests and the benchmark: the console's own parser.
window.civicgateConsole = { state, handleScan, parseToken, reconnect: () => serial(reconnect) };

start();
