"""Entitlements: grant a role, list mine or a user's, delete one."""
from chalicelib.api.routing import Reply, Request, endpoint
from chalicelib.schemas.users import CreateEntitlementJSON, entitlement_json, entitlements_json
from chalicelib.services import entitlements


@endpoint("POST", "/users/{user_id}/entitlements", since="2.0.0", status=201,
          roles=("CanCreateEntitlementAtOneBank", "CanCreateEntitlementAtAnyBank"), body=CreateEntitlementJSON,
          response="EntitlementJSON", tags=("Role", "Entitlement", "User"),
          errors=("OBP-20001", "OBP-20005", "OBP-20050", "OBP-10001", "OBP-10007", "OBP-30205", "OBP-30206",
              "OBP-30216", "OBP-50000", "OBP-20006"))
def add_entitlement(req: Request, user_id: str):
    """Add Entitlement for a User"""
    caller = req.user()
    body = req.body(CreateEntitlementJSON)
    return entitlement_json(entitlements.add_entitlement(caller, user_id, body.bank_id, body.role_name))


@endpoint("GET", "/my/entitlements", since="3.0.0",
          operation="getEntitlementsForCurrentUser", response="EntitlementJSONs",
          tags=("Role", "Entitlement", "User"), errors=("OBP-20001",))
def my_entitlements(req: Request):
    """Get Entitlements for the current User"""
    return entitlements_json(entitlements.my_entitlements(req.user()))


@endpoint("GET", "/users/{user_id}/entitlements", since="2.0.0",
          operation="getEntitlements", roles=("CanGetEntitlementsForAnyUserAtAnyBank",),
          response="EntitlementJSONs", tags=("Role", "Entitlement", "User"), errors=("OBP-20001",))
def user_entitlements_v200(req: Request, user_id: str):
    """Get Entitlements for User"""
    return entitlements_json(entitlements.user_entitlements(req.user(), user_id))


@endpoint("GET", "/users/{user_id}/entitlements", since="4.0.0",
          operation="getEntitlements", roles=("CanGetEntitlementsForAnyUserAtAnyBank",),
          response="EntitlementsJsonV400", tags=("Role", "Entitlement", "User"), errors=("OBP-20001",))
def user_entitlements(req: Request, user_id: str):
    """Get Entitlements for User"""
    return entitlements_json(entitlements.user_entitlements(req.user(), user_id), with_user_id=user_id)


@endpoint("DELETE", "/users/{user_id}/entitlement/{entitlement_id}", since="2.0.0", status=204,
          roles=("CanDeleteEntitlementAtAnyBank",), tags=("Role", "User", "Entitlement"), errors=("OBP-20001",))
def delete_entitlement(req: Request, user_id: str, entitlement_id: str):
    """Delete Entitlement"""
    entitlements.delete_entitlement(req.user(), user_id, entitlement_id)
    return Reply(None, 204)
