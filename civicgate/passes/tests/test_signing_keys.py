"""The pass-signing key is parsed once per process, and parsed again when its text changes."""

from unittest import mock

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from civicgate.passes import keys

pytestmark = pytest.mark.django_db


def test_a_key_is_parsed_once_and_signs_as_parsed() -> None:
    key = keys.create_key()
    parse = mock.Mock(wraps=serialization.load_pem_private_key)
    with mock.patch.object(keys.serialization, "load_pem_private_key", parse):
        first = keys.private_key_of(key)
        again = keys.private_key_of(keys.current_signing_key())
    assert parse.call_count == 1
    assert again is first
    assert keys._raw_public(first) == key.public_key


def test_a_key_stored_anew_under_the_same_kid_is_parsed_again() -> None:
    key = keys.create_key()
    keys.private_key_of(key)
    replacement = Ed25519PrivateKey.generate()
    key.private_key = replacement.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key.save()
    parsed = keys.private_key_of(keys.current_signing_key())
    assert keys._raw_public(parsed) == keys._raw_public(replacement)
