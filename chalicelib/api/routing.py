"""OBP routing on Chalice: versioned paths, OBP error bodies, CORS, JSON in and out.

An API module declares endpoints with the OBP path and the version that introduced them:

    @endpoint("POST", "/banks/{bank_id}/customers", since="3.1.0", status=201)
    def create_customer(req: Request, bank_id: str):
        caller = req.user()
        body = req.body(PostCustomerJsonV310)
        return render(customers.create_customer(caller, bank_id, body))

It is served at `/obp/vX.Y.Z/banks/{bank_id}/customers` for 3.1.0 and every later supported
version; when several implementations share a path and method, a request gets the newest one
not newer than the version in its URL (OBP's rule). `until="5.1.0"` stops an implementation from
being served at 5.1.0 and later (OBP's explicit exclusions).

`install(app)` gives Chalice (and so API Gateway) only one generic route per path depth; this
module matches the path and method itself, so an unknown path, method or version is OBP-10404
(never API Gateway's or Chalice's own 403/405) and the deployed API stays a few resources big.

Route modules are imported on first use: before matching a path, routing imports the modules
`areas.ROUTE_MODULES` names for it (see areas.py), so a cold start pays for one area only. The
route table holds what is loaded so far; `load_all()` loads every module (whatever lists all
routes calls it first: resource docs, tests).
"""
from __future__ import annotations

import gc
import importlib
import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from chalicelib import auth
from chalicelib.api import areas
from chalicelib.errors import ApiError, invalid_json, not_found_uri
from chalicelib.services import banks
from chalicelib.services.access import Caller

logger = logging.getLogger(__name__)

VERSIONS = ("1.2.1", "1.3.0", "1.4.0", "2.0.0", "2.1.0", "2.2.0", "3.0.0", "3.1.0", "4.0.0", "5.0.0", "5.1.0")
_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
_MAX_DEPTH = 16

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS, PUT, PATCH, DELETE",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Allow-Credentials": "true",
}
_JSON_HEADERS = {"Content-Type": "application/json", **CORS_HEADERS}

# Body fields OBP's auto-validation checks on POST (reference §1.1 step 2).
_ID_FIELDS = frozenset(
    "id user_id bank_id account_id customer_id branch_id atm_id transaction_id transaction_request_id card_id view_id".split()
)
_ID_VALUE = re.compile(r"^[A-Za-z0-9\-._]+$")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass
class Reply:
    """A response other than "the endpoint's status with this JSON body"."""

    body: Any = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawJson:
    """A response body already serialised: JSON text sent exactly as given (a payload kept as
    a client sent it)."""

    text: str


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # Chalice form without the version prefix, e.g. /banks/{bank_id}
    handler: Callable[..., Any]
    since: str | None  # None: an unversioned path (DirectLogin, the Enterprise API)
    until: str | None
    status: int
    error_renderer: Callable[[ApiError], Reply] | None = None
    form: bool = False  # also accepts application/x-www-form-urlencoded (OAuth token endpoints)
    # A consent opens what its views and roles allow; an endpoint reaching the user's own records
    # otherwise (their consents, accounts they open, views they grant...) says under_consent=False.
    under_consent: bool = True

    def serves(self, version: str) -> bool:
        if self.since is None:
            return True
        v = version_key(version)
        return version_key(self.since) <= v and (self.until is None or v < version_key(self.until))

    @property
    def auto_validated(self) -> bool:
        """OBP validates request ids automatically in endpoints implemented in v4.0.0 and later."""
        return self.since is not None and version_key(self.since) >= version_key("4.0.0")


class Request:
    """What a route handler gets: the version, headers, query, body and (lazily) the caller."""

    def __init__(self, chalice_request, version: str | None, endpoint: Endpoint):
        self._raw = chalice_request
        self.version = version
        self.endpoint = endpoint
        self.method = chalice_request.method
        self.headers: dict[str, str] = {k.lower(): v for k, v in (chalice_request.headers or {}).items()}
        self.query: dict[str, str] = dict(chalice_request.query_params or {})
        context = chalice_request.context or {}
        # API Gateway's request id; chalice local has none, so make one for the log line.
        self.request_id = context.get("requestId") or str(uuid.uuid4())
        self.path = context.get("path") or chalice_request.path
        self._caller: Caller | None = None
        self._resolved = False

    # --- version --------------------------------------------------------------------------
    def at_least(self, version: str) -> bool:
        return self.version is None or version_key(self.version) >= version_key(version)

    # --- who is calling -------------------------------------------------------------------
    def optional_caller(self) -> Caller | None:
        if not self._resolved:
            self._caller = auth.resolve(self.headers)
            self._resolved = True
        if self._caller is not None and self._caller.consent is not None and not self.endpoint.under_consent:
            raise ApiError("OBP-20001", "A consent does not open this endpoint: it needs the user's own login.")
        return self._caller

    def user(self) -> Caller:
        """The authenticated user, or 401 OBP-20001."""
        caller = self.optional_caller()
        if caller is None or caller.user is None:
            raise ApiError("OBP-20001")
        return caller

    # --- body -----------------------------------------------------------------------------
    @property
    def raw_body(self) -> bytes:
        return self._raw.raw_body or b""

    def json(self) -> Any:
        """The JSON body (numbers with a fraction become Decimal, never float)."""
        raw = self.raw_body
        if not raw.strip():
            return {}
        try:
            return json.loads(raw, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as err:
            raise invalid_json() from err

    def body(self, model: type[BaseModel]):
        """Validate the body against the pydantic model of the OBP JSON; 400 OBP-10001 otherwise."""
        data = self.json()
        if self.method == "POST" and self.endpoint.auto_validated:
            _check_ids(data)
        try:
            return model.model_validate(data)
        except ValidationError as err:
            raise invalid_json(_obp_class_name(model), _describe(err)) from err


def _obp_class_name(model: type[BaseModel]) -> str:
    return getattr(model, "obp_name", model.__name__)


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "body"
    return f"({where}: {first.get('msg', 'invalid')})"


def _check_ids(data: Any) -> None:
    bad: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _ID_FIELDS and isinstance(value, str) and value:
                    if len(value) > 36 or not _ID_VALUE.match(value):
                        bad.append((key, value))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    if bad:
        listed = ", ".join(f"({k},{v})" for k, v in bad)
        raise ApiError("OBP-10001", f"Here are all invalid values: List({listed})", status=400)


# --- rendering --------------------------------------------------------------------------------

def _encode(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(value: Any) -> str:
    return json.dumps(value, default=_encode, separators=(",", ":"))


def obp_error_reply(error: ApiError) -> Reply:
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'DirectLogin realm="OBP"'
    return Reply(error.body(), error.status, headers)


def _response(reply: Reply):
    from chalice import Response

    headers = {**_JSON_HEADERS, **reply.headers}
    if reply.body is None and reply.status in (204, 304):
        headers.pop("Content-Type", None)
        return Response(body="", status_code=reply.status, headers=headers)
    body = reply.body.text if isinstance(reply.body, RawJson) else to_json(reply.body)
    return Response(body=body, status_code=reply.status or 200, headers=headers)


# --- the route table --------------------------------------------------------------------------

_TABLE: dict[tuple[str, str], list[Endpoint]] = {}
# Guards the table and the match index against a module registering routes on one thread (the
# local stack serves requests on threads) while another builds the index.
_TABLE_LOCK = threading.Lock()
_BY_LENGTH: dict[int, tuple[tuple[str, tuple[str, ...]], ...]] = {}
_LOADED: set[str] = set()  # route modules fully imported (sys.modules also holds half-imported ones)


def endpoint(method: str, path: str, *, since: str | None, until: str | None = None, status: int = 200,
             error_renderer: Callable[[ApiError], Reply] | None = None, form: bool = False, under_consent: bool = True):
    """Declare a route handler `handler(req, **path_params)`; see the module docstring.

    The module must be in `areas.ROUTE_MODULES` (a test says so). An unversioned endpoint with an
    `error_renderer` under a first segment of its own (e.g. `/v1`) names it in
    `areas.PREFIX_ERROR_RENDERERS` too, for unknown paths and methods below it."""
    if since is not None and since not in VERSIONS:
        raise ValueError(f"unsupported version {since}")
    if method not in _METHODS:
        raise ValueError(f"unsupported method {method}")
    route = f"/obp/{{version}}{path}" if since is not None else path
    if len(route.strip("/").split("/")) > _MAX_DEPTH:
        raise ValueError(f"{route} is deeper than the {_MAX_DEPTH} segments install() serves")

    def register(handler):
        with _TABLE_LOCK:
            _TABLE.setdefault((route, method), []).append(
                Endpoint(method, path, handler, since, until, status, error_renderer, form, under_consent)
            )
            _BY_LENGTH.clear()
        return handler

    return register


def _choose(route: str, method: str, version: str | None) -> Endpoint | None:
    candidates = [e for e in _TABLE.get((route, method), ()) if version is None or e.serves(version)]
    if not candidates:
        return None
    return max(candidates, key=lambda e: version_key(e.since) if e.since else ())


def _parse_version(raw: str | None) -> str | None:
    if raw is None:
        return None
    version = raw[1:] if raw.startswith("v") else ""
    return version if version in VERSIONS else ""


def _match(segments: list[str], method: str) -> tuple[Endpoint | None, dict[str, str], str | None]:
    """The endpoint for a path and method, with its path parameters and the version it was called
    under. Static segments win over variables at the first place they differ (as in API Gateway);
    a path that matches a route without this method or version goes on to the next candidate."""
    _load(areas.modules_for(segments))
    for route, parts in _routes_of_length(len(segments)):
        params = {}
        for want, got in zip(parts, segments):
            if want.startswith("{"):
                params[want[1:-1]] = got
            elif want != got:
                break
        else:
            version = _parse_version(params.pop("version", None))
            if version == "":
                continue
            chosen = _choose(route, method, version)
            if chosen is not None:
                return chosen, params, version
    return None, {}, None


def _routes_of_length(length: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    routes = _BY_LENGTH.get(length)
    if routes is None:
        with _TABLE_LOCK:
            ordered = sorted({route for route, _ in _TABLE})  # "{" sorts after every static character
            routes = tuple((r, tuple(r.strip("/").split("/"))) for r in ordered if len(r.strip("/").split("/")) == length)
            _BY_LENGTH[length] = routes
    return routes


def _load(modules: list[str]) -> None:
    """Import route modules not imported yet. The collector stays off meanwhile: an area's import
    allocates thousands of objects that all live on, so collections there would only scan them."""
    missing = [m for m in modules if m not in _LOADED]
    if not missing:
        return
    collecting = gc.isenabled()
    gc.disable()
    try:
        for module in missing:
            importlib.import_module(module)  # waits while another thread is importing it
            _LOADED.add(module)
    finally:
        if collecting:
            gc.enable()


def load_all() -> None:
    """Import every route module: for whatever lists all routes."""
    _load(areas.all_modules())


def route_table() -> dict[tuple[str, str], list[Endpoint]]:
    """Every route, `(route, method) -> [Endpoint, ...]`, with every module loaded."""
    load_all()
    return _TABLE


def _unknown_path_renderer(segments: list[str]) -> Callable[[ApiError], Reply]:
    """OBP's 404, or the renderer of an API that owns the first segment (areas.PREFIX_ERROR_RENDERERS)."""
    owner = areas.PREFIX_ERROR_RENDERERS.get(segments[0] if segments else "")
    if owner is None:
        return obp_error_reply
    module, _, name = owner.partition(":")
    return getattr(importlib.import_module(module), name)


def _dispatch(app, segments: list[str]):
    request = app.current_request
    method = request.method
    if method == "OPTIONS":
        return _response(Reply(None, 204, {"Access-Control-Max-Age": "1728000"}))
    try:
        chosen, params, version = _match(segments, method)
    except Exception:  # noqa: BLE001 - a route module that fails to import: OBP's 500, never Chalice's
        logger.exception("route modules failed to load for %s /%s", method, "/".join(segments))
        return _response(obp_error_reply(ApiError("OBP-50000", status=500)))
    if chosen is None:
        return _response(_unknown_path_renderer(segments)(not_found_uri()))
    req = Request(request, version, chosen)
    banks.begin_request()
    try:
        if "bank_id" in params:
            # OBP's order: who is calling (when they say), then the bank, then the endpoint's own checks.
            req.optional_caller()
            banks.require_bank(params["bank_id"])
        content_type = req.headers.get("content-type")
        if method in ("POST", "PUT", "PATCH") and not (_is_json(content_type) or (chosen.form and is_form_encoded(content_type))):
            raise not_found_uri()
        result = chosen.handler(req, **params)
        reply = result if isinstance(result, Reply) else Reply(result)
        if reply.status is None:
            reply.status = chosen.status
        if reply.body is None and reply.status not in (204, 304):
            reply.body = {}
        return _response(reply)
    except ApiError as error:
        return _response((chosen.error_renderer or obp_error_reply)(error))
    except Exception:  # noqa: BLE001 - never a stack trace or a Chalice body to the client
        logger.exception("unhandled error request_id=%s %s %s", req.request_id, method, req.path)
        return _response((chosen.error_renderer or obp_error_reply)(ApiError("OBP-50000", status=500)))


def _is_json(content_type: str | None) -> bool:
    """A missing Content-Type is taken as JSON; an explicit other type is OBP's 404."""
    if content_type is None or not content_type.strip():
        return True
    main = content_type.split(";")[0].strip().lower()
    return main == "application/json" or main.endswith("+json")


def is_form_encoded(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def install(app) -> None:
    """Register the routes on the Chalice app: one generic route per path depth (`/{p1}`,
    `/{p1}/{p2}`, ...), each taking every method, and our own matcher behind them. API Gateway
    thus holds a handful of resources whatever the number of endpoints (its quota is 300 and each
    route adds kilobytes to the template), and every unknown path or method is OBP-10404. Needs
    no route module: `endpoint` refuses a route deeper than these."""
    for depth in range(1, _MAX_DEPTH + 1):
        names = [f"p{i}" for i in range(1, depth + 1)]
        _register(app, "".join(f"/{{{n}}}" for n in names), names)
    _register(app, "/", [])


def _register(app, route: str, names: list[str]) -> None:
    def view(**params):
        return _dispatch(app, [params[n] for n in names])

    view.__name__ = f"route_depth_{len(names)}"
    app.route(route, methods=list(_METHODS), content_types=["*/*"], name=view.__name__)(view)
