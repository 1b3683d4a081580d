"""How long the gate console takes to judge a pass by itself (offline): parse the QR text, check
its Ed25519 signature and decide, in JavaScript, in headless Chromium.

Loads the console's own module (civicgate/static/passes/console-verify.js) with the npm
libraries it imports from node_modules, signs 1,000 distinct tokens with a fresh key in Python,
and times each decideLocally() call with performance.now() in a cross-origin isolated page (5 µs
timer resolution). Both engines are measured: WebCrypto's Ed25519 (what Chromium uses) and
@noble/ed25519 (the fallback for browsers without it).

    .venv/bin/python benchmarks/console_verify.py [--count 1000]
"""

import argparse
import base64
import json
import mimetypes
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from civicgate.passes import tokens  # noqa: E402

# Debian's Chromium with the flags the browser tests use (civicgate/conftest.py).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ORIGIN = "https://console.bench"
# The URL prefixes the page may load, and where each lives on disk: the same mapping as
# STATICFILES_DIRS in civicgate/settings.py.
FILES = {
    "/static/passes/": ROOT / "civicgate" / "static" / "passes",
    "/static/vendor/noble-ed25519/": ROOT / "node_modules" / "@noble" / "ed25519",
    "/static/vendor/noble-hashes/": ROOT / "node_modules" / "@noble" / "hashes",
}
IMPORTS = {
    "@noble/ed25519": "/static/vendor/noble-ed25519/index.js",
    "@noble/hashes/sha2.js": "/static/vendor/noble-hashes/sha2.js",
    "civicgate/console-verify": "/static/passes/console-verify.js",
}
ISOLATED = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}

PAGE = f"""<!doctype html><html><head><meta charset="utf-8">
<script type="importmap">{json.dumps({"imports": IMPORTS})}</script>
<script type="module">
import {{ Verifier, decideLocally }} from "civicgate/console-verify";
window.run = async ({{ keys, tokens, state, useWebCrypto }}) => {{
  const verifier = new Verifier(keys, {{ useWebCrypto }});
  const engine = await verifier.engine();
  const base = {{ ...state, used: new Set() }};
  for (const token of tokens.slice(0, 50)) await decideLocally(verifier, token, base);
  const times = [];
  let allowed = 0;
  const started = performance.now();
  for (const token of tokens) {{
    const t0 = performance.now();
    const result = await decideLocally(verifier, token, {{ ...base, now: Date.now() }});
    times.push(performance.now() - t0);
    if (result.decision === "allow") allowed += 1;
  }}
  const total = performance.now() - started;
  return {{ engine, times, allowed, total, isolated: crossOriginIsolated }};
}};
window.ready = true;
</script></head><body></body></html>"""


def make_tokens(count: int) -> tuple[dict[str, str], list[str]]:
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    kid = "BNCH"
    keys = {kid: base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    start = datetime.now(UTC) - timedelta(minutes=5)
    made = [
        tokens.encode(
            tokens.PassClaims(
                kid=kid,
                code=f"P{n:09d}",
                office="HQ",
                gates=(),
                valid_from=start,
                valid_until=start + timedelta(hours=4),
                kind="single",
            ),
            private,
        )
        for n in range(count)
    ]
    return keys, made


def serve(route: Any) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    if path == "/":
        route.fulfill(body=PAGE, content_type="text/html", headers=ISOLATED)
        return
    for prefix, folder in FILES.items():
        if path.startswith(prefix):
            file = (folder / path.removeprefix(prefix)).resolve()
            if file.is_relative_to(folder.resolve()) and file.is_file():
                kind = mimetypes.guess_type(file.name)[0] or "text/javascript"
                route.fulfill(body=file.read_bytes(), content_type=kind, headers=ISOLATED)
                return
    route.fulfill(status=404, body="not found")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    keys, signed = make_tokens(args.count)
    state = {
        "office": "HQ",
        "gate": "G1",
        "direction": "in",
        "refused": {},
        "inside": {},
        "forgivenessMinutes": 0,
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        page = browser.new_page()
        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/")
        page.wait_for_function("window.ready === true")
        print(f"{args.count} token verifications in {browser.version}, one at a time")
        for use_webcrypto in (True, False):
            out = page.evaluate(
                "(args) => window.run(args)",
                {"keys": keys, "tokens": signed, "state": state, "useWebCrypto": use_webcrypto},
            )
            if out["allowed"] != args.count:
                raise SystemExit(f"only {out['allowed']} of {args.count} tokens were allowed")
            times = out["times"]
            print(
                f"  {out['engine']:<9}  mean {sum(times) / len(times):.3f} ms"
                f"  p50 {percentile(times, 0.50):.3f} ms  p99 {percentile(times, 0.99):.3f} ms"
                f"  max {max(times):.3f} ms  ({args.count / out['total'] * 1000:,.0f}/s;"
                f" isolated timer: {out['isolated']})"
            )
        browser.close()


if __name__ == "__main__":
    main()
