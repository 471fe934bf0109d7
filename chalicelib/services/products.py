"""Products: create or update (with a parent product), read, typed attributes and fees."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from chalicelib.errors import ApiError
from chalicelib.services.access import Caller, missing_roles_error
from chalicelib.services.banks import require_bank
from chalicelib.services.money import is_iso_currency
from chalicelib.services.validation import is_valid_id
from chalicelib.store import products as product_store

PRODUCT_ROLES = ["CanCreateProduct", "CanCreateProductAtAnyBank"]
ATTRIBUTE_TYPES = ("STRING", "INTEGER", "DOUBLE", "DATE_WITH_DAY")
_TYPE_TEXT = ("The `Type` field can only accept the following field: DOUBLE(12.1234), STRING(TAX_NUMBER), "
              "INTEGER(123) and DATE_WITH_DAY(2012-04-23)")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DOUBLE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class NewProduct:
    name: str
    parent_product_code: str = ""
    category: str = ""
    family: str = ""
    super_family: str = ""
    more_info_url: str = ""
    terms_and_conditions_url: str = ""
    details: str = ""
    description: str = ""
    license_id: str = ""
    license_name: str = ""


@dataclass(frozen=True)
class NewFee:
    name: str
    is_active: bool
    more_info: str
    currency: str
    amount: Decimal
    frequency: str
    fee_type: str
    product_fee_id: str | None = None


def _check_code(code: str) -> None:
    if not is_valid_id(code, 255):
        raise ApiError("OBP-10001", "PRODUCT_CODE should only contain 0-9/a-z/A-Z/'-'/'.'/'_'.", status=400)


def put_product(caller: Caller, bank_id: str, code: str, new: NewProduct, *, in_code_role_text: bool):
    """PUT /banks/BANK_ID/products/PRODUCT_CODE: create or replace the product (its attributes and
    fees stay). v3.1.0 words the role error without a bank (`in_code_role_text`)."""
    require_bank(bank_id)
    if not caller.has_any_role(PRODUCT_ROLES, bank_id):
        if in_code_role_text:
            raise ApiError("OBP-20006", " or ".join(PRODUCT_ROLES))
        raise missing_roles_error(PRODUCT_ROLES, bank_id)
    _check_code(code)
    parent = new.parent_product_code.strip()
    if parent and (parent == code or product_store.get_product_record(bank_id, parent) is None):
        raise ApiError("OBP-30062", f"Current parent_product_code({parent})", status=400)
    record = product_store.new_product(bank_id, code, **{**new.__dict__, "parent_product_code": parent})
    product_store.save_product(record)
    return record


def get_product(bank_id: str, code: str) -> product_store.Product:
    require_bank(bank_id)
    product = product_store.get_product(bank_id, code) if is_valid_id(code, 255) else None
    if product is None:
        raise ApiError("OBP-30011", f"Current PRODUCT_CODE({code})", status=404)
    return product


def list_products(bank_id: str) -> list[product_store.Product]:
    require_bank(bank_id)
    return product_store.list_products(bank_id)


def _value_fits(attribute_type: str, value: str) -> bool:
    if attribute_type == "INTEGER":
        return bool(_INTEGER.match(value))
    if attribute_type == "DOUBLE":
        return bool(_DOUBLE.match(value))
    if attribute_type == "DATE_WITH_DAY":
        if not _DATE.match(value):
            return False
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
    return True


def add_attribute(caller: Caller, bank_id: str, code: str, *, name: str, attribute_type: str, value: str,
                  is_active: bool | None, single_role_text: bool):
    """POST .../products/PRODUCT_CODE/attribute: a typed attribute whose value must parse as its
    type. v3.1.0 words the role error as a single in-code check (`single_role_text`)."""
    require_bank(bank_id)
    if not caller.has_role("CanCreateProductAttribute", bank_id):
        raise missing_roles_error(["CanCreateProductAttribute"], bank_id, mode="single" if single_role_text else "any")
    if attribute_type not in ATTRIBUTE_TYPES:
        raise ApiError("OBP-10001", _TYPE_TEXT, status=400)
    if not name.strip() or not _value_fits(attribute_type, value):
        raise ApiError("OBP-10001", f"The value ({value}) is not a valid {attribute_type}.", status=400)
    if not is_valid_id(code, 255) or product_store.get_product_record(bank_id, code) is None:
        raise ApiError("OBP-30011", f"{{{code}}}", status=400)
    record = product_store.new_attribute(
        bank_id, code, str(uuid.uuid4()), name=name, attribute_type=attribute_type, value=value, is_active=is_active,
    )
    product_store.add_attribute(record)
    return record


def add_fee(caller: Caller, bank_id: str, code: str, new: NewFee):
    """POST .../products/PRODUCT_CODE/fee."""
    require_bank(bank_id)
    if not caller.has_role("CanCreateProductFee", bank_id):
        raise missing_roles_error(["CanCreateProductFee"], bank_id)
    if not is_iso_currency(new.currency):
        raise ApiError("OBP-10003", f"Current input is: '{new.currency}'", status=400)
    if not new.amount.is_finite() or new.amount < 0:
        raise ApiError("OBP-10001", "value.amount must be a number of 0 or more.", status=400)
    if new.product_fee_id is not None and not is_valid_id(new.product_fee_id):
        raise ApiError("OBP-10001", "product_fee_id should only contain 0-9/a-z/A-Z/'-'/'.'/'_'.", status=400)
    get_product(bank_id, code)
    record = product_store.new_fee(
        bank_id, code, new.product_fee_id or str(uuid.uuid4()), name=new.name, is_active=new.is_active,
        more_info=new.more_info, currency=new.currency, amount=new.amount, frequency=new.frequency,
        fee_type=new.fee_type,
    )
    product_store.add_fee(record)
    return record
