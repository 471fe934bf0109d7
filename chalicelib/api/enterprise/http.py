"""What every /v1 route shares: the declaration, the error renderer, who is calling, the body,
paging parameters and Idempotency-Key handling. Routes stay a few lines each."""
from __future__ import annotations

from typing import Any, Callable
from urllib.parse import parse_qs

from pydantic import BaseModel, ValidationError

from chalicelib.api.routing import Reply, Request, endpoint, is_form_encoded
from chalicelib.errors import ApiError
from chalicelib.services import idempotency
from chalicelib.services.access import Caller
from chalicelib.services.enterprise import oauth
from chalicelib.services.enterprise.errors import (
    NOT_FOUND_TEXT, EnterpriseError, conflict, invalid_request,
)

_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
          422: "unprocessable", 429: "too_many_requests"}


def v1(method: str, path: str, *, status: int = 200, form: bool = False, **metadata):
    """Declare an Enterprise API route (unversioned, this API's error shape); `metadata` as
    routing.endpoint's (operation, body, response, tags...)."""
    return endpoint(method, path, since=None, status=status, error_renderer=render_error, form=form, **metadata)


def render_error(error: ApiError) -> Reply:
    """Every /v1 error in the one shape of services/enterprise/errors.py, including errors raised
    by shared code (routing's unknown path or method, DirectLogin on the admin routes, a 500)."""
    if isinstance(error, EnterpriseError):
        return Reply(error.body(), error.status, dict(error.headers))
    status = error.status
    if status >= 500:
        return Reply({"error": "server_error", "error_description": "Internal server error"}, status)
    text = NOT_FOUND_TEXT if status == 404 else error.message
    headers = {"WWW-Authenticate": 'DirectLogin realm="OBP"'} if status == 401 else {}
    return Reply({"error": _CODES.get(status, "invalid_request"), "error_description": text}, status, headers)


# --- who is calling ------------------------------------------------------------------------------

def bearer(req: Request) -> str | None:
    scheme, _, value = (req.headers.get("authorization") or "").strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def partner(req: Request) -> oauth.Partner:
    """The partner of the call's access token (never a DirectLogin user: 401)."""
    return oauth.authenticate(bearer(req))


def admin(req: Request) -> Caller:
    """An OBP user logged in with DirectLogin (the services require a super admin)."""
    return req.user()


# --- input ---------------------------------------------------------------------------------------

def json_body(req: Request) -> dict:
    try:
        data = req.json()
    except ApiError:
        raise invalid_request(("body", "is not valid JSON")) from None
    if not isinstance(data, dict):
        raise invalid_request(("body", "must be a JSON object"))
    return data


def body(req: Request, model: type[BaseModel]):
    data = json_body(req)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise invalid_request(*[_problem(e) for e in err.errors()]) from None


def _problem(error: dict) -> tuple[str, str]:
    field = ".".join(str(p) for p in error.get("loc", ())) or "body"
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing" or (kind == "string_type" and error.get("input") is None):
        return field, "is required"
    reason = {
        "extra_forbidden": "is not a known field",
        "string_type": "must be a string",
        "int_type": "must be a whole number",
        "list_type": "must be a list",
        "model_type": "must be an object",
        "dict_type": "must be an object",
        "string_too_long": f"must be at most {ctx.get('max_length')} characters",
        "too_short": f"must have at least {ctx.get('min_length')} item(s)",
        "too_long": f"must have at most {ctx.get('max_length')} items",
        "greater_than_equal": f"must be at least {ctx.get('ge')}",
        "less_than_equal": f"must be at most {ctx.get('le')}",
    }.get(kind)
    if reason is None:
        reason = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return field, reason


def form(req: Request) -> dict[str, str]:
    """An OAuth request's parameters: form-encoded (RFC 6749) or a JSON object. A parameter sent
    twice is invalid (RFC 6749 §3.2)."""
    if is_form_encoded(req.headers.get("content-type")):
        try:
            parsed = parse_qs(req.raw_body.decode(), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise oauth.oauth_error(400, "invalid_request", "the form is not UTF-8") from None
        repeated = sorted(k for k, v in parsed.items() if len(v) > 1)
        if repeated:
            raise oauth.oauth_error(400, "invalid_request", f"{repeated[0]} is sent more than once")
        return {k: v[0] for k, v in parsed.items()}
    try:
        data = json_body(req)
    except EnterpriseError:
        raise oauth.oauth_error(400, "invalid_request", "send the parameters form-encoded (or as a JSON object)") from None
    if not all(isinstance(v, str) for v in data.values()):
        raise oauth.oauth_error(400, "invalid_request", "every parameter must be a string")
    return data


PAGING = (("page", "integer", "The page, from 0"), ("size", "integer", "Items a page, 1 to 100 (default 20)"))


def paging(req: Request) -> tuple[int, int]:
    """`page` (from 0) and `size` (default 20) from the query."""
    problems, values = [], {}
    for name, default in (("page", 0), ("size", 20)):
        raw = req.query.get(name)
        try:
            values[name] = default if raw is None else int(raw)
        except ValueError:
            problems.append((name, "must be a whole number"))
    if problems:
        raise invalid_request(*problems)
    return values["page"], values["size"]


# --- Idempotency-Key -----------------------------------------------------------------------------

def idempotent(req: Request, who: oauth.Partner, operation: str, render: Callable[[Any], Any], status: int,
               run: Callable[[Callable | None], Any]) -> Reply:
    """Run a POST at most once per (partner, Idempotency-Key): `run(also)` performs it, passing
    `also` to the service so the stored response commits with the write."""
    key = req.headers.get("idempotency-key")
    if key is None:
        return Reply(render(run(None)), status)
    if not idempotency.valid_key(key):
        raise invalid_request(("Idempotency-Key", f"must be 1 to {idempotency.MAX_KEY_LENGTH} printable ASCII characters"))
    try:
        claim = idempotency.begin(who.client_id, key, idempotency.fingerprint(operation, json_body(req)), status, render)
    except idempotency.KeyReused:
        raise EnterpriseError(422, "idempotency_key_reused",
                              "This Idempotency-Key was used with a different request") from None
    except idempotency.InFlight:
        raise conflict("A request with this Idempotency-Key is still in progress") from None
    if isinstance(claim, idempotency.Replay):
        return Reply(claim.body, claim.status, {"Idempotent-Replayed": "true"})
    try:
        result = run(claim.stage)
    except BaseException:
        idempotency.release(claim)
        raise
    idempotency.finish(claim, result)
    return Reply(render(result), status)
