"""OBP's documents of one API version, from the route table: the resource docs
(`GET /obp/vX/resource-docs/vY/obp`, OBP's ResourceDocJson) and Swagger 2.0
(`GET /obp/vX/resource-docs/vY/swagger`, as OBP's SwaggerJSONFactory builds it), and the
versions list (`GET /obp/vX/api/versions`).

A version documents what a request under it reaches: every path and method, with the newest
implementation not newer than the version (OBP's rule), its operation id naming the version
that implements it (`OBPv5.0.0-createCustomer` at v5.1.0)."""
from __future__ import annotations

import functools
import html
import re
from datetime import datetime, timezone

from chalicelib import roles as role_catalogue
from chalicelib.api import routing
from chalicelib.api.docs import schemas
from chalicelib.errors import message_text, status_for
from chalicelib.settings import get_settings

_VARIABLE = re.compile(r"\{([a-z0-9_]+)\}")


def obp_path(path: str) -> str:
    """/banks/{bank_id}/customers -> /banks/BANK_ID/customers (OBP's resource-doc form)."""
    return _VARIABLE.sub(lambda m: m.group(1).upper(), path)


def swagger_path(path: str) -> str:
    """/banks/{bank_id}/customers -> /banks/{BANK_ID}/customers (OBP's Swagger form)."""
    return _VARIABLE.sub(lambda m: "{" + m.group(1).upper() + "}", path)


def parse_version(text: str) -> str | None:
    """'v5.1.0', 'OBPv5.1.0' or '5.1.0' -> '5.1.0' when we serve it."""
    version = text.removeprefix("OBP").removeprefix("v").removeprefix("V")
    return version if version in routing.VERSIONS else None


def endpoints(version: str) -> list[routing.Endpoint]:
    return [e for _, e in routing.endpoints_at(version)]


def operation_id(e: routing.Endpoint) -> str:
    return f"OBPv{e.since}-{e.operation_name}"


def tags(e: routing.Endpoint) -> list[str]:
    if e.tags:
        return list(e.tags)
    module = e.handler.__module__.rsplit(".", 1)[-1]
    return [module.replace("_", " ").title().replace(" ", "-")]


def _roles(e: routing.Endpoint) -> list[dict]:
    return [{"role": r, "requires_bank_id": role_catalogue.exists(r) and role_catalogue.requires_bank_id(r)}
            for r in e.roles]


def _authentication_note(e: routing.Endpoint) -> str:
    if e.needs_user:
        return "Authentication is Mandatory"
    if e.errors:
        return "Authentication is Optional"
    return ""


def description_markdown(e: routing.Endpoint) -> str:
    parts = [e.description]
    if e.roles:
        parts.append("Roles (any one): " + ", ".join(e.roles))
    note = _authentication_note(e)
    if note:
        parts.append(note)
    return "\n\n".join(parts)


def description_html(e: routing.Endpoint) -> str:
    paragraphs = [p.strip() for p in description_markdown(e).split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br />')}</p>" for p in paragraphs)


def _error_text(code: str) -> str:
    try:
        return message_text(code)
    except KeyError:
        return code


@functools.lru_cache(maxsize=None)
def _model_schemas(version: str) -> tuple[dict, dict]:
    """The request and response models of a version, collected once: ({(model, mode): schema},
    {definition name: schema}) with refs to `#/definitions/`."""
    pairs = []
    for e in endpoints(version):
        if e.body is not None:
            pairs.append((e.body, "validation"))
        if e.response_model is not None:
            pairs.append((e.response_model, "serialization"))
    return schemas.collect(pairs, "#/definitions/{model}")


def _schema_of(version: str, model, mode: str) -> dict | None:
    if model is None:
        return None
    keyed, _ = _model_schemas(version)
    return keyed[(model, mode)]


def _example(version: str, model, mode: str):
    schema = _schema_of(version, model, mode)
    if schema is None:
        return {}
    return schemas.example(schema, _model_schemas(version)[1])


def _typed(version: str, model, mode: str) -> dict:
    """OBP's typed_*_body: the body's JSON schema, definitions inlined."""
    schema = _schema_of(version, model, mode)
    if schema is None:
        return {"type": "object", "properties": {}}
    return _inline(schemas.to_swagger2(schema), {k: schemas.to_swagger2(v) for k, v in _model_schemas(version)[1].items()})


def _inline(schema, definitions: dict, depth: int = 0):
    if isinstance(schema, list):
        return [_inline(s, definitions, depth) for s in schema]
    if not isinstance(schema, dict) or depth > 12:
        return schema
    if "$ref" in schema:
        return _inline(definitions.get(schemas.ref_name(schema), {}), definitions, depth + 1)
    return {k: _inline(v, definitions, depth + 1) for k, v in schema.items()}


# --- resource docs ------------------------------------------------------------------------------

def resource_doc(version: str, e: routing.Endpoint) -> dict:
    return {
        "operation_id": operation_id(e),
        "implemented_by": {"version": f"OBPv{e.since}", "function": e.operation_name},
        "request_verb": e.method,
        "request_url": f"/obp/v{e.since}{obp_path(e.path)}",
        "summary": e.summary,
        "description": description_html(e),
        "description_markdown": description_markdown(e),
        "example_request_body": _example(version, e.body, "validation"),
        "success_response_body": _example(version, e.response_model, "serialization"),
        "error_response_bodies": [_error_text(code) for code in e.error_codes],
        "tags": tags(e),
        "typed_request_body": _typed(version, e.body, "validation"),
        "typed_success_response_body": _typed(version, e.response_model, "serialization"),
        "roles": _roles(e),
        "is_featured": False,
        "special_instructions": "",
        "specified_url": f"/obp/v{version}{obp_path(e.path)}",
        "connector_methods": [],
    }


@functools.lru_cache(maxsize=None)
def _resource_docs(version: str) -> tuple[dict, ...]:
    docs = [resource_doc(version, e) for e in endpoints(version)]
    return tuple(sorted(docs, key=lambda d: (d["request_url"], d["request_verb"])))


def resource_docs(version: str, tags_filter: list[str] | None = None, functions: list[str] | None = None) -> dict:
    """OBP's ResourceDocsJson, filtered by `tags` and `functions` as OBP's query parameters do."""
    docs = [d for d in _resource_docs(version)
            if (not tags_filter or set(tags_filter) & set(d["tags"]))
            and (not functions or d["implemented_by"]["function"] in functions)]
    return {
        "resource_docs": docs,
        "meta": {"response_date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "count": len(docs)},
    }


# --- Swagger 2.0 --------------------------------------------------------------------------------

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "integer", "format": "int32", "example": 400},
        "message": {"type": "string", "example": "OBP-10001: Incorrect json format."},
    },
}
_SECURITY_DEFINITIONS = {
    "directLogin": {
        "type": "apiKey", "in": "header", "name": "DirectLogin",
        "description": "DirectLogin: POST /my/logins/direct with the header 'DirectLogin: username=..., "
                       "password=..., consumer_key=...' answers a token; send 'DirectLogin: token=<token>'.",
    },
    "consentJwt": {
        "type": "apiKey", "in": "header", "name": "Consent-JWT",
        "description": "A consent's JWT (or its id), with the header Consent-Key of the consumer it was given to.",
    },
}


def _responses(version: str, e: routing.Endpoint) -> dict:
    success: dict = {"description": "Success"}
    if e.response_model is not None:
        success["schema"] = schemas.to_swagger2(_schema_of(version, e.response_model, "serialization"))
    out = {str(e.status): success}
    by_status: dict[int, list[str]] = {}
    for code in e.error_codes:
        by_status.setdefault(status_for(code), []).append(code)
    for status, codes in sorted(by_status.items()):
        out[str(status)] = {"description": "; ".join(_error_text(c) for c in codes),
                            "schema": {"$ref": "#/definitions/Error"}}
    return out


def _operation(version: str, e: routing.Endpoint) -> dict:
    parameters = [
        {"name": name.upper(), "in": "path", "required": True, "type": "string",
         "description": f"The {name.replace('_', ' ')}"}
        for name in _VARIABLE.findall(e.path)
    ]
    if e.body is not None:
        parameters.insert(0, {
            "in": "body", "name": "body", "required": True,
            "description": f"{schemas.definition_name(e.body)} object that needs to be added.",
            "schema": schemas.to_swagger2(_schema_of(version, e.body, "validation")),
        })
    operation = {
        "tags": tags(e),
        "summary": e.summary,
        "description": description_html(e),
        "operationId": operation_id(e),
        "parameters": parameters,
        "responses": _responses(version, e),
        "security": [{"directLogin": []}, {"consentJwt": []}] if e.needs_user else [{}, {"directLogin": []}],
    }
    if e.body is not None:
        operation["consumes"] = ["application/json"]
    return operation


@functools.lru_cache(maxsize=None)
def swagger(version: str) -> dict:
    settings = get_settings()
    scheme, _, host = settings.hostname.partition("://")
    paths: dict[str, dict] = {}
    for e in endpoints(version):
        paths.setdefault(f"/obp/v{version}{swagger_path(e.path)}", {})[e.method.lower()] = _operation(version, e)
    definitions = {name: schemas.to_swagger2(s) for name, s in _model_schemas(version)[1].items()}
    definitions["Error"] = _ERROR_SCHEMA
    return {
        "swagger": "2.0",
        "info": {
            "title": "Open Bank Project API",
            "description": "An Open Bank Project compatible API for banks, served by OBP Serverless.",
            "version": f"v{version}",
            "contact": {"name": settings.hosted_by_organisation, "email": settings.hosted_by_email,
                        "url": settings.hosted_by_website},
        },
        "host": host or scheme,
        "basePath": "/",
        "schemes": [scheme] if host else ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": _SECURITY_DEFINITIONS,
        "security": [{"directLogin": []}],
        "paths": dict(sorted(paths.items())),
        "definitions": dict(sorted(definitions.items())),
    }


def api_versions() -> dict:
    """OBP's getScannedApiVersions."""
    return {"scanned_api_versions": [
        {"urlPrefix": "obp", "apiStandard": "obp", "apiShortVersion": f"v{v}", "API_VERSION": f"v{v}"}
        for v in routing.VERSIONS
    ]}
