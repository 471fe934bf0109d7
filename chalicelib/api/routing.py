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

Declarative metadata (every argument optional; see DESIGN.md, "Routes"): `operation=` OBP's
function name, `roles=`, `body=` / `response=` pydantic models, `tags=`, `errors=` OBP codes,
`query=` the query parameters read, `produces=` the media type of a success that is not JSON (a
page, a file: it has no response model); the summary is the first line of the handler's
docstring, the description the rest. The resource docs,
Swagger and OpenAPI documents (chalicelib/api/docs/) are built from it, and at auto-validated
endpoints (4.0.0 and later) it drives OBP's checks before the body is read: authentication,
the ids of a POST body, the bank, the roles, the account and the view (`check_before_body`).

`install(app)` gives Chalice (and so API Gateway) only one generic route per path depth; this
module matches the path and method itself, so an unknown path, method or version is OBP-10404
(never API Gateway's or Chalice's own 403/405) and the deployed API stays a few resources big.

Route modules are imported on first use: before matching a path, routing imports the modules
`areas.ROUTE_MODULES` names for it (see areas.py), so a cold start pays for one area only. The
route table holds what is loaded so far; `load_all()` loads every module (whatever lists all
routes calls it first: resource docs, tests).
"""
from __future__ import annotations

import functools
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
from chalicelib.services.access import Caller, require_any_role

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
class Text:
    """A response body that is not JSON (a web page, a stylesheet, a documentation file), sent as
    given with its own Content-Type and without the API's CORS headers."""

    text: str
    content_type: str = "text/html; charset=utf-8"


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
    # --- declarative metadata: documentation, and OBP's checks before the body ---------------
    operation: str = ""  # OBP's function name ("createCustomer"); default: the handler's name in camelCase
    roles: tuple[str, ...] = ()  # OBP's roles, any one of which opens the endpoint
    check_roles: bool = True  # False: shown in the docs, but the service decides (a role OR the caller's own record)
    body: type | None = None  # the request body's pydantic model
    response: type | str | None = None  # the success response's model, or its name (see response_model)
    tags: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # OBP codes the endpoint may answer, in OBP's order
    query: tuple[tuple[str, str, str], ...] = ()  # (name, JSON type, meaning) of each query parameter it reads
    produces: str = "application/json"  # the success body's media type: a page or a file has no response model

    def serves(self, version: str) -> bool:
        if self.since is None:
            return True
        v = version_key(version)
        return version_key(self.since) <= v and (self.until is None or v < version_key(self.until))

    @property
    def auto_validated(self) -> bool:
        """OBP validates request ids automatically in endpoints implemented in v4.0.0 and later."""
        return self.since is not None and version_key(self.since) >= version_key("4.0.0")

    @property
    def operation_name(self) -> str:
        if self.operation:
            return self.operation
        words = re.sub(r"_v\d+$", "", self.handler.__name__).split("_")
        return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])

    @property
    def summary(self) -> str:
        doc = (self.handler.__doc__ or "").strip()
        if doc:
            return doc.splitlines()[0].strip().rstrip(".")
        return re.sub(r"(?<!^)(?=[A-Z])", " ", self.operation_name).title()

    @property
    def description(self) -> str:
        import inspect

        doc = inspect.cleandoc(self.handler.__doc__ or "")
        rest = doc.split("\n", 1)[1].strip() if "\n" in doc else ""
        return rest or self.summary + "."

    @property
    def response_model(self) -> type | None:
        """The response model. Endpoints name it ("CustomerJsonV310": chalicelib/schemas/responses.py,
        "package.module:Name" elsewhere) so that it is imported only when documents are built."""
        return _model(self.response) if isinstance(self.response, str) else self.response

    @property
    def needs_user(self) -> bool:
        """OBP's rule: roles, or OBP-20001 among the errors, make authentication mandatory."""
        return bool(self.roles) or "OBP-20001" in self.errors

    @property
    def error_codes(self) -> tuple[str, ...]:
        """The declared codes plus what the routing itself may answer, as OBP's ResourceDoc adds them."""
        codes = [c for c in dict.fromkeys(self.errors) if c != "OBP-50000"]
        if self.needs_user and "OBP-20001" not in codes:
            codes.insert(0, "OBP-20001")
        if self.roles and "OBP-20006" not in codes:
            codes.append("OBP-20006")
        if "{bank_id}" in self.path and "OBP-30001" not in codes:
            codes.append("OBP-30001")
        return (*codes, "OBP-50000")  # OBP lists UnknownError last


@functools.lru_cache(maxsize=None)
def _model(name: str) -> type:
    import importlib

    module, _, attribute = name.rpartition(":")
    return getattr(importlib.import_module(module or "chalicelib.schemas.responses"), attribute)


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
        self.prefetched_account = False  # the routing read the account before the endpoint ran

    # --- version --------------------------------------------------------------------------
    def at_least(self, version: str) -> bool:
        return self.version is None or version_key(self.version) >= version_key(version)

    # --- who is calling -------------------------------------------------------------------
    def authenticate(self, *, alongside: Callable[[], Any] | None = None,
                     by_user: Callable[[str], Any] | None = None, own: bool = False) -> tuple[Any, Any]:
        """Resolve the caller (once) with the request's independent reads sent alongside
        (auth.resolve_with; a credential's failure is raised first). Returns what `alongside()`
        and `by_user(user_id)` returned, or the exception either raised: the caller raises them
        in its own order (`raise_failed`)."""
        if self._resolved:
            outcome = _outcome(alongside) if alongside is not None else None
            caller = self._caller
            wanted = by_user is not None and caller is not None and caller.user is not None
            records = _outcome(lambda: by_user(caller.user_id)) if wanted and not (own and caller.consent is not None) else None
            return outcome, records
        self._caller, outcome, records = auth.resolve_with(self.headers, alongside=alongside, by_user=by_user, own=own)
        self._resolved = True
        self._check_consent()
        return outcome, records

    def _check_consent(self) -> None:
        if self._caller is not None and self._caller.consent is not None and not self.endpoint.under_consent:
            raise ApiError("OBP-20001", "A consent does not open this endpoint: it needs the user's own login.")

    def optional_caller(self) -> Caller | None:
        if not self._resolved:
            self.authenticate()
        self._check_consent()
        return self._caller

    def user(self) -> Caller:
        """The authenticated user, or 401 OBP-20001."""
        caller = self.optional_caller()
        if caller is None or caller.user is None:
            raise ApiError("OBP-20001")
        return caller

    def user_and(self, own_records: Callable[[str], Any]) -> tuple[Caller, Any]:
        """The authenticated user (as `user()`) and `own_records(user_id)`, read in the same round
        trip when the credential names its user; None under a consent (it opens only its views)."""
        _, own = self.authenticate(by_user=own_records, own=True)
        caller = self.user()
        return caller, raise_failed(own)

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

    def json_or_none(self) -> Any:
        """The JSON body, or None when it is not JSON (the endpoint's own body check says so)."""
        try:
            return self.json()
        except ApiError:
            return None

    def body(self, model: type[BaseModel]):
        """Validate the body against the pydantic model of the OBP JSON; 400 OBP-10001 otherwise."""
        data = self.json()
        if self.method == "POST" and self.endpoint.auto_validated:
            _check_ids(data)
        try:
            return model.model_validate(data)
        except ValidationError as err:
            raise invalid_json(_obp_class_name(model), _describe(err)) from err


def _outcome(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except Exception as error:  # noqa: BLE001 - handed back, as auth.resolve_with does
        return error


def raise_failed(outcome: Any) -> Any:
    """`outcome` (of Request.authenticate's reads), or the exception it is raised."""
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


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


# A hosted payment page's link is its credential: /checkout/<payment id>/<secret>[/form].
_LINK_SECRET = re.compile(r"^(/checkout/(?!assets/)[^/]+/)[^/]+")


def loggable_path(path: str) -> str:
    """The path as logs may show it: a payment page's secret replaced."""
    return _LINK_SECRET.sub(r"\1<secret>", path or "")


def obp_error_reply(error: ApiError) -> Reply:
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = 'DirectLogin realm="OBP"'
    return Reply(error.body(), error.status, headers)


def _response(reply: Reply):
    from chalice import Response

    if isinstance(reply.body, Text):
        headers = {"Content-Type": reply.body.content_type, **reply.headers}
        return Response(body=reply.body.text, status_code=reply.status or 200, headers=headers)
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
             error_renderer: Callable[[ApiError], Reply] | None = None, form: bool = False, under_consent: bool = True,
             operation: str = "", roles=(), check_roles: bool = True, body: type | None = None,
             response: type | str | None = None, tags=(), errors=(), query=(), produces: str = "application/json"):
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
            _TABLE.setdefault((route, method), []).append(Endpoint(
                method, path, handler, since, until, status, error_renderer, form, under_consent,
                operation=operation, roles=tuple(roles), check_roles=check_roles, body=body, response=response,
                tags=tuple(tags), errors=tuple(errors), query=tuple(query), produces=produces,
            ))
            _BY_LENGTH.clear()
        return handler

    return register


def _choose(route: str, method: str, version: str | None) -> Endpoint | None:
    candidates = [e for e in _TABLE.get((route, method), ()) if version is None or e.serves(version)]
    if not candidates:
        return None
    return max(candidates, key=lambda e: version_key(e.since) if e.since else ())


def endpoints_at(version: str | None) -> list[tuple[str, Endpoint]]:
    """(route, endpoint) for every path and method a request under `version` reaches, with the
    implementation it gets; version None: the unversioned endpoints (DirectLogin, /v1, pages)."""
    load_all()
    found = []
    for (route, method) in sorted(_TABLE):
        if (version is None) != (not route.startswith("/obp/{version}")):
            continue
        chosen = _choose(route, method, version)
        if chosen is not None:
            found.append((route, chosen))
    return found


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
        content_type = req.headers.get("content-type")
        if method in ("POST", "PUT", "PATCH") and not (_is_json(content_type) or (chosen.form and is_form_encoded(content_type))):
            raise not_found_uri()  # OBP matches no route for a body that is not JSON
        check_before_body(req, chosen, params)
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
        logger.exception("unhandled error request_id=%s %s %s", req.request_id, method, loggable_path(req.path))
        return _response((chosen.error_renderer or obp_error_reply)(ApiError("OBP-50000", status=500)))
    finally:
        if req.prefetched_account:
            from chalicelib.services import accounts

            accounts.forget_prefetched()


def check_before_body(req: Request, chosen: Endpoint, params: dict[str, str]) -> None:
    """OBP's checks before an endpoint runs. Auto-validated endpoints (4.0.0 and later) follow
    OBP's wrapper (reference §1.1) from their declared metadata: authentication (roles or OBP-20001
    declared), the ids of a POST body, the bank, the roles (any one, OBP's wording), then the
    account (OBP-30018 declared) and the view (OBP-20017 declared) — all before the body is read.
    Every other endpoint: the caller's credentials when it sends some, then the bank; the rest is
    the endpoint's own order.

    The checks fail in that order, but their reads go out at once: the bank of the path, and the
    account of the path with the caller's access to it, are read in the same round trip as the
    credential (when it names its user up front; else the account right after)."""
    bank_id = params.get("bank_id")
    bank_read = (lambda: banks.require_bank(bank_id)) if bank_id is not None else None
    if not chosen.auto_validated:
        if bank_id is not None:
            bank, _ = req.authenticate(alongside=bank_read)
            raise_failed(bank)
        return
    account_id, view_id = params.get("account_id"), params.get("view_id")
    check_view = view_id is not None and "OBP-20017" in chosen.errors
    account_read = None
    if account_id is not None and bank_id is not None and (check_view or "OBP-30018" in chosen.errors):
        from chalicelib.services import accounts

        account_read = accounts.early_account_read(bank_id, account_id, view_id)
    bank, records = req.authenticate(alongside=bank_read, by_user=account_read)
    caller = req.user() if chosen.needs_user else req.optional_caller()
    if req.method == "POST":
        parsed = req.json_or_none()
        if parsed is not None:
            _check_ids(parsed)
    raise_failed(bank)
    if chosen.roles and chosen.check_roles:
        require_any_role(caller, list(chosen.roles), bank_id or "")
    if account_id is not None and bank_id is not None and caller is not None and caller.user is not None:
        if check_view or "OBP-30018" in chosen.errors:
            from chalicelib.services import accounts

            req.prefetched_account = True
            accounts.prefetch_account(caller, bank_id, account_id, view_id, check_view=check_view,
                                      records=raise_failed(records))


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
