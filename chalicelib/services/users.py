"""Users: registration, lookup, lock status, deletion, and the bootstrap super admin.

A user is out at once, on every credential (DirectLogin token, consent), when deleted
(401 OBP-20064) or locked (401 OBP-20013): locked by too many bad logins or by an administrator
(OBP's lockUser, "lock_via_api"). Unlocking clears both and restores access, old tokens and
consents included; a deletion is final.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib import crypto
from chalicelib.errors import ApiError
from chalicelib.services.access import Caller, Grant, require_any_role
from chalicelib.services.validation import check_strong_password
from chalicelib.settings import get_settings
from chalicelib.store import access as access_store
from chalicelib.store import users as user_store


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""


def provider() -> str:
    """OBP's local identity provider is the instance's host name."""
    return get_settings().hostname


def create_user(new: NewUser, *, super_admin: bool = False, initial_roles: list[tuple[str, str]] = (),
                also=None, also_failed: ApiError | None = None):
    """Register a local user (OBP's createUser). Returns (user, grants). `also(tx, user_id)` adds
    writes that must commit with the user; `also_failed` is raised when one of their conditions fails."""
    check_strong_password(new.password)
    if not new.username.strip():
        raise ApiError("OBP-10001", "username must not be empty.", status=400)
    user_id = str(uuid.uuid4())
    record = user_store.new_user_record(
        user_id=user_id,
        username=new.username,
        email=new.email,
        first_name=new.first_name,
        last_name=new.last_name,
        provider=provider(),
        provider_id=new.username,
        password_hash=crypto.hash_password(new.password),
        is_super_admin=super_admin,
    )
    entitlements = [
        user_store.new_entitlement(str(uuid.uuid4()), user_id, bank_id, role) for role, bank_id in initial_roles
    ]
    user_store.create_user(
        record, entitlements, also=(lambda tx: also(tx, user_id)) if also else None, also_failed=also_failed
    )
    return record, [Grant(e.role_name, e.bank_id, e.entitlement_id) for e in entitlements]


def get_user_by_id(caller: Caller, user_id: str):
    """GET /users/user_id/USER_ID: needs CanGetAnyUser. Returns (user, grants)."""
    require_any_role(caller, ["CanGetAnyUser"])
    user, entitlements = user_store.load_user_with_roles(user_id)
    if user is None:
        raise ApiError("OBP-20057", f"Current UserId({user_id})", status=404)
    return user, [Grant(e.role_name, e.bank_id, e.entitlement_id) for e in entitlements]


def is_locked(user) -> bool:
    return int(user.bad_login_attempts or 0) >= get_settings().max_bad_login_attempts or user.locked_at is not None


def is_deleted(user) -> bool:
    return bool(user.is_deleted)


def refuse_if_inactive(user, *, status: int = 401) -> None:
    """OBP's check after every authentication: a deleted user, then a locked one, is refused."""
    if is_deleted(user):
        raise ApiError("OBP-20064", status=status)
    if is_locked(user):
        raise ApiError("OBP-20013", status=status)


def _user_by_username(username: str):
    """OBP's lock-status endpoints answer 404 OBP-20027 for a username no user has."""
    user_id = user_store.find_user_id_by_username(username)
    user = user_store.get_user(user_id) if user_id else None
    if user is None:
        raise ApiError("OBP-20027", f"Current USERNAME({username})", status=404)
    return user


def lock_status(caller: Caller, username: str):
    require_any_role(caller, ["CanReadUserLockedStatus"])
    return _user_by_username(username)


def unlock_user(caller: Caller, username: str):
    """An admin clears the failed-login counter and any administrator's lock (OBP unlockUser,
    CanUnlockUser): the user's tokens and consents work again."""
    require_any_role(caller, ["CanUnlockUser"])
    user = _user_by_username(username)
    user_store.unlock(user)
    return user_store.get_user(user.user_id)


LOCK_VIA_API = "lock_via_api"


def lock_user(caller: Caller, username: str):
    """OBP lockUser (CanLockUser): the user is out at once, on every credential, until unlocked."""
    require_any_role(caller, ["CanLockUser"])
    user = _user_by_username(username)
    user_store.lock(user, LOCK_VIA_API, datetime.now(timezone.utc))
    return user_store.get_user(user.user_id)


def delete_user(caller: Caller, user_id: str) -> bool:
    """OBP deleteUser (CanDeleteUser): the user's personal data is scrambled, its username freed,
    and every token and consent of it refused from the next request on (OBP-20064)."""
    require_any_role(caller, ["CanDeleteUser"])
    user = user_store.get_user(user_id)
    if user is None:
        raise ApiError("OBP-20005", f"Current USER_ID({user_id})", status=404)
    if not is_deleted(user):
        user_store.mark_deleted(user, f"DELETED-{secrets.token_hex(8)}")
    return True


def ensure_super_admin(username: str, password: str, email: str, system_roles: list[str]):
    """Create the bootstrap super admin when missing (idempotent). Returns the user."""
    existing_id = user_store.find_user_id_by_username(username)
    if existing_id:
        return user_store.get_user(existing_id)
    user, _ = create_user(
        NewUser(username=username, password=password, email=email, first_name="Super", last_name="Admin"),
        super_admin=True,
        initial_roles=[(role, "") for role in system_roles],
    )
    return user


def account_views_of(user_id: str) -> list[dict]:
    """Every view the user holds on an account, as OBP's ViewJSON300 list items."""
    return [
        {"bank_id": a.bank_id, "account_id": a.account_id, "view_id": a.view_id}
        for a in access_store.list_user_access(user_id)
    ]


def account_views(caller: Caller, held: list[dict] | None = None) -> list[dict]:
    """The views the caller may use: under a consent, only the consent's views; else the user's
    (`held`, when already read with account_views_of)."""
    if caller.views is not None:
        return [{"bank_id": b, "account_id": a, "view_id": v} for b, a, v in caller.views]
    return held if held is not None else account_views_of(caller.user_id)
