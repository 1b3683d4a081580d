"""The pass-signing keys: which one signs now, which ones gates must still accept."""

import base64
import secrets
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicgate.audit.chain import record
from civicgate.passes.models import SigningKey

_CACHE_KEY = "passes:public-keys:v1"
_CACHE_SECONDS = 30
# kid -> (the PEM text, the key parsed from it): parsing costs more than signing a pass.
_parsed: dict[str, tuple[str, Ed25519PrivateKey]] = {}


def _raw_public(private: Ed25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _new_kid() -> str:
    alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
    while True:
        kid = "".join(secrets.choice(alphabet) for _ in range(4))
        if not SigningKey.objects.filter(kid=kid).exists():
            return kid


def create_key(*, actor: object = None) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with transaction.atomic():
        key = SigningKey.objects.create(
            kid=_new_kid(), private_key=pem, public_key=_raw_public(private), signs=True
        )
        record("passes.signing_key_created", actor=actor, obj=None, data={"kid": key.kid})
    cache.delete(_CACHE_KEY)
    return key


def current_signing_key() -> SigningKey:
    key = SigningKey.objects.filter(signs=True).order_by("-created_at").first()
    return key or create_key(actor="system")


def private_key_of(key: SigningKey) -> Ed25519PrivateKey:
    """The signing key parsed, once per key and process (again if its stored text differs)."""
    kept = _parsed.get(key.kid)
    if kept is not None and kept[0] == key.private_key:
        return kept[1]
    loaded = serialization.load_pem_private_key(key.private_key.encode(), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    _parsed[key.kid] = (key.private_key, loaded)
    return loaded


def rotate(*, actor: object = None) -> SigningKey:
    """Start signing with a new key. Old keys stop signing but verify until their passes end."""
    from civicgate.passes.models import GatePass

    with transaction.atomic():
        new = create_key(actor=actor)
        for old in SigningKey.objects.filter(signs=True).exclude(pk=new.pk):
            last = (
                GatePass.objects.filter(signing_key=old)
                .order_by("-valid_until")
                .values_list("valid_until", flat=True)
                .first()
            )
            old.signs = False
            old.retired_at = timezone.now()
            old.verify_until = (last or timezone.now()) + timedelta(days=1)
            old.save(update_fields=["signs", "retired_at", "verify_until", "updated_at"])
        record("passes.signing_key_rotated", actor=actor, data={"kid": new.kid})
    cache.delete(_CACHE_KEY)
    return new


def published_keys() -> dict[str, str]:
    """kid -> raw public key (base64url) for every key a gate must still accept."""
    keys = cache.get(_CACHE_KEY)
    if keys is None:
        now = timezone.now()
        rows = SigningKey.objects.filter(Q(signs=True) | Q(verify_until__gt=now)).values_list(
            "kid", "public_key"
        )
        keys = dict(rows)
        cache.set(_CACHE_KEY, keys, _CACHE_SECONDS)
    return keys
