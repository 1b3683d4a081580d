"""Pass-token verification in Python: the cost of tokens.verify() per call.

.venv/bin/python benchmarks/token_verify.py [--calls 20000]

Target: under 200 microseconds per call (issue 3). The Ed25519 check alone is timed beside
it, with cryptography (what tokens.verify uses) and, where the package is installed, with
PyNaCl (libsodium), on the same token.
"""

import argparse
import base64
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from civicgate.passes import tokens


def _raw_public(private: Ed25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _timed(name: str, call: Callable[[], object], calls: int) -> None:
    for _ in range(500):  # warm-up: key cache, allocator
        call()
    samples = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    print(f"  {name}")
    print(f"    mean {statistics.fmean(samples):8.1f} us")
    print(f"    p50  {samples[len(samples) // 2]:8.1f} us")
    print(f"    p99  {samples[int(len(samples) * 0.99)]:8.1f} us")
    print(f"    max  {samples[-1]:8.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()
    start = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
    token = tokens.encode(
        tokens.PassClaims(
            kid="K7QX",
            code="7KXM2P9QRT",
            office="HQ",
            gates=("G1", "G3"),
            valid_from=start,
            valid_until=start + timedelta(hours=4),
            kind="day",
        ),
        key,
    )
    published = {"OLD1": _raw_public(Ed25519PrivateKey.generate()), "K7QX": _raw_public(key)}
    print(f"{args.calls} calls each, token of {len(token)} characters")
    _timed(
        "tokens.verify (parse + Ed25519, cryptography)",
        lambda: tokens.verify(token, published),
        args.calls,
    )

    _claims, signed, signature = tokens.parse(token)
    message = signed.encode()
    public = key.public_key()
    _timed("Ed25519 only, cryptography", lambda: public.verify(signature, message), args.calls)
    try:
        from nacl.signing import VerifyKey
    except ImportError:
        print("  Ed25519 only, PyNaCl: not installed (pip install pynacl to compare)")
        return
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    nacl_key = VerifyKey(raw)
    _timed(
        "Ed25519 only, PyNaCl (libsodium)", lambda: nacl_key.verify(message, signature), args.calls
    )


if __name__ == "__main__":
    main()
