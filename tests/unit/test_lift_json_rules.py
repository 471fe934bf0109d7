"""Request bodies are read as OBP reads them with lift-json 3.5 (Extraction.convert, mkValue,
newCollection) and OBP's formats: what it accepts is accepted, what it refuses is refused."""
import json
from decimal import Decimal
from typing import Optional

import pytest
from pydantic import StrictBool, StrictInt, StrictStr, ValidationError

from chalicelib.schemas.accounts import CreateAccountRequestJsonV310
from chalicelib.schemas.common import ObpDateText, ObpModel
from chalicelib.schemas.customers import PostCustomerJsonV500
from chalicelib.schemas.products import ProductFeeJsonV400


class Inner(ObpModel):
    value: StrictStr


class Body(ObpModel):
    text: StrictStr
    plain: str = ""
    count: StrictInt = 0
    flag: StrictBool = False
    when: ObpDateText = "2020-01-01T00:00:00Z"
    names: list[StrictStr]
    inners: list[Inner]
    maybe_text: Optional[StrictStr] = None
    maybe_count: Optional[StrictInt] = None
    inner: Optional[Inner] = None


def _read(raw: str) -> Body:
    """As routing's Request.json reads a body: numbers with a fraction as Decimal."""
    return Body.model_validate(json.loads(raw, parse_float=Decimal))


@pytest.mark.parametrize("raw, text", [
    ('"10000"', "10000"), ("10000", "10000"), ("10.50", "10.50"), ("1e3", "1000"), ("-0.5", "-0.5"),
    ("true", "true"), ("false", "false"), ('{"a": 1, "b": [2.5]}', '{"a":1,"b":[2.5]}'), ('[1, "x"]', '[1,"x"]'),
])
def test_a_string_field_takes_what_lift_json_turns_into_a_string(raw, text):
    body = _read(f'{{"text": {raw}, "plain": {raw}, "names": [{raw}], "inners": [{{"value": {raw}}}]}}')
    assert (body.text, body.plain, body.names, body.inners[0].value) == (text, text, [text], text)


def test_numbers_and_their_digits_are_the_same_amount():
    assert PostCustomerJsonV500.model_validate({"legal_name": "Eve", "mobile_phone_number": 4915112345678,
                                                "customer_number": 12345}).customer_number == "12345"
    fee = {"name": "FEE", "is_active": True, "more_info": "", "value": {"currency": "EUR", "frequency": "DAILY", "type": ""}}
    for amount in (10, "10", Decimal("10")):
        assert ProductFeeJsonV400.model_validate({**fee, "value": {**fee["value"], "amount": amount}}).value.amount == Decimal(10)


@pytest.mark.parametrize("raw, count", [("5", 5), ("5.9", 5), ("-5.9", -5)])
def test_an_int_field_takes_a_number_and_truncates_a_fraction(raw, count):
    assert _read(f'{{"text": "t", "count": {raw}, "names": [], "inners": []}}').count == count


@pytest.mark.parametrize("field, raw", [
    ("count", '"5"'), ("count", "true"), ("count", '{"n": 5}'),          # an Int takes no string, boolean, object
    ("flag", '"true"'), ("flag", "1"), ("flag", "null"),                  # a Boolean only true or false
    ("when", "20170919"), ("when", '"19/09/2017"'),                       # a Date only a string in OBP's format
    ("names", '"a"'), ("names", '{"a": 1}'), ("inners", '["a"]'),         # a List only an array (of its type)
    ("text", "null"), ("inner", '"x"'),                                   # null for a required field; a wrong type
    ("maybe_count", '"5"'), ("maybe_text", "[1"),                        # optional fields keep their type (lift 3.5)
])
def test_what_lift_json_refuses_is_refused(field, raw):
    fields = {"text": '"t"', "names": "[]", "inners": "[]", field: raw}
    with pytest.raises((ValidationError, ValueError)):
        _read("{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}")


def test_lists_may_be_absent_and_optionals_null():
    body = _read('{"text": "t", "maybe_text": null, "maybe_count": null, "inner": null}')
    assert (body.names, body.inners, body.maybe_text, body.maybe_count, body.inner) == ([], [], None, None, None)
    assert _read('{"text": "t", "names": null, "inners": null}').names == []
    # OBP's v3.1.0 account body: account_routings may be left out, branch_id may not.
    base = {"user_id": "", "label": "L", "product_code": "P", "balance": {"currency": "EUR", "amount": 0}, "branch_id": ""}
    parsed = CreateAccountRequestJsonV310.model_validate(base)
    assert (parsed.account_routings, parsed.balance.amount) == ([], "0")
    with pytest.raises(ValidationError):
        CreateAccountRequestJsonV310.model_validate({k: v for k, v in base.items() if k != "branch_id"})


def test_unknown_fields_are_ignored_and_dates_normalised():
    body = _read('{"text": "t", "names": [], "inners": [], "extra": [1, 2], "when": "2018-03-09"}')
    assert body.when == "2018-03-09T00:00:00Z" and not hasattr(body, "extra")
