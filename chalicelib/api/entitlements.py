"""Entitlements: grant a role, list mine or a user's, delete one."""
from chalicelib.api.routing import Reply, Request, endpoint
from chalicelib.schemas.users import CreateEntitlementJSON, entitlement_json, entitlements_json
from chalicelib.services import entitlements


@endpoint("POST", "/users/{user_id}/entitlements", since="2.0.0", status=201)
def add_entitlement(req: Request, user_id: str):
    caller = req.user()
    body = req.body(CreateEntitlementJSON)
    return entitlement_json(entitlements.add_entitlement(caller, user_id, body.bank_id, body.role_name))


@endpoint("GET", "/my/entitlements", since="3.0.0")
def my_entitlements(req: Request):
    return entitlements_json(entitlements.my_entitlements(req.user()))


@endpoint("GET", "/users/{user_id}/entitlements", since="2.0.0")
def user_entitlements_v200(req: Request, user_id: str):
    return entitlements_json(entitlements.user_entitlements(req.user(), user_id))


@endpoint("GET", "/users/{user_id}/entitlements", since="4.0.0")
def user_entitlements(req: Request, user_id: str):
    return entitlements_json(entitlements.user_entitlements(req.user(), user_id), with_user_id=user_id)


@endpoint("DELETE", "/users/{user_id}/entitlement/{entitlement_id}", since="2.0.0", status=204)
def delete_entitlement(req: Request, user_id: str, entitlement_id: str):
    entitlements.delete_entitlement(req.user(), user_id, entitlement_id)
    return Reply(None, 204)
