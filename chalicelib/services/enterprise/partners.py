"""Partner registration and key management (an OBP super admin's job).

A partner is an API client: `client_id` plus one or more public keys (PEM, RSA of at least 2048
bits or EC P-256; an X.509 certificate's key is taken too), each named by a `kid` unique within
the partner. Several keys can be active at once so a partner can rotate; a revoked key stops
both new assertions and the access tokens obtained with it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from chalicelib.services.access import Caller
from chalicelib.services.enterprise.errors import conflict, forbidden, invalid_request, not_found
from chalicelib.store.enterprise import partners as store

MAX_ACTIVE_KEYS = 5
ALGORITHMS = {"RSA": ("RS256", "PS256"), "EC": ("ES256",)}  # the algorithms a key of each type may sign with
_MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class PublicKey:
    key_type: str  # RSA | EC
    pem: str  # SubjectPublicKeyInfo PEM, as stored


def parse_public_key(text: str) -> PublicKey:
    """Validate a PEM public key (or certificate) and normalise it; 400 naming `public_key`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    data = text.strip().encode()
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as err:
        raise invalid_request(("public_key", "is not a PEM public key or certificate")) from err
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < _MIN_RSA_BITS:
            raise invalid_request(("public_key", f"an RSA key must have at least {_MIN_RSA_BITS} bits"))
        key_type = "RSA"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise invalid_request(("public_key", "an EC key must be on the P-256 curve (ES256)"))
        key_type = "EC"
    else:
        raise invalid_request(("public_key", "must be an RSA or an EC P-256 key"))
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return PublicKey(key_type, pem)


def _require_admin(caller: Caller) -> None:
    if not caller.is_super_admin:
        raise forbidden("Managing partners needs an OBP super admin")


def register_partner(caller: Caller, name: str, public_key: str, kid: str):
    """POST /v1/partners. Returns (partner, keys)."""
    _require_admin(caller)
    key = parse_public_key(public_key)
    client_id = f"client_{uuid.uuid4().hex}"
    partner = store.new_partner(client_id, name, caller.user_id)
    first = store.new_key(client_id, kid, key.key_type, key.pem)
    store.create_partner(partner, first)
    return partner, [first]


def get_partner(caller: Caller, client_id: str):
    """Returns (partner, keys)."""
    _require_admin(caller)
    partner = store.get_partner(client_id)
    if partner is None:
        raise not_found()
    return partner, store.list_keys(client_id)


def add_key(caller: Caller, client_id: str, public_key: str, kid: str):
    _require_admin(caller)
    if store.get_partner(client_id) is None:
        raise not_found()
    key = parse_public_key(public_key)
    record = store.new_key(client_id, kid, key.key_type, key.pem)
    outcome = store.add_key(record, MAX_ACTIVE_KEYS)
    if outcome == "kid_taken":
        raise conflict(f"The partner already has (or had) a key with kid {kid}")
    if outcome == "limit":
        raise conflict(f"A partner has at most {MAX_ACTIVE_KEYS} active keys; revoke one first")
    return record


def revoke_key(caller: Caller, client_id: str, kid: str):
    _require_admin(caller)
    key = store.get_key(client_id, kid)
    if key is None:
        raise not_found()
    if key.status == store.ACTIVE and not store.revoke_key(client_id, kid):
        raise conflict("The key changed meanwhile; try again")
    return store.get_key(client_id, kid)
