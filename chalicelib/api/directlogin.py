"""POST /my/logins/direct — DirectLogin (unversioned, and under every version prefix as newer OBP)."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.services import directlogin


@endpoint("POST", "/my/logins/direct", since=None, status=201, response="DirectLoginToken", tags=("User",))
@endpoint("POST", "/my/logins/direct", since="1.4.0", status=201,
          response="DirectLoginToken", tags=("User",), errors=())
def direct_login(req: Request):
    """Direct Login"""
    token = directlogin.login(req.headers.get("directlogin"), req.headers.get("authorization"))
    return {"token": token}
