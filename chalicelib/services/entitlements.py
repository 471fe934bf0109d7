"""Entitlements: granting, listing and removing roles (OBP addEntitlement and friends)."""
from __future__ import annotations

import uuid

from chalicelib import roles as role_catalogue
from chalicelib.errors import ApiError, message_text
from chalicelib.services.access import Caller, Grant, require_any_role
from chalicelib.store import banks as bank_store
from chalicelib.store import users as user_store


def _grant(record) -> Grant:
    return Grant(record.role_name, record.bank_id, record.entitlement_id)


def add_entitlement(caller: Caller, user_id: str, bank_id: str, role_name: str) -> Grant:
    """POST /users/USER_ID/entitlements, with OBP's checks in OBP's order."""
    if user_store.get_user(user_id) is None:
        raise ApiError("OBP-20005", f"Current USER_ID({user_id})", status=404)
    if not role_catalogue.exists(role_name):
        raise ApiError(
            "OBP-10007",
            f"{role_name}. Possible roles are {', '.join(sorted(role_catalogue.catalogue()))}",
            status=400,
        )
    if role_catalogue.requires_bank_id(role_name) != bool(bank_id):
        raise ApiError("OBP-30205" if role_catalogue.requires_bank_id(role_name) else "OBP-30206", status=400)
    allowed = ["CanCreateEntitlementAtOneBank", "CanCreateEntitlementAtAnyBank"]
    if not caller.is_super_admin and not caller.has_any_role(allowed, bank_id):
        # OBP's own composite text for this check (not super admin, or one of two roles).
        missing = message_text("OBP-20006")
        text = (
            f"{message_text('OBP-20050')} or{missing}CanCreateEntitlementAtOneBank BankId({bank_id})."
            f" or{missing}CanCreateEntitlementAtAnyBank"
        )
        raise ApiError("OBP-20006", text=text)
    if bank_id and bank_store.get_bank(bank_id) is None:
        raise ApiError("OBP-30001", f"Current BankId is {bank_id}", status=400)
    record = user_store.new_entitlement(str(uuid.uuid4()), user_id, bank_id, role_name)
    user_store.add_entitlement(record)
    return _grant(record)


def my_entitlements(caller: Caller) -> list[Grant]:
    return list(caller.grants)


def user_entitlements(caller: Caller, user_id: str) -> list[Grant]:
    """GET /users/USER_ID/entitlements (CanGetEntitlementsForAnyUserAtAnyBank)."""
    require_any_role(caller, ["CanGetEntitlementsForAnyUserAtAnyBank"], mode="single")
    return [_grant(e) for e in user_store.list_entitlements(user_id)]


def delete_entitlement(caller: Caller, user_id: str, entitlement_id: str) -> None:
    """DELETE /users/USER_ID/entitlement/ENTITLEMENT_ID (CanDeleteEntitlementAtAnyBank)."""
    require_any_role(caller, ["CanDeleteEntitlementAtAnyBank"], mode="single")
    match = next((e for e in user_store.list_entitlements(user_id) if e.entitlement_id == entitlement_id), None)
    if match is None:
        raise ApiError("OBP-30212", status=404)
    user_store.delete_entitlement(match)
