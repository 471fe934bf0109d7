"""Helpers for the Enterprise API tests: partner key pairs (private keys never leave the test),
client assertions (valid, and every kind of invalid), and a bearer-token client."""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@functools.lru_cache(maxsize=None)
def rsa_key(name: str = "a", bits: int = 2048):
    """A private RSA key per name, generated once per test session."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.lru_cache(maxsize=None)
def ec_key(name: str = "a", curve: str = "P-256"):
    return ec.generate_private_key({"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1()}[curve])


def public_pem(private_key) -> str:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_for(client_id: str, audience: str, **overrides) -> dict:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": audience, "iat": now, "exp": now + 120,
              "jti": str(uuid.uuid4())}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def assertion(private_key, client_id: str, kid: str, audience: str, alg: str | None = None,
              headers: dict | None = None, **claims) -> str:
    """A client assertion signed with the partner's private key (claim=None drops a claim)."""
    alg = alg or ("ES256" if isinstance(private_key, ec.EllipticCurvePrivateKey) else "RS256")
    return jwt.encode(claims_for(client_id, audience, **claims), private_key, algorithm=alg,
                      headers={"kid": kid, **(headers or {})})


def unsigned_assertion(client_id: str, kid: str, audience: str) -> str:
    """alg none: header and claims, no signature."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    body = _b64(json.dumps(claims_for(client_id, audience)).encode())
    return f"{header}.{body}."


def hs256_with_public_key(public_key_pem: str, client_id: str, kid: str, audience: str) -> str:
    """The algorithm-confusion attack: HS256 keyed with the partner's (public) PEM."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = _b64(json.dumps(claims_for(client_id, audience)).encode())
    signature = hmac.new(public_key_pem.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


def token_form(client_assertion: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode({"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                      "client_assertion": client_assertion}).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class PartnerKeys:
    """A registered partner as its own code would hold it: client_id, kid and private key."""

    client_id: str
    kid: str
    private_key: object
    extra: dict = field(default_factory=dict)

    def assertion(self, audience: str, **kw) -> str:
        return assertion(self.private_key, self.client_id, self.kid, audience, **kw)
