"""Client authentication and access tokens of the Enterprise API.

Token endpoint (`POST /v1/oauth/token`, RFC 6749 §4.4 with RFC 7523 client assertions): the client
signs a short-lived JWT with one of its registered private keys and trades it for an access token.
    grant_type=client_credentials
    client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
    client_assertion=<JWT>           (or, as the provider documents it, `Authorization: Bearer <JWT>`)
The RFC 7523 §2.1 form `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>`
is accepted too; its failures are `invalid_grant` (400) where the client-credentials form says
`invalid_client` (401).

The assertion must carry, in its header, `kid` (one of the client's active keys) and `alg` (RS256
or PS256 for an RSA key, ES256 for an EC key; never `none`, never HS*: the algorithm list comes
from the registered key's type, never from the token), and `typ` absent or "JWT"; and in its
claims iss = sub = client_id, aud = the token endpoint's URL, exp at most 300 s after iat (60 s
clock leeway), and a jti never used before (recorded, hashed, until the assertion expires).

Access tokens are opaque to the client: `<client_id>.<base64url(kid)>.<256 random bits>`, stored
only as the SHA-256 of the whole string with a TTL. Not self-contained JWTs because a lookup is
needed anyway to honour key revocation at once; an opaque token cannot be mistaken for a client
assertion (or the reverse) and needs no signing key of ours to guard and rotate. Naming the key it
was obtained with lets one BatchGetItem read the token and the key together: authenticating a call
costs one round trip. Tokens of the earlier, unnamed format are unknown (401 invalid_token): the
client asks for a new one, as when one expires.
"""
from __future__ import annotations

import base64
import binascii
import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt

from chalicelib import crypto
from chalicelib.services.enterprise.errors import EnterpriseError, invalid_token
from chalicelib.services.enterprise.partners import ALGORITHMS
from chalicelib.settings import get_settings
from chalicelib.store.enterprise import partners as store

logger = logging.getLogger(__name__)

CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_LIFETIME = 300
LEEWAY = 60
_MAX_ASSERTION_LENGTH = 8192
_REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "jti"]
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class Partner:
    """The caller of a /v1 endpoint: the partner an access token was issued to."""

    client_id: str
    kid: str


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


def token_endpoint_url() -> str:
    """The `aud` every client assertion must name."""
    return get_settings().hostname.rstrip("/") + "/v1/oauth/token"


def oauth_error(status: int, error: str, description: str) -> EnterpriseError:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="enterprise"'
    return EnterpriseError(status, error, description, headers=headers)


def issue_token(params: dict[str, str], bearer_assertion: str | None) -> IssuedToken:
    """RFC 6749 §4.4 / RFC 7523: the form's parameters, and the JWT of an `Authorization: Bearer`
    header if the client sent one. Raises the RFC's errors as EnterpriseError."""
    grant_type = params.get("grant_type")
    if not grant_type:
        raise oauth_error(400, "invalid_request", "grant_type is required")
    if grant_type == CLIENT_CREDENTIALS:
        assertion = _client_assertion(params, bearer_assertion)
        status, error = 401, "invalid_client"
    elif grant_type == JWT_BEARER_GRANT:
        assertion = params.get("assertion")
        if not assertion:
            raise oauth_error(400, "invalid_request", "assertion is required for this grant_type")
        status, error = 400, "invalid_grant"
    else:
        raise oauth_error(400, "unsupported_grant_type", f"grant_type must be {CLIENT_CREDENTIALS} (or {JWT_BEARER_GRANT})")
    try:
        client_id, kid, jti, exp = _verify_assertion(assertion)
        if params.get("client_id") not in (None, client_id):
            raise _Refused("client_id does not match the assertion's iss")
    except _Refused as refusal:
        logger.info("enterprise: client assertion refused: %s", refusal.reason)
        raise oauth_error(status, error, refusal.reason) from None

    token = f"{client_id}.{_b64(kid.encode())}.{crypto.new_token()}"
    ttl = get_settings().enterprise_token_ttl_seconds
    now = datetime.now(timezone.utc)
    jti_until = datetime.fromtimestamp(exp + LEEWAY, tz=timezone.utc)
    jti_hash = crypto.hash_token(f"{client_id}\x1f{jti}")
    if not store.issue_access_token(jti_hash, jti_until, crypto.hash_token(token), client_id, kid, now + timedelta(seconds=ttl)):
        logger.info("enterprise: client assertion refused for %s: jti replayed", client_id)
        raise oauth_error(status, error, "the assertion's jti has been used before (replay)")
    return IssuedToken(token, ttl)


def no_store_headers() -> dict[str, str]:
    return dict(_NO_STORE)


def _client_assertion(params: dict[str, str], bearer_assertion: str | None) -> str:
    assertion = params.get("client_assertion")
    if assertion is not None and bearer_assertion:
        raise oauth_error(400, "invalid_request", "use one client authentication method, not two")
    if assertion is None:
        if bearer_assertion:
            return bearer_assertion
        raise oauth_error(401, "invalid_client", "client authentication is required: send client_assertion_type "
                          f"{ASSERTION_TYPE} and client_assertion")
    if params.get("client_assertion_type") != ASSERTION_TYPE:
        raise oauth_error(400, "invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}")
    return assertion


class _Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _verify_assertion(assertion: str) -> tuple[str, str, str, float]:
    """(client_id, kid, jti, exp) of a valid assertion; raises _Refused with the reason."""
    if len(assertion) > _MAX_ASSERTION_LENGTH:
        raise _Refused("the assertion is too large")
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise _Refused("the assertion is not a well-formed JWT") from None
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none":
        raise _Refused("unsigned assertions (alg none) are not accepted")
    if not any(alg in allowed for allowed in ALGORITHMS.values()):
        raise _Refused(f"alg {alg!r} is not accepted: sign with RS256 or PS256 (RSA key) or ES256 (EC P-256 key)")
    if header.get("typ") not in (None, "JWT"):
        raise _Refused("typ must be JWT (or absent) in a client assertion")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise _Refused("the assertion's header must name the key (kid)")
    client_id = unverified.get("iss")
    if not isinstance(client_id, str) or not client_id.startswith("client_") or len(client_id) > 64:
        raise _Refused("iss must be your client_id")

    key = store.get_key(client_id, kid)
    if key is None or key.status != store.ACTIVE:
        raise _Refused(f"unknown kid {kid!r}: not an active key of this client")
    allowed = list(ALGORITHMS[key.key_type])
    if alg not in allowed:
        raise _Refused(f"alg {alg!r} does not match key {kid!r} ({key.key_type}: {', '.join(allowed)})")
    audience = token_endpoint_url()
    try:
        claims = jwt.decode(
            assertion, key=_public_key(key.public_key_pem), algorithms=allowed, audience=audience,
            issuer=client_id, subject=client_id, leeway=LEEWAY, options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.InvalidSignatureError:
        raise _Refused("the signature does not verify with the key named by kid") from None
    except jwt.ExpiredSignatureError:
        raise _Refused("the assertion has expired (exp)") from None
    except jwt.ImmatureSignatureError:
        raise _Refused("the assertion is not valid yet (iat or nbf in the future)") from None
    except jwt.InvalidAudienceError:
        raise _Refused(f"aud must be the token endpoint {audience}") from None
    except jwt.MissingRequiredClaimError as err:
        raise _Refused(f"the claim {err.claim} is required") from None
    except jwt.exceptions.InvalidSubjectError:
        raise _Refused("sub must equal iss (your client_id)") from None
    except jwt.PyJWTError as err:
        raise _Refused(f"the assertion is not valid: {err}") from None
    if claims["exp"] - claims["iat"] > MAX_ASSERTION_LIFETIME:
        raise _Refused(f"exp must be at most {MAX_ASSERTION_LIFETIME} seconds after iat")
    jti = claims["jti"]
    if not isinstance(jti, str) or not 0 < len(jti) <= 256:
        raise _Refused("jti must be a string of 1 to 256 characters")
    return client_id, kid, jti, float(claims["exp"])


@functools.lru_cache(maxsize=256)
def _public_key(pem: str):
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_public_key(pem.encode())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _named_key(access_token: str) -> tuple[str, str] | None:
    """(client_id, kid) an access token names, or None when it is not of our format."""
    parts = access_token.split(".")
    if len(parts) != 3 or not parts[0].startswith("client_") or not parts[2]:
        return None
    try:
        kid = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return (parts[0], kid) if kid else None


def authenticate(access_token: str | None) -> Partner:
    """The partner of a /v1 call's bearer token; 401 invalid_token otherwise. The token and the
    key it was obtained with are read in one BatchGetItem."""
    if not access_token:
        raise invalid_token("an access token is required: Authorization: Bearer <token> (POST /v1/oauth/token)")
    named = _named_key(access_token) if len(access_token) <= 512 else None
    if named is None:
        raise invalid_token("the access token is unknown or has expired")
    record, key = store.token_and_key(crypto.hash_token(access_token), *named)
    if record is None or record.expires <= datetime.now(timezone.utc) or (record.client_id, record.kid) != named:
        raise invalid_token("the access token is unknown or has expired")
    if key is None or key.status != store.ACTIVE:
        raise invalid_token("the key this access token was obtained with has been revoked")
    return Partner(record.client_id, record.kid)
