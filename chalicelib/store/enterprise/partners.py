"""Partners (Enterprise API clients), their public keys, used assertion ids and access tokens.

A partner and its keys share a partition. Secrets are stored only as hashes: the access token
(SHA-256 of 256 random bits) and the assertion's jti (hashed with the client id: it is the
client's own value, the hash keeps the key short and opaque).
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError

from chalicelib.store.base import Entity, cancellation_codes, failed_keys, get_item, get_many, query_all, transaction


ACTIVE, REVOKED = "active", "revoked"
_KEY_PREFIX = "KEY#"


def partner_pk(client_id: str) -> str:
    return f"PARTNER#{client_id}"


class PartnerRecord(Entity, discriminator="Partner"):
    client_id = UnicodeAttribute()
    name = UnicodeAttribute()
    created_by_user_id = UnicodeAttribute(default="")
    active_keys = NumberAttribute(default=0)
    profile_count = NumberAttribute(default=0)  # profiles are never deleted: also the last profile seq
    created_at = UTCDateTimeAttribute()


class PartnerKeyRecord(Entity, discriminator="PartnerKey"):
    client_id = UnicodeAttribute()
    kid = UnicodeAttribute()
    key_type = UnicodeAttribute()  # RSA | EC
    public_key_pem = UnicodeAttribute()
    status = UnicodeAttribute(default=ACTIVE)
    created_at = UTCDateTimeAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)


class AssertionRecord(Entity, discriminator="ClientAssertion"):
    """A client assertion's jti, kept until the assertion could no longer be accepted anyway."""

    client_id = UnicodeAttribute()


class AccessTokenRecord(Entity, discriminator="PartnerToken"):
    client_id = UnicodeAttribute()
    kid = UnicodeAttribute()
    expires = UTCDateTimeAttribute()


def new_partner(client_id: str, name: str, created_by_user_id: str) -> PartnerRecord:
    return PartnerRecord(pk=partner_pk(client_id), sk="PARTNER", client_id=client_id, name=name,
                         created_by_user_id=created_by_user_id, active_keys=1, profile_count=0,
                         created_at=datetime.now(timezone.utc))


def new_key(client_id: str, kid: str, key_type: str, public_key_pem: str) -> PartnerKeyRecord:
    return PartnerKeyRecord(pk=partner_pk(client_id), sk=_KEY_PREFIX + kid, client_id=client_id, kid=kid,
                            key_type=key_type, public_key_pem=public_key_pem, status=ACTIVE,
                            created_at=datetime.now(timezone.utc))


def create_partner(partner: PartnerRecord, key: PartnerKeyRecord) -> None:
    with transaction() as tx:
        tx.save(partner, condition=PartnerRecord.pk.does_not_exist())
        tx.save(key, condition=PartnerKeyRecord.pk.does_not_exist())


def get_partner(client_id: str) -> PartnerRecord | None:
    return get_item(PartnerRecord, partner_pk(client_id), "PARTNER")


def list_keys(client_id: str) -> list[PartnerKeyRecord]:
    return query_all(PartnerKeyRecord, partner_pk(client_id), PartnerKeyRecord.sk.startswith(_KEY_PREFIX),
                     consistent_read=True)


def get_key(client_id: str, kid: str) -> PartnerKeyRecord | None:
    return get_item(PartnerKeyRecord, partner_pk(client_id), _KEY_PREFIX + kid)


def add_key(key: PartnerKeyRecord, max_active: int) -> str:
    """Add an active key. Returns "added", "kid_taken" (the kid is, or was, one of the partner's
    keys) or "limit" (the partner has max_active active keys, or is gone)."""
    tx = transaction()
    try:
        with tx:
            tx.update(PartnerRecord(pk=key.pk, sk="PARTNER"), actions=[PartnerRecord.active_keys.add(1)],
                      condition=PartnerRecord.pk.exists() & (PartnerRecord.active_keys < max_active))
            tx.save(key, condition=PartnerKeyRecord.pk.does_not_exist())
    except TransactWriteError as err:
        failed = failed_keys(tx, err)
        if (key.pk, key.sk) in failed:
            return "kid_taken"
        if failed:
            return "limit"
        raise
    return "added"


def revoke_key(client_id: str, kid: str) -> bool:
    """Revoke an active key (and count it out). False when it is not an active key."""
    now = datetime.now(timezone.utc)
    try:
        with transaction() as tx:
            tx.update(PartnerKeyRecord(pk=partner_pk(client_id), sk=_KEY_PREFIX + kid),
                      actions=[PartnerKeyRecord.status.set(REVOKED), PartnerKeyRecord.revoked_at.set(now)],
                      condition=PartnerKeyRecord.status == ACTIVE)
            tx.update(PartnerRecord(pk=partner_pk(client_id), sk="PARTNER"),
                      actions=[PartnerRecord.active_keys.add(-1)], condition=PartnerRecord.pk.exists())
    except TransactWriteError as err:
        if "ConditionalCheckFailed" in cancellation_codes(err):
            return False
        raise
    return True


def issue_access_token(jti_hash: str, jti_until: datetime, token_hash: str, client_id: str, kid: str,
                       expires: datetime) -> bool:
    """Record the assertion's jti and store the access token, in one transaction. False (and no
    token) when the jti was already used by an assertion that may still be valid."""
    now = datetime.now(timezone.utc)
    used = AssertionRecord(pk=f"ASSERTION#{jti_hash}", sk="JTI", client_id=client_id, expires_at=jti_until)
    token = AccessTokenRecord(pk=f"PARTNER_TOKEN#{token_hash}", sk="TOKEN", client_id=client_id, kid=kid,
                              expires=expires, expires_at=expires)
    tx = transaction()
    try:
        with tx:
            # TTL deletion lags: an entry past its time counts as free.
            tx.save(used, condition=AssertionRecord.pk.does_not_exist() | (AssertionRecord.expires_at < now))
            tx.save(token, condition=AccessTokenRecord.pk.does_not_exist())
    except TransactWriteError as err:
        if (used.pk, used.sk) in failed_keys(tx, err):
            return False
        raise
    return True


def get_access_token(token_hash: str) -> AccessTokenRecord | None:
    return get_item(AccessTokenRecord, f"PARTNER_TOKEN#{token_hash}", "TOKEN")


def token_and_key(token_hash: str, client_id: str, kid: str) -> tuple[AccessTokenRecord | None, PartnerKeyRecord | None]:
    """An access token and the key it names, in one BatchGetItem."""
    token_k, key_k = (f"PARTNER_TOKEN#{token_hash}", "TOKEN"), (partner_pk(client_id), _KEY_PREFIX + kid)
    found = get_many([token_k, key_k])
    token, key = found.get(token_k), found.get(key_k)
    return (token if isinstance(token, AccessTokenRecord) else None,
            key if isinstance(key, PartnerKeyRecord) else None)
