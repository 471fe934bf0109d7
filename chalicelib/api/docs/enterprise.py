"""The /v1 Enterprise API as an OpenAPI 3.1 document (`GET /v1/openapi.json`), from the route
table: every unversioned endpoint under /v1, its models as JSON Schema 2020-12, its error shape."""
from __future__ import annotations

import functools
import re

from chalicelib.api import routing
from chalicelib.api.docs import schemas
from chalicelib.settings import get_settings

PREFIX = "/v1"
_VARIABLE = re.compile(r"\{([A-Za-z0-9_]+)\}")

# The one error shape of /v1 (services/enterprise/errors.py).
_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {
        "error": {"type": "string", "examples": ["invalid_request"],
                  "description": "invalid_request, invalid_client, invalid_grant, unsupported_grant_type, "
                                 "invalid_token, unauthorized, forbidden, not_found, conflict, "
                                 "idempotency_key_reused, server_error"},
        "error_description": {"type": "string", "examples": ["Invalid request: email: must be an email address"]},
        "fields": {"type": "array", "items": {
            "type": "object", "required": ["field", "reason"],
            "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
        }},
    },
}
_ERROR_STATUSES = {
    "400": "The body, query or a header is not valid (`fields` says which and why)",
    "401": "No valid credentials",
    "404": "Resource not found, or it belongs to another partner",
    "500": "Internal server error",
}


def endpoints() -> list[routing.Endpoint]:
    return [e for route, e in routing.endpoints_at(None) if route == PREFIX or route.startswith(PREFIX + "/")]


def _security(e: routing.Endpoint) -> list[dict]:
    if e.path.startswith(PREFIX + "/oauth/"):
        return [{}]
    if e.path.startswith((PREFIX + "/partners", PREFIX + "/provider-accounts")):
        return [{"directLogin": []}]
    if e.path.endswith("/fee-schedule"):  # set by an OBP super admin; read by the partner too
        return [{"bearer": []}, {"directLogin": []}] if e.method == "GET" else [{"directLogin": []}]
    if e.path == PREFIX + "/openapi.json" or e.path.startswith(PREFIX + "/docs"):
        return [{}]
    return [{"bearer": []}]


def _operation(e: routing.Endpoint, keyed: dict) -> dict:
    operation = {
        "tags": list(e.tags) or [e.handler.__module__.rsplit(".", 1)[-1].replace("_", " ").title()],
        "summary": e.summary,
        "description": e.description,
        "operationId": e.operation_name,
        "parameters": [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _VARIABLE.findall(e.path)
        ] + [
            {"name": name, "in": "query", "required": False, "schema": {"type": kind}, "description": meaning}
            for name, kind, meaning in e.query
        ],
        "security": _security(e),
    }
    if e.body is not None:
        content = {"application/json": {"schema": keyed[(e.body, "validation")]}}
        if e.form:
            content["application/x-www-form-urlencoded"] = {"schema": keyed[(e.body, "validation")]}
        operation["requestBody"] = {"required": True, "content": content}
    success: dict = {"description": "Success"}
    if e.response_model is not None:
        success["content"] = {"application/json": {"schema": keyed[(e.response_model, "serialization")]}}
    elif e.produces != "application/json":
        success["content"] = {e.produces: {"schema": {"type": "string"}}}
    responses = {str(e.status): success}
    errors = dict(_ERROR_STATUSES)
    if {"directLogin": []} in _security(e):
        errors["403"] = "The DirectLogin user is not an OBP super admin"
    if e.method == "POST" and not e.path.startswith(PREFIX + "/oauth/"):
        errors["409"] = ("Conflict: another request with this Idempotency-Key (or payment reference) differs or is "
                         "still in progress")
    for status, text in sorted(errors.items()):
        responses[status] = {"description": text,
                             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    operation["responses"] = responses
    return operation


@functools.lru_cache(maxsize=1)
def openapi() -> dict:
    settings = get_settings()
    found = endpoints()
    pairs = [(e.body, "validation") for e in found if e.body is not None]
    pairs += [(e.response_model, "serialization") for e in found if e.response_model is not None]
    keyed, definitions = schemas.collect(pairs, "#/components/schemas/{model}")
    paths: dict[str, dict] = {}
    for e in found:
        paths.setdefault(e.path, {})[e.method.lower()] = _operation(e, keyed)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Enterprise API",
            "version": "1",
            "description": "Profiles, their customers, payments, refunds, recurring payment methods, "
                           "settlements and webhooks for partners, who "
                           "authenticate with a client assertion signed by their own private key (RFC 7523) and "
                           "call with the access token it buys; the provider's own accounts for OBP super "
                           "admins. Amounts are integer minor units of their currency. A payer pays on the "
                           "hosted payment page a payment's `next.redirect` names: HTML forms for people, not "
                           "part of this API.",
        },
        "servers": [{"url": settings.hostname}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {**dict(sorted(definitions.items())), "Error": _ERROR},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An access token from POST /v1/oauth/token"},
                "directLogin": {"type": "apiKey", "in": "header", "name": "DirectLogin",
                                "description": "An OBP super admin's DirectLogin token (partner management)"},
            },
        },
    }
