"""The QR token: what a gate can decide from the token alone, with no network."""

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from civicgate.passes import tokens
from civicgate.passes.keys import _raw_public

CLAIMS = tokens.PassClaims(
    kid="K7QX",
    code="7KXM2P9QRT",
    office="HQ",
    gates=("G1", "G3"),
    valid_from=datetime(2026, 12, 1, 4, 30, tzinfo=UTC),
    valid_until=datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
    kind="day",
)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_a_signed_token_verifies_and_gives_back_its_claims(key: Ed25519PrivateKey) -> None:
    token = tokens.encode(CLAIMS, key)

    assert tokens.verify(token, {"K7QX": _raw_public(key)}) == CLAIMS


def test_the_token_fits_the_qr_alphanumeric_set_and_a_small_code(key: Ed25519PrivateKey) -> None:
    token = tokens.encode(CLAIMS, key)

    assert set(token) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert len(token) < 160


def test_every_gate_of_the_office_is_written_as_a_star(key: Ed25519PrivateKey) -> None:
    token = tokens.encode(tokens.PassClaims(**{**CLAIMS.__dict__, "gates": ()}), key)

    assert ":HQ:*:" in token
    assert tokens.verify(token, {"K7QX": _raw_public(key)}).gates == ()


def test_a_changed_character_breaks_the_signature(key: Ed25519PrivateKey) -> None:
    token = tokens.encode(CLAIMS, key)
    forged = token.replace(":HQ:", ":BR-07:")

    with pytest.raises(tokens.TokenError) as err:
        tokens.verify(forged, {"K7QX": _raw_public(key)})
    assert err.value.reason == "invalid_signature"


def test_a_token_signed_by_another_key_is_refused(key: Ed25519PrivateKey) -> None:
    token = tokens.encode(CLAIMS, Ed25519PrivateKey.generate())

    with pytest.raises(tokens.TokenError) as err:
        tokens.verify(token, {"K7QX": _raw_public(key)})
    assert err.value.reason == "invalid_signature"


def test_a_token_whose_key_is_not_published_is_refused(key: Ed25519PrivateKey) -> None:
    token = tokens.encode(CLAIMS, key)

    with pytest.raises(tokens.TokenError) as err:
        tokens.verify(token, {"ZZZZ": _raw_public(key)})
    assert err.value.reason == "unknown_key"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "CG1:K7QX",
        "CG2:K7QX:7KXM2P9QRT:HQ:*:1:2:S:AAAA",
        "CG1:K7QX:7KXM2P9QRT:HQ:*:1:2:X:AAAA",
        "CG1:K7QX:7KXM2P9QRT:HQ:*:!!:2:S:AAAA",
        "CG1:K7QX:7KXM2P9QRT:HQ:*:1:2:S:A" * 30,
    ],
)
def test_malformed_text_is_refused_as_malformed(text: str, key: Ed25519PrivateKey) -> None:
    with pytest.raises(tokens.TokenError) as err:
        tokens.verify(text, {"K7QX": _raw_public(key)})
    assert err.value.reason == "malformed"
