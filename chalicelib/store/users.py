"""Users, their entitlements (roles) and their DirectLogin tokens.

Keys:
  USER#<user_id> / PROFILE                  the user, with its lock and deletion status
  USER#<user_id> / ROLE#<bank_id>#<role>    one entitlement (bank_id "" for system roles)
  USER#<user_id> / TOKEN#<sha256(token)>    a DirectLogin token (expires by TTL and by check);
      the token names its user and consumer, so its record, the user with roles and the
      consumer are read at once (services/directlogin.py)
  UNIQUE#USERNAME#<username> / UNIQUE       username -> user_id guard
Profile and entitlements sort together, so `load_user_with_roles` is one Query (tokens sort
after the roles and are never part of it).
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.errors import ApiError
from chalicelib.store.base import (
    Entity, delete_unique, failed_keys, get_item, put_unique, resolve_unique, sent_keys, transaction,
)

USERNAME = "USERNAME"
_ROLE_PREFIX = "ROLE#"


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


class UserRecord(Entity, discriminator="User"):
    user_id = UnicodeAttribute()
    username = UnicodeAttribute()
    email = UnicodeAttribute(default="")
    first_name = UnicodeAttribute(default="")
    last_name = UnicodeAttribute(default="")
    provider = UnicodeAttribute()
    provider_id = UnicodeAttribute()
    password_hash = UnicodeAttribute(null=True)
    bad_login_attempts = NumberAttribute(default=0)
    last_failure_at = UTCDateTimeAttribute(null=True)
    is_super_admin = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    # An administrator's lock (OBP's UserLocks, type "lock_via_api"), apart from bad logins.
    locked_at = UTCDateTimeAttribute(null=True)
    lock_type = UnicodeAttribute(null=True)
    # OBP's deleteUser: the record stays (user_id keeps naming it) with its personal data scrambled.
    is_deleted = BooleanAttribute(null=True)


class EntitlementRecord(Entity, discriminator="Entitlement"):
    entitlement_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    bank_id = UnicodeAttribute(default="")
    role_name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    @staticmethod
    def sort_key(bank_id: str, role_name: str) -> str:
        return f"{_ROLE_PREFIX}{bank_id}#{role_name}"


class TokenRecord(Entity, discriminator="Token"):
    user_id = UnicodeAttribute()
    consumer_id = UnicodeAttribute()
    expires = UTCDateTimeAttribute()
    issued_at = UTCDateTimeAttribute()


def token_key(user_id: str, token_hash: str) -> tuple[str, str]:
    return user_pk(user_id), f"TOKEN#{token_hash}"


def new_user_record(**fields) -> UserRecord:
    return UserRecord(pk=user_pk(fields["user_id"]), sk="PROFILE", created_at=datetime.now(timezone.utc), **fields)


def create_user(user: UserRecord, entitlements: list[EntitlementRecord] = (), also=None,
                also_failed: ApiError | None = None) -> None:
    """Insert a user with its username guard (and initial roles) in one transaction.
    Raises ApiError 409 when the username is taken. `also(tx)` adds writes that must commit with
    the user (e.g. using up an invitation); `also_failed` is raised when one of their conditions fails."""
    tx = transaction()
    own: set[tuple[str, str]] = set()
    try:
        with tx:
            put_unique(tx, USERNAME, user.username, user.user_id)
            tx.save(user, condition=UserRecord.pk.does_not_exist())
            for ent in entitlements:
                tx.save(ent, condition=EntitlementRecord.pk.does_not_exist())
            own = set(sent_keys(tx))
            if also is not None:
                also(tx)
    except TransactWriteError as err:
        if also_failed is not None and failed_keys(tx, err) - own:
            raise also_failed from err
        raise ApiError("OBP-10001", "User with the same username already exists.", status=409) from err


def get_user(user_id: str) -> UserRecord | None:
    return get_item(UserRecord, user_pk(user_id), "PROFILE")


def find_user_id_by_username(username: str) -> str | None:
    return resolve_unique(USERNAME, username)


def load_user_with_roles(user_id: str) -> tuple[UserRecord | None, list[EntitlementRecord]]:
    """The profile and every entitlement of a user in one strongly consistent Query."""
    user, roles = None, []
    for item in Entity.query(
        user_pk(user_id), Entity.sk.between("PROFILE", _ROLE_PREFIX + "\uffff"), consistent_read=True
    ):
        if isinstance(item, UserRecord):
            user = item
        elif isinstance(item, EntitlementRecord):
            roles.append(item)
    return user, roles


def list_entitlements(user_id: str) -> list[EntitlementRecord]:
    return list(EntitlementRecord.query(user_pk(user_id), EntitlementRecord.sk.startswith(_ROLE_PREFIX)))


def new_entitlement(entitlement_id: str, user_id: str, bank_id: str, role_name: str) -> EntitlementRecord:
    return EntitlementRecord(
        pk=user_pk(user_id),
        sk=EntitlementRecord.sort_key(bank_id, role_name),
        entitlement_id=entitlement_id,
        user_id=user_id,
        bank_id=bank_id,
        role_name=role_name,
        created_at=datetime.now(timezone.utc),
    )


def add_entitlement(ent: EntitlementRecord) -> None:
    """Insert; raises ApiError OBP-30216 when the user already holds the role at that bank."""
    try:
        with transaction() as tx:
            tx.save(ent, condition=EntitlementRecord.pk.does_not_exist())
    except TransactWriteError as err:
        raise ApiError("OBP-30216") from err


def delete_entitlement(ent: EntitlementRecord) -> None:
    with transaction() as tx:
        tx.delete(ent)


def record_bad_login(user: UserRecord) -> int:
    """Atomically count one more failed login; returns the new count."""
    user.update(actions=[
        UserRecord.bad_login_attempts.add(1), UserRecord.last_failure_at.set(datetime.now(timezone.utc)),
    ])
    return int(user.bad_login_attempts)


def reset_bad_logins(user: UserRecord) -> None:
    if user.bad_login_attempts:
        try:
            user.update(actions=[UserRecord.bad_login_attempts.set(0)], condition=UserRecord.pk.exists())
        except UpdateError:
            pass


def lock(user: UserRecord, lock_type: str, at: datetime) -> None:
    """An administrator's lock; locking again moves the lock date (OBP)."""
    user.update(actions=[UserRecord.locked_at.set(at), UserRecord.lock_type.set(lock_type)],
                condition=UserRecord.pk.exists())


def unlock(user: UserRecord) -> None:
    """Clear both kinds of lock: the bad-login count and an administrator's lock."""
    user.update(actions=[UserRecord.bad_login_attempts.set(0), UserRecord.locked_at.remove(),
                         UserRecord.lock_type.remove()], condition=UserRecord.pk.exists())


def mark_deleted(user: UserRecord, scrambled_username: str) -> bool:
    """Delete a user as OBP does: the record stays, flagged and scrambled (no password, a random
    username, no name or e-mail), and its username is free again, in one transaction. False when
    another request deleted it first."""
    tx = transaction()
    try:
        with tx:
            delete_unique(tx, USERNAME, user.username)
            tx.update(UserRecord(pk=user.pk, sk=user.sk), actions=[
                UserRecord.is_deleted.set(True), UserRecord.username.set(scrambled_username),
                UserRecord.provider_id.set(scrambled_username), UserRecord.email.set(""),
                UserRecord.first_name.set(""), UserRecord.last_name.set(""), UserRecord.password_hash.remove(),
            ], condition=UserRecord.pk.exists() & (UserRecord.is_deleted.does_not_exist() | (UserRecord.is_deleted == False)))  # noqa: E712
    except TransactWriteError:
        return False
    return True


def save_token(token_hash: str, user_id: str, consumer_id: str, issued_at: datetime, expires: datetime) -> None:
    pk, sk = token_key(user_id, token_hash)
    record = TokenRecord(pk=pk, sk=sk, user_id=user_id, consumer_id=consumer_id, issued_at=issued_at,
                         expires=expires, expires_at=expires)
    record.save(condition=TokenRecord.pk.does_not_exist())


def get_token(user_id: str, token_hash: str) -> TokenRecord | None:
    return get_item(TokenRecord, *token_key(user_id, token_hash))
