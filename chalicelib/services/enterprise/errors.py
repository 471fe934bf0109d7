"""The Enterprise API's one error shape, for every /v1 endpoint including the token endpoint.

    {"error": "<code>", "error_description": "<text>"}                       every error
    {"error": "invalid_request", "error_description": "Invalid request: email: ...",
     "fields": [{"field": "email", "reason": "..."}]}                          a bad body or query

`error` is a stable machine code; RFC 6749 §5.2 fixes both names, so the token endpoint's errors
(invalid_request, invalid_client, invalid_grant, unsupported_grant_type) are in the same shape as
the rest. Codes: invalid_request 400, invalid_client 401 (400 invalid_grant for the JWT-bearer
grant), unsupported_grant_type 400, invalid_token 401, forbidden 403, not_found 404 ("Resource not
found"), conflict 409, idempotency_key_reused 422, server_error 500.

`EnterpriseError` is an ApiError, so the routing layer hands it to this API's error renderer.
"""
from __future__ import annotations

from chalicelib.errors import ApiError

NOT_FOUND_TEXT = "Resource not found"
INVALID_REQUEST_TEXT = "Invalid request"


class EnterpriseError(ApiError):
    def __init__(self, status: int, error: str, description: str, *, fields: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(error, text=description, status=status)
        self.fields = fields or []
        self.headers = headers or {}

    def body(self) -> dict:
        out = {"error": self.code, "error_description": self.message}
        if self.fields:
            out["fields"] = self.fields
        return out


def not_found() -> EnterpriseError:
    return EnterpriseError(404, "not_found", NOT_FOUND_TEXT)


def invalid_request(*problems: tuple[str, str]) -> EnterpriseError:
    """400 naming each (field, reason); the description repeats them for humans."""
    text = "; ".join(f"{field}: {reason}" for field, reason in problems)
    return EnterpriseError(400, "invalid_request", f"{INVALID_REQUEST_TEXT}: {text}" if text else INVALID_REQUEST_TEXT,
                           fields=[{"field": field, "reason": reason} for field, reason in problems])


def invalid_token(reason: str) -> EnterpriseError:
    """401 for a /v1 call without a valid access token (RFC 6750 §3.1)."""
    return EnterpriseError(401, "invalid_token", reason,
                           headers={"WWW-Authenticate": 'Bearer realm="enterprise", error="invalid_token"'})


def forbidden(reason: str) -> EnterpriseError:
    return EnterpriseError(403, "forbidden", reason)


def conflict(reason: str) -> EnterpriseError:
    return EnterpriseError(409, "conflict", reason)
