"""Account access: granting and revoking a view to a user, the two ways OBP offers.

v4.0.0 (grantUserAccessToView, served until 5.1.0): allowed when ANY view the caller may use on
the account can grant the target view (OBP-20047 / OBP-20048, status 400). v5.1.0
(grantUserAccessToViewById): the single source view in the path must be usable by the caller
(403 OBP-20017) and must be able to grant the target (403 OBP-20084 system / OBP-20085 custom).
The grant is an AccountAccessRecord, which is what /users/current lists.
"""
from __future__ import annotations

from chalicelib.errors import ApiError
from chalicelib.services.access import Caller, require_any_role
from chalicelib.services.accounts import require_account
from chalicelib.services.views import (
    View,
    find_view,
    is_custom_view_id,
    require_view,
    usable_views_on_account,
)
from chalicelib.store import access as access_store
from chalicelib.store import users as user_store


def get_system_view(caller: Caller, view_id: str) -> View:
    """GET /system-views/VIEW_ID (CanGetSystemView)."""
    require_any_role(caller, ["CanGetSystemView"])
    return find_view(view_id, as_system=True)


def _require_target_user(user_id: str):
    user = user_store.get_user(user_id)
    if user is None:
        raise ApiError("OBP-20005", f"Current USER_ID({user_id})", status=404)
    return user


def grant_through_any_view(caller: Caller, bank_id: str, account_id: str, user_id: str, view_id: str,
                           is_system: bool) -> View:
    """v4.0.0 grantUserAccessToView: allowed when any view the caller may use on the account can
    grant the target (OBP-20047, 400, otherwise)."""
    require_account(bank_id, account_id)
    target = find_view(view_id, as_system=is_system)
    if not any(v.may_grant(view_id) for v in usable_views_on_account(caller, bank_id, account_id)):
        raise ApiError("OBP-20047", f"Current ViewId({view_id}) and current UserId({caller.user_id})", status=400)
    _require_target_user(user_id)
    access_store.grant_access(user_id, bank_id, account_id, target.view_id)
    return target


def revoke_through_any_view(caller: Caller, bank_id: str, account_id: str, user_id: str, view_id: str,
                            is_system: bool) -> None:
    require_account(bank_id, account_id)
    target = find_view(view_id, as_system=is_system)
    if not any(v.may_revoke(view_id) for v in usable_views_on_account(caller, bank_id, account_id)):
        raise ApiError("OBP-20048", f"Current ViewId({view_id}) and current UserId({caller.user_id})", status=400)
    _require_target_user(user_id)
    access_store.revoke_access(user_id, bank_id, account_id, target.view_id)


def grant_through_view(caller: Caller, bank_id: str, account_id: str, source_view_id: str, user_id: str,
                       view_id: str) -> View:
    """v5.1.0 grantUserAccessToViewById: the single source view in the path decides (403)."""
    require_account(bank_id, account_id)
    source = require_view(caller, bank_id, account_id, source_view_id)
    target = find_view(view_id)
    if not source.may_grant(view_id):
        code = "OBP-20085" if is_custom_view_id(view_id) else "OBP-20084"
        raise ApiError(code, f"Current source viewId({source_view_id}) and target viewId ({view_id})", status=403)
    _require_target_user(user_id)
    access_store.grant_access(user_id, bank_id, account_id, target.view_id)
    return target


def revoke_through_view(caller: Caller, bank_id: str, account_id: str, source_view_id: str, user_id: str,
                        view_id: str) -> None:
    require_account(bank_id, account_id)
    source = require_view(caller, bank_id, account_id, source_view_id)
    target = find_view(view_id)
    if not source.may_revoke(view_id):
        code = "OBP-20087" if is_custom_view_id(view_id) else "OBP-20086"
        raise ApiError(code, f"Current source viewId({source_view_id}) and target viewId ({view_id})", status=403)
    _require_target_user(user_id)
    access_store.revoke_access(user_id, bank_id, account_id, target.view_id)
