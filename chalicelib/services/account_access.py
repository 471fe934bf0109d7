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


# What differs between granting and revoking: the source view's permission, OBP's error codes
# (v4.0.0 form; v5.1.0 system target; v5.1.0 custom target) and the write.
_GRANT = ("may_grant", ("OBP-20047", "OBP-20084", "OBP-20085"), access_store.grant_access)
_REVOKE = ("may_revoke", ("OBP-20048", "OBP-20086", "OBP-20087"), access_store.revoke_access)


def _through_any_view(change, caller: Caller, bank_id: str, account_id: str, user_id: str, view_id: str,
                      is_system: bool) -> View:
    """v4.0.0: allowed when any view the caller may use on the account allows it (400 otherwise)."""
    permission, (code, _, _), write = change
    require_account(bank_id, account_id)
    target = find_view(view_id, as_system=is_system)
    if not any(getattr(v, permission)(view_id) for v in usable_views_on_account(caller, bank_id, account_id)):
        raise ApiError(code, f"Current ViewId({view_id}) and current UserId({caller.user_id})", status=400)
    _require_target_user(user_id)
    write(user_id, bank_id, account_id, target.view_id)
    return target


def _through_view(change, caller: Caller, bank_id: str, account_id: str, source_view_id: str, user_id: str,
                  view_id: str) -> View:
    """v5.1.0: the single source view in the path decides (403)."""
    permission, (_, system_code, custom_code), write = change
    require_account(bank_id, account_id)
    source = require_view(caller, bank_id, account_id, source_view_id)
    target = find_view(view_id)
    if not getattr(source, permission)(view_id):
        code = custom_code if is_custom_view_id(view_id) else system_code
        raise ApiError(code, f"Current source viewId({source_view_id}) and target viewId ({view_id})", status=403)
    _require_target_user(user_id)
    write(user_id, bank_id, account_id, target.view_id)
    return target


def grant_through_any_view(caller: Caller, bank_id: str, account_id: str, user_id: str, view_id: str,
                           is_system: bool) -> View:
    """v4.0.0 grantUserAccessToView (OBP-20047)."""
    return _through_any_view(_GRANT, caller, bank_id, account_id, user_id, view_id, is_system)


def revoke_through_any_view(caller: Caller, bank_id: str, account_id: str, user_id: str, view_id: str,
                            is_system: bool) -> None:
    """v4.0.0 revokeUserAccessToView (OBP-20048)."""
    _through_any_view(_REVOKE, caller, bank_id, account_id, user_id, view_id, is_system)


def grant_through_view(caller: Caller, bank_id: str, account_id: str, source_view_id: str, user_id: str,
                       view_id: str) -> View:
    """v5.1.0 grantUserAccessToViewById (OBP-20084 / OBP-20085)."""
    return _through_view(_GRANT, caller, bank_id, account_id, source_view_id, user_id, view_id)


def revoke_through_view(caller: Caller, bank_id: str, account_id: str, source_view_id: str, user_id: str,
                        view_id: str) -> None:
    """v5.1.0 revokeUserAccessToViewById (OBP-20086 / OBP-20087)."""
    _through_view(_REVOKE, caller, bank_id, account_id, source_view_id, user_id, view_id)
