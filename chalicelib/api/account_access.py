"""Account access: grant and revoke a view (v4.0.0 body; the v5.1.0 form through a source view in
the path), and the system views. OBP 5.1.0 drops the v4.0.0 grant, but the 5.1.0 API Explorer
page of seed 002 lists it, and the seed wins on what exists: the grant stays at 5.1.0, the
v4.0.0 revoke does not."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.accounts import PostAccountAccessJsonV400, PostAccountAccessJsonV510, view_json, view_json_v500
from chalicelib.services import account_access

_ACCOUNT = "/banks/{bank_id}/accounts/{account_id}"


@endpoint("POST", _ACCOUNT + "/account-access/grant", since="4.0.0", status=201, under_consent=False,
          body=PostAccountAccessJsonV400,
          response="ViewJsonV300", tags=("Account-Access", "View-Custom", "Account", "User", "OwnerViewRequired"),
          errors=("OBP-20001", "OBP-20047", "OBP-10001", "OBP-20005", "OBP-30252", "OBP-30005", "OBP-30063",
              "OBP-50000"))
def grant_user_access_to_view(req: Request, bank_id: str, account_id: str):
    """Grant User access to View"""
    caller = req.user()
    body = req.body(PostAccountAccessJsonV400)
    return view_json(account_access.grant_through_any_view(
        caller, bank_id, account_id, body.user_id, body.view.view_id, body.view.is_system))


@endpoint("POST", _ACCOUNT + "/account-access/revoke", since="4.0.0", until="5.1.0", status=201, under_consent=False,
          body=PostAccountAccessJsonV400,
          response="RevokedJson",
          tags=("Account-Access", "View-Custom", "Account", "User", "OwnerViewRequired"), errors=("OBP-20001",))
def revoke_user_access_to_view(req: Request, bank_id: str, account_id: str):
    """Revoke User access to View"""
    caller = req.user()
    body = req.body(PostAccountAccessJsonV400)
    account_access.revoke_through_any_view(
        caller, bank_id, account_id, body.user_id, body.view.view_id, body.view.is_system)
    return {"revoked": True}


@endpoint("POST", _ACCOUNT + "/views/{view_id}/account-access/grant", since="5.1.0", status=201, under_consent=False,
          body=PostAccountAccessJsonV510, response="ViewJsonV300",
          tags=("Account-Access", "View-System", "View-Custom"),
          errors=("OBP-20001", "OBP-30001", "OBP-30018", "OBP-20017", "OBP-20084", "OBP-20085", "OBP-10001",
              "OBP-20005", "OBP-30252", "OBP-30005", "OBP-30063", "OBP-50000"))
def grant_user_access_to_view_by_id(req: Request, bank_id: str, account_id: str, view_id: str):
    """Grant User access to View"""
    caller = req.user()
    body = req.body(PostAccountAccessJsonV510)
    return view_json(account_access.grant_through_view(
        caller, bank_id, account_id, view_id, body.user_id, body.view_id))


@endpoint("POST", _ACCOUNT + "/views/{view_id}/account-access/revoke", since="5.1.0", status=201, under_consent=False,
          body=PostAccountAccessJsonV510, response="RevokedJson",
          tags=("Account-Access", "View-System", "View-Custom"),
          errors=("OBP-20001",))
def revoke_user_access_to_view_by_id(req: Request, bank_id: str, account_id: str, view_id: str):
    """Revoke User access to View"""
    caller = req.user()
    body = req.body(PostAccountAccessJsonV510)
    account_access.revoke_through_view(caller, bank_id, account_id, view_id, body.user_id, body.view_id)
    return {"revoked": True}


@endpoint("GET", "/system-views/{view_id}", since="5.0.0",
          roles=("CanGetSystemView",), response="ViewJsonV500", tags=("View-System",), errors=("OBP-20001",))
def get_system_view(req: Request, view_id: str):
    """Get System View"""
    return view_json_v500(account_access.get_system_view(req.user(), view_id))
