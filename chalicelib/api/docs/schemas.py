"""JSON schemas and examples of the request and response models, in the dialect each document
needs: JSON Schema 2020-12 as pydantic writes it (OpenAPI 3.1), or Swagger 2.0's subset (OBP's
Swagger and resource docs).

An example value comes from the field's own `examples` (pydantic `Field(examples=[...])`), else
from the OBP-style values below by field name, else from its type."""
from __future__ import annotations

import copy
from typing import Any, Iterable

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

# Example values by field name, as OBP's API Explorer shows them.
_EXAMPLES: dict[str, Any] = {
    "bank_id": "gh.29.uk",
    "account_id": "8ca8a7e4-6d02-40e3-a129-0b2bf89de9f0",
    "other_account_id": "5995d6a2-01b3-423c-a173-5481df49bdaf",
    "view_id": "owner",
    "user_id": "9ca9a7e4-6d02-40e3-a129-0b2bf89de9b1",
    "customer_id": "7uy8a7e4-6d02-40e3-a129-0b2bf89de8uh",
    "consumer_id": "7uy8a7e4-6d02-40e3-a129-0b2bf89de8uh",
    "consent_id": "9d429899-24f5-42c8-8565-943ffa6a7947",
    "consent_request_id": "9d429899-24f5-42c8-8565-943ffa6a7948",
    "transaction_id": "2fg8a7e4-6d02-40e3-a129-0b2bf89de8ub",
    "transaction_request_id": "8138a7e4-6d02-40e3-a129-0b2bf89de9f1",
    "counterparty_id": "9fg8a7e4-6dd2-40e3-a129-0b2bf89de8uh",
    "entitlement_id": "6fb17583-1e49-4435-bb74-a14fe0996723",
    "webhook_id": "fc23a7e2-7dd2-4bdf-a0b4-ae31232a4762",
    "account_webhook_id": "fc23a7e2-7dd2-4bdf-a0b4-ae31232a4762",
    "branch_id": "DERBY6",
    "product_code": "1234BW",
    "parent_product_code": "787LOW",
    "customer_number": "5987953",
    "legal_name": "Eveline Tripman",
    "mobile_phone_number": "+44 07972 444 876",
    "email": "felixsmith@example.com",
    "username": "felixsmith",
    "provider": "http://127.0.0.1:8080",
    "first_name": "Felix",
    "last_name": "Smith",
    "currency": "EUR",
    "amount": "10.12",
    "label": "My Account",
    "name": "Name",
    "description": "Description",
    "role_name": "CanCreateCustomer",
    "scheme": "IBAN",
    "address": "DE91 1000 0000 0123 4567 89",
    "url": "https://www.example.com/webhooks",
    "status": "ACCEPTED",
    "type": "STRING",
    "value": "Value",
    "title": "Dr.",
    "name_suffix": "Sr",
    "kyc_status": True,
    "dependants": 1,
    "date_of_birth": "2018-03-09T00:00:00Z",
    "version": "v5.1.0",
}
_EXAMPLE_DATE = "2017-09-19T00:00:00Z"
_EXAMPLE_ID = "d8839721-ad8f-45dd-9f78-2080414b93f9"


def definition_name(model: type[BaseModel]) -> str:
    return model.__name__


def collect(models: Iterable[tuple[type[BaseModel], str]], ref_template: str) -> tuple[dict, dict]:
    """(model, mode) pairs ("validation" for request bodies, "serialization" for responses) ->
    ({(model, mode): schema or $ref}, {definition name: schema}) for every model and its parts."""
    pairs = list(dict.fromkeys(models))
    if not pairs:
        return {}, {}
    keyed, top = models_json_schema(pairs, ref_template=ref_template)
    return keyed, top.get("$defs", {})


def ref_name(schema: dict) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


# --- Swagger 2.0 --------------------------------------------------------------------------------

def to_swagger2(schema: Any) -> Any:
    """JSON Schema 2020-12 (pydantic's) -> the Swagger 2.0 Schema Object: no null types, no anyOf,
    `example` for `examples`, `enum` for `const`; a nullable field gets `x-nullable`."""
    if isinstance(schema, list):
        return [to_swagger2(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("anyOf", "oneOf"):
            options = [s for s in value if s.get("type") != "null"]
            if len(options) < len(value):
                out["x-nullable"] = True
            if len(options) == 1:
                out.update(to_swagger2(options[0]))
            # several shapes: Swagger 2.0 cannot say so; any value is allowed
        elif key == "examples":
            if value:
                out["example"] = to_swagger2(value[0]) if isinstance(value, list) else value
        elif key == "default" and value is None:
            continue  # Swagger 2.0 has no null
        elif key == "const":
            out["enum"] = [value]
        elif key == "type" and isinstance(value, list):
            kinds = [t for t in value if t != "null"]
            out["type"] = kinds[0] if kinds else "string"
            if len(kinds) < len(value):
                out["x-nullable"] = True
        elif key in ("properties", "patternProperties", "$defs"):
            out[key] = {name: to_swagger2(s) for name, s in value.items()}
        elif key in ("items", "additionalProperties", "allOf", "not"):
            out[key] = to_swagger2(value)
        elif key in ("prefixItems", "discriminator", "unevaluatedProperties", "dependentSchemas", "contentMediaType",
                     "exclusiveMinimum", "exclusiveMaximum"):
            continue  # not in Swagger 2.0's subset (the bounds there are booleans)
        elif key == "$ref" and len(schema) > 1:
            out = {"$ref": value}  # siblings of $ref are ignored in Swagger 2.0
            return out
        else:
            out[key] = to_swagger2(value)
    if "$ref" in out and len(out) > 1:
        return {"$ref": out["$ref"]}
    return out


# --- examples -----------------------------------------------------------------------------------

def example(schema: dict, definitions: dict, name: str = "", depth: int = 0) -> Any:
    """An example JSON value for a schema, resolving $ref through `definitions`."""
    if depth > 12:
        return None
    if "$ref" in schema:
        target = definitions.get(ref_name(schema), {})
        return example(target, definitions, name, depth + 1)
    for key in ("example", "examples", "default"):
        if key in schema:
            value = schema[key]
            if key == "examples" and isinstance(value, list):
                if value:
                    return copy.deepcopy(value[0])
                continue
            if key == "default" and value is None:
                continue
            return copy.deepcopy(value)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            if options:
                return example(options[0], definitions, name, depth + 1)
            return None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        if not props and isinstance(schema.get("additionalProperties"), dict):
            return {"key": example(schema["additionalProperties"], definitions, "", depth + 1)}
        return {field: example(s, definitions, field, depth + 1) for field, s in props.items()}
    if kind == "array":
        item = example(schema.get("items", {}), definitions, _singular(name), depth + 1)
        return [] if item is None else [item]
    if name in _EXAMPLES and _matches(kind, _EXAMPLES[name]):
        return _EXAMPLES[name]
    if kind == "boolean":
        return True
    if kind == "integer":
        return 1
    if kind == "number":
        return 10.12
    if kind == "string" or kind is None:
        if schema.get("format") in ("date-time", "date") or name.endswith(("_date", "date")) or name in ("created", "updated"):
            return _EXAMPLE_DATE
        if name == "id" or name.endswith("_id"):
            return _EXAMPLE_ID
        if name.endswith(("url", "URL", "link")):
            return "https://www.example.com"
        return name.replace("_", " ") if name else "string"
    return None


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _matches(kind: str | None, value: Any) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return kind in (None, "string") and isinstance(value, str)
