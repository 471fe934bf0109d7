"""A request made under a consent (reference §5.5): `Consent-JWT` (the JWT, or the consent id)
and `Consumer-Key` make the request run as the consent's user, limited to the consent's views and
to the roles it lists that the user still holds.

Every check reads the consent strongly consistent, so a revoked consent fails on the very next
request. Each failure is 401 with OBP's code: 35032 (neither UUID nor JWT), 35001 (no such
consent), 35004 (not the consent's current JWT: tampered, `alg: none`, another key, or stale
after a change of the consent), 35005 (not ACCEPTED), 35002 (before nbf), 35003 (after exp),
35016 (no Consumer-Key), 35018 / 35017 (the consent's consumer is gone / disabled), 35015 (the
key is not that consumer's), 35023 (no user).
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timedelta, timezone

from chalicelib import crypto
from chalicelib.errors import ApiError
from chalicelib.services import consents
from chalicelib.services.access import Caller, Grant
from chalicelib.store import consents as consent_store
from chalicelib.store import consumers as consumer_store
from chalicelib.store import users as user_store
from chalicelib.store.base import get_many

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# A consent's last use is written at most this often (a write per request would double the cost).
_USAGE_PRECISION = timedelta(seconds=60)


def _refuse(code: str, context: str = "") -> ApiError:
    return ApiError(code, context, status=401)


def _jti_and_aud(token: str) -> tuple[str, str]:
    """The consent id and consumer a JWT names, read before anything is trusted (35032 if the
    value is no JWT at all)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise _refuse("OBP-35032")
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _refuse("OBP-35032") from None
    jti, aud = (claims.get("jti"), claims.get("aud")) if isinstance(claims, dict) else (None, None)
    if not isinstance(jti, str) or not _UUID.match(jti):
        raise _refuse("OBP-35001")
    return jti, aud if isinstance(aud, str) else ""


def _load(value: str):
    """(consent, consumer or None, presented JWT or None) in one BatchGetItem for a JWT."""
    if _UUID.match(value):
        return consent_store.get_consent(value), None, None
    consent_id, aud = _jti_and_aud(value)
    keys = [consent_store.consent_key(consent_id)] + ([consumer_store.consumer_key(aud)] if aud else [])
    found = get_many(keys)
    consent = found.get(consent_store.consent_key(consent_id))
    consumer = found.get(consumer_store.consumer_key(aud)) if aud else None
    return consent, consumer, value


def authenticate(value: str, consumer_key: str | None) -> Caller:
    value = value.strip()
    consent, consumer, presented = _load(value)
    if not isinstance(consent, consent_store.ConsentRecord):
        raise _refuse("OBP-35001")
    if presented is not None and not crypto.equals(presented, consents.jwt_of(consent)):
        raise _refuse("OBP-35004")
    now = _check_in_force(consent)
    if not consumer_key:
        raise _refuse("OBP-35016")
    consumer = _enabled_consumer(consent, consumer)
    if not crypto.equals(consumer_key, consumer.key):
        raise _refuse("OBP-35015")
    return _as_user(consent, now)


def caller_of(consent) -> Caller:
    """The consent's own application acting under it in process, with no JWT or key to present
    (the Enterprise API charging a payment mandate it holds): every other check of `authenticate`."""
    now = _check_in_force(consent)
    _enabled_consumer(consent, None)
    return _as_user(consent, now)


def _check_in_force(consent) -> datetime:
    if consent.status != consents.ACCEPTED:
        raise _refuse("OBP-35005", "ACCEPTED.")
    claims = consents.claims_of(consent)
    now = datetime.now(timezone.utc)
    if claims["nbf"] > now.timestamp():
        raise _refuse("OBP-35002")
    if now.timestamp() > claims["exp"]:
        raise _refuse("OBP-35003")
    return now


def _enabled_consumer(consent, consumer):
    if consumer is None or getattr(consumer, "consumer_id", None) != consent.consumer_id:
        consumer = consumer_store.get_consumer(consent.consumer_id) if consent.consumer_id else None
    if consumer is None:
        raise _refuse("OBP-35018", f" aud: {consent.consumer_id}")
    if not consumer.enabled:
        raise _refuse("OBP-35017", f" aud: {consent.consumer_id}")
    return consumer


def _as_user(consent, now: datetime) -> Caller:
    claims = consents.claims_of(consent)
    user, entitlements = user_store.load_user_with_roles(consent.user_id) if consent.user_id else (None, [])
    if user is None:
        raise _refuse("OBP-35023")
    if consent.last_usage_at is None or now - consent.last_usage_at >= _USAGE_PRECISION:
        consent_store.record_usage(consent, now)
    grants = consents.grants_of(consent, [Grant(e.role_name, e.bank_id, e.entitlement_id) for e in entitlements])
    return Caller(user=user, consumer_id=consent.consumer_id, grants=grants, consent=consent,
                  views=consents.consent_views(claims))
