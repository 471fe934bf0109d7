"""POST /v1/oauth/token: an access token for a signed client assertion (RFC 6749 / RFC 7523)."""
from chalicelib.api.enterprise.http import bearer, form, v1
from chalicelib.api.routing import Reply, Request
from chalicelib.schemas.enterprise import TokenRequest
from chalicelib.services.enterprise import oauth


@v1("POST", "/v1/oauth/token", form=True, body=TokenRequest, response="AccessToken", tags=("Authentication",))
def token(req: Request):
    """Get an access token

    For a client assertion signed with the partner's private key (RFC 7523): form-encoded or JSON."""
    issued = oauth.issue_token(form(req), bearer(req))
    return Reply({"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in},
                 200, oauth.no_store_headers())
