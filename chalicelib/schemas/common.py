"""Shared pieces of the OBP JSON: the base request model (lift-json's extraction rules) and the
request field of a date (the format itself is chalicelib/dates.py)."""
from __future__ import annotations

import json
import types
import typing
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr, model_validator

from chalicelib.dates import OBP_DATE_FORMAT, normalise_obp_date, obp_date, parse_obp_date  # noqa: F401  (re-exported)


# A request field holding a date; the model gets the normalised OBP text. A date is not a
# string field: lift-json reads java.util.Date from a JSON string only.
ObpDateText = Annotated[StrictStr, AfterValidator(normalise_obp_date)]


# --- lift-json's extraction rules ----------------------------------------------------------------
#
# OBP reads request bodies with lift-json 3.5 (Extraction.extract, Extraction.convert) and OBP's
# formats (obp-commons JsonSerializers + StringDeserializer/ToStringDeSerializer). What it takes:
#   String field   a JSON string; a JSON number (its text); true/false, an object or an array
#                  (their compact JSON text)
#   Int/Long field a JSON integer; a JSON number with a fraction (truncated, Double.intValue);
#                  never a string, never a boolean
#   BigDecimal     a decimal string (BigDecimalSerializer); here a JSON number is taken too
#   Boolean field  true or false only
#   Date field     a string in OBP's date format only
#   List field     a JSON array; absent or null is the empty list, even when not an Option
#   Option field   absent or null is None; a value of the wrong type fails (lift-json 3.5 mkValue)
# Everything else fails (OBP-10001). The coercions run before pydantic validates in strict mode,
# which then refuses whatever lift-json refuses.

def _compact(value: Any) -> str:
    """A JSON value as compact JSON text (lift-json's compactRender), numbers as written."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_compact(v) for v in value) + "]"
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return _number_text(value)
    return json.dumps(value, ensure_ascii=False)


def _number_text(value: Decimal | int) -> str:
    """A JSON number as the text of a string field: its exact decimal digits, never an exponent."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _unwrap(annotation: Any) -> tuple[Any, tuple]:
    """The bare type of an annotation and its Annotated metadata."""
    if typing.get_origin(annotation) is Annotated:
        base, *meta = typing.get_args(annotation)
        inner, more = _unwrap(base)
        return inner, tuple(meta) + more
    return annotation, ()


def _lift(annotation: Any, value: Any) -> Any:
    """`value` as lift-json would hand it to a field of this type (unchanged where it would fail)."""
    if value is None or annotation is ObpDateText:
        return value
    base, _ = _unwrap(annotation)
    origin = typing.get_origin(base)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(base) if a is not type(None)]
        return _lift(options[0], value) if len(options) == 1 else value
    if origin is list:
        (item,) = typing.get_args(base) or (Any,)
        return [_lift(item, v) for v in value] if isinstance(value, list) else value
    if base is str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, Decimal)):
            return _number_text(value)
        if isinstance(value, (dict, list)):
            return _compact(value)
        return value
    if base is int and isinstance(value, Decimal) and value.is_finite():
        return int(value)  # toward zero, as Double.intValue
    if base is Decimal and not isinstance(value, bool) and isinstance(value, (int, str)):
        try:
            return Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            return value
    return value


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(_unwrap(annotation)[0]) is list


class ObpModel(BaseModel):
    """A request body read as OBP reads it with lift-json: fields without a default are required
    (lists excepted: absent is empty), unknown fields are ignored, and values convert only as
    lift-json converts them (see the rules above). `obp_name` is the OBP case class named in
    OBP-10001 errors."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, strict=True)
    obp_name: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _lift_json(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name, field in cls.model_fields.items():
            key = field.alias if field.alias and field.alias in out else name
            if key in out:
                out[key] = _lift(field.annotation, out[key])
            if field.is_required() and _is_list(field.annotation) and out.get(key) is None:
                out[key] = []
        return out
