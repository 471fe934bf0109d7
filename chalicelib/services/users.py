"""Users: registration, lookup, lock status, and the bootstrap super admin."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

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
    return int(user.bad_login_attempts or 0) >= get_settings().max_bad_login_attempts


def _user_by_username(username: str):
    user_id = user_store.find_user_id_by_username(username)
    user = user_store.get_user(user_id) if user_id else None
    if user is None:
        raise ApiError("OBP-20005", f"Current USERNAME({username})", status=404)
    return user


def lock_status(caller: Caller, username: str):
    require_any_role(caller, ["CanReadUserLockedStatus"])
    return _user_by_username(username)


def unlock_user(caller: Caller, username: str):
    """An admin clears the failed-login counter (OBP unlockUser, CanUnlockUser)."""
    require_any_role(caller, ["CanUnlockUser"])
    user = _user_by_username(username)
    user_store.reset_bad_logins(user)
    return user_store.get_user(user.user_id)


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


def account_views(caller: Caller) -> list[dict]:
    """The views the caller may use: under a consent, only the consent's views."""
    if caller.views is not None:
        return [{"bank_id": b, "account_id": a, "view_id": v} for b, a, v in caller.views]
    return account_views_of(caller.user_id)
