"""The QR token of a gate pass: compact, Ed25519-signed, verifiable at a gate with no network.

    CG1:<kid>:<pass code>:<office>:<gates>:<valid from>:<valid until>:<kind>:<signature>

Every character is in the QR alphanumeric set (0-9, A-Z, space $ % * + - . / :), the densest QR
mode, so the code stays small. Times are Unix seconds in base 36; gates are gate codes joined
by "+", or "*" for every gate of the office; kind is S (single entry), D (day pass) or M
(multi-day); the signature is the Ed25519 signature of everything before the last colon, in
RFC 4648 base32 without padding.
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "CG1"
KIND_LETTERS = {"single": "S", "day": "D", "multi_day": "M"}
LETTER_KINDS = {v: k for k, v in KIND_LETTERS.items()}
ALL_GATES = "*"
_DIGITS36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class TokenError(Exception):
    """The token cannot be trusted; reason is a scan reason code (malformed, unknown_key, ...)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PassClaims:
    kid: str
    code: str
    office: str
    gates: tuple[str, ...]  # empty: every gate of the office
    valid_from: datetime
    valid_until: datetime
    kind: str


def _b36(n: int) -> str:
    if n < 0:
        raise ValueError("negative time")
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS36[r] + out
        if n == 0:
            return out


def _unb36(text: str) -> int:
    return int(text, 36)


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def _unb32(text: str) -> bytes:
    return base64.b32decode(text + "=" * (-len(text) % 8))


def encode(claims: PassClaims, private_key: Ed25519PrivateKey) -> str:
    for part in (claims.kid, claims.code, claims.office, *claims.gates):
        if not part or any(ch not in _DIGITS36 + "-" for ch in part):
            raise ValueError(
                f"{part!r} cannot go in a pass token (use upper-case letters, digits, '-')"
            )
    body = ":".join(
        [
            PREFIX,
            claims.kid,
            claims.code,
            claims.office,
            "+".join(claims.gates) if claims.gates else ALL_GATES,
            _b36(int(claims.valid_from.timestamp())),
            _b36(int(claims.valid_until.timestamp())),
            KIND_LETTERS[claims.kind],
        ]
    )
    return f"{body}:{_b32(private_key.sign(body.encode()))}"


def parse(token: str) -> tuple[PassClaims, str, bytes]:
    """Split a token into its claims, the signed text and the signature; TokenError if malformed."""
    return _parse((token or "").strip())


# A scan reads its token twice (the pass code to fetch the pass with the device, then the
# decision): the second read comes from here. The result is immutable, a pure function of the text.
@lru_cache(maxsize=256)
def _parse(text: str) -> tuple[PassClaims, str, bytes]:
    parts = text.split(":")
    if len(parts) != 9 or parts[0] != PREFIX or len(text) > 400:
        raise TokenError("malformed")
    _, kid, code, office, gates, start, end, kind, signature = parts
    try:
        claims = PassClaims(
            kid=kid,
            code=code,
            office=office,
            gates=() if gates == ALL_GATES else tuple(gates.split("+")),
            valid_from=datetime.fromtimestamp(_unb36(start), tz=UTC),
            valid_until=datetime.fromtimestamp(_unb36(end), tz=UTC),
            kind=LETTER_KINDS[kind],
        )
        raw_signature = _unb32(signature)
    except (ValueError, KeyError, OverflowError, binascii.Error):
        raise TokenError("malformed") from None
    if not (kid and code and office) or len(raw_signature) != 64:
        raise TokenError("malformed")
    return claims, text.rsplit(":", 1)[0], raw_signature


@lru_cache(maxsize=64)
def public_key_from_raw(raw_b64url: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(
        base64.urlsafe_b64decode(raw_b64url + "=" * (-len(raw_b64url) % 4))
    )


def verify(token: str, public_keys: dict[str, str]) -> PassClaims:
    """Check a token's form and signature against the published keys (kid -> raw key, base64url).

    Says nothing about time, office, gate or the pass's state: the caller decides those.
    """
    claims, signed, signature = parse(token)
    raw = public_keys.get(claims.kid)
    if raw is None:
        raise TokenError("unknown_key")
    try:
        public_key_from_raw(raw).verify(signature, signed.encode())
    except InvalidSignature:
        raise TokenError("invalid_signature") from None
    return claims
