"""A request made under a consent (reference §5.5): `Consent-JWT` (the JWT, or the consent id)
and `Consumer-Key` make the request run as the consent's user, limited to the consent's views and
to the roles it lists that the user still holds.

Every check reads the consent strongly consistent, so a revoked consent fails on the very next
request. Each failure is 401 with OBP's code: 35032 (neither UUID nor JWT), 35001 (no such
consent), 35004 (not the consent's current JWT: tampered, `alg: none`, another key, or stale
after a change of the consent), 35005 (not ACCEPTED), 35002 (before nbf), 35003 (after exp),
35016 (no Consumer-Key), 35018 / 35017 (the consent's consumer is gone / disabled), 35015 (the
key is not that consumer's), 35023 (no user); then the user's own checks: 20064 (deleted),
20013 (locked). A JWT names the consent, its consumer and its user, so they are read in one round
trip (a BatchGetItem and a Query at once); a consent id names only the consent, so the user and
the consumer follow in a second.
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
from chalicelib.services import users as user_service
from chalicelib.services.access import NOT_READ, Authentication, Caller, Grant
from chalicelib.services.validation import is_valid_id
from chalicelib.store import consents as consent_store
from chalicelib.store import consumers as consumer_store
from chalicelib.store import users as user_store
from chalicelib.store.base import get_many
from chalicelib.store.parallel import together

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# A consent's last use is written at most this often (a write per request would double the cost).
_USAGE_PRECISION = timedelta(seconds=60)


def _refuse(code: str, context: str = "") -> ApiError:
    return ApiError(code, context, status=401)


def _claims(token: str) -> tuple[str, str, str]:
    """The consent id, consumer and user a JWT names, read before anything is trusted (35032 if
    the value is no JWT at all)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise _refuse("OBP-35032")
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _refuse("OBP-35032") from None
    if not isinstance(claims, dict):
        claims = {}
    jti, aud, user_id = claims.get("jti"), claims.get("aud"), claims.get("createdByUserId")
    if not isinstance(jti, str) or not _UUID.match(jti):
        raise _refuse("OBP-35001")
    return jti, aud if isinstance(aud, str) else "", user_id if isinstance(user_id, str) else ""


def plan(value: str, consumer_key: str | None) -> Authentication:
    """The checks of a `Consent-JWT` / `Consent-Id` value. A JWT: the consent and its consumer in
    one BatchGetItem with the user (with roles) it names, at once; a consent id: the consent,
    then its user and consumer."""
    value = value.strip()
    if _UUID.match(value):
        return Authentication(
            reads=[lambda: consent_store.get_consent(value)],
            finish=lambda results, later=None: _check(results[0], None, None, value, consumer_key, later=later),
            consent=True)
    consent_id, aud, user_id = _claims(value)
    consent_k = consent_store.consent_key(consent_id)
    keys = [consent_k] + ([consumer_store.consumer_key(aud)] if aud else [])

    def finish(results, later=None) -> tuple[Caller, object]:
        found, user_and_roles = results
        consumer = found.get(consumer_store.consumer_key(aud)) if aud else None
        return _check(found.get(consent_k), consumer, user_and_roles, value, consumer_key, user_id, later=later)

    return Authentication(
        reads=[lambda: get_many(keys), (lambda: user_store.load_user_with_roles(user_id)) if user_id else None],
        finish=finish, user_id=user_id if is_valid_id(user_id) else "", consent=True,
    )


def authenticate(value: str, consumer_key: str | None) -> Caller:
    return plan(value, consumer_key).run()


def _check(consent, consumer, user_and_roles, value: str, consumer_key: str | None, named_user_id: str = "", *,
           later=None) -> tuple[Caller, object]:
    """Everything but the reads; `consumer` / `user_and_roles` are what was read alongside the
    consent (None: read them now, after it, with `later(user_id)`: the request's reads keyed by
    the user). Returns the caller and what `later` returned (NOT_READ when not sent)."""
    presented = None if _UUID.match(value) else value
    if not isinstance(consent, consent_store.ConsentRecord):
        raise _refuse("OBP-35001")
    if presented is not None and not crypto.equals(presented, consents.jwt_of(consent)):
        raise _refuse("OBP-35004")
    now = _check_in_force(consent)
    if not consumer_key:
        raise _refuse("OBP-35016")

    if named_user_id != consent.user_id:
        user_and_roles = None  # the JWT is the consent's current one, so this only happens without a user
    consumer, user_and_roles, late = _read_missing(consent, consumer, user_and_roles, later)
    consumer = _enabled_consumer(consent, consumer)
    if not crypto.equals(consumer_key, consumer.key):
        raise _refuse("OBP-35015")
    return _as_user(consent, now, user_and_roles), late


def caller_of(consent) -> Caller:
    """The consent's own application acting under it in process, with no JWT or key to present
    (the Enterprise API charging a payment mandate it holds): every other check of `authenticate`,
    the consumer and the user read at once."""
    now = _check_in_force(consent)
    consumer, user_and_roles, _ = _read_missing(consent, None, None, None)
    _enabled_consumer(consent, consumer)
    return _as_user(consent, now, user_and_roles)


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


def _read_missing(consent, consumer, user_and_roles, later):
    """(consumer, user_and_roles, what `later` returned or NOT_READ): what was not read alongside
    the consent, read now in one round trip."""
    need_consumer = consumer is None or getattr(consumer, "consumer_id", None) != consent.consumer_id
    need_user = user_and_roles is None and consent.user_id
    consumer_read = (lambda: consumer_store.get_consumer(consent.consumer_id) if consent.consumer_id else None)
    fetched_consumer, fetched_user, late = together(
        consumer_read if need_consumer else None,
        (lambda: user_store.load_user_with_roles(consent.user_id)) if need_user else None,
        (lambda: later(consent.user_id)) if need_user and later is not None else None, return_exceptions=True)
    for failed in (fetched_consumer, fetched_user):
        if isinstance(failed, Exception):
            raise failed
    if not (need_user and later is not None):
        late = NOT_READ
    return (fetched_consumer if need_consumer else consumer), (fetched_user if need_user else user_and_roles), late


def _enabled_consumer(consent, consumer):
    if consumer is None:
        raise _refuse("OBP-35018", f" aud: {consent.consumer_id}")
    if not consumer.enabled:
        raise _refuse("OBP-35017", f" aud: {consent.consumer_id}")
    return consumer


def _as_user(consent, now: datetime, user_and_roles) -> Caller:
    user, entitlements = user_and_roles or (None, [])
    if user is None:
        raise _refuse("OBP-35023")
    user_service.refuse_if_inactive(user)
    if consent.last_usage_at is None or now - consent.last_usage_at >= _USAGE_PRECISION:
        consent_store.record_usage(consent, now)
    grants = consents.grants_of(consent, [Grant(e.role_name, e.bank_id, e.entitlement_id) for e in entitlements])
    return Caller(user=user, consumer_id=consent.consumer_id, grants=grants, consent=consent,
                  views=consents.consent_views(consents.claims_of(consent)))
