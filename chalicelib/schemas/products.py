"""Products: request models and response renderers (v3.1.0 and v4.0.0 shapes)."""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from pydantic import StrictBool

from chalicelib.schemas.common import ObpModel
from chalicelib.services.money import render


class LicenseJson(ObpModel):
    id: str
    name: str


class MetaJson(ObpModel):
    license: LicenseJson


class PostPutProductJsonV310(ObpModel):
    obp_name = "PostPutProductJsonV310"
    name: str
    parent_product_code: str
    category: str
    family: str
    super_family: str
    more_info_url: str
    details: str
    description: str
    meta: MetaJson


class PutProductJsonV400(ObpModel):
    obp_name = "PutProductJsonV400"
    parent_product_code: str
    name: str
    more_info_url: str
    terms_and_conditions_url: str
    description: str
    meta: MetaJson


class PutProductJsonV500(ObpModel):
    obp_name = "PutProductJsonV500"
    parent_product_code: str
    name: str
    more_info_url: Optional[str] = None
    terms_and_conditions_url: Optional[str] = None
    description: Optional[str] = None
    meta: Optional[MetaJson] = None


class ProductAttributeJson(ObpModel):
    obp_name = "ProductAttributeJson"
    name: str
    type: str
    value: str


class ProductAttributeJsonV400(ProductAttributeJson):
    obp_name = "ProductAttributeJsonV400"
    is_active: Optional[StrictBool] = None


class ProductFeeValueJsonV400(ObpModel):
    currency: str
    amount: Decimal  # OBP sends a JSON number; a decimal string is accepted too
    frequency: str
    type: str


class ProductFeeJsonV400(ObpModel):
    obp_name = "ProductFeeJsonV400"
    product_fee_id: Optional[str] = None
    name: str
    is_active: StrictBool
    more_info: str
    value: ProductFeeValueJsonV400


def _meta(record) -> dict:
    return {"license": {"id": record.license_id, "name": record.license_name}}


def product_attribute_json_v310(a) -> dict:
    """ProductAttributeResponseWithoutBankIdJson."""
    return {
        "product_code": a.product_code, "product_attribute_id": a.product_attribute_id, "name": a.name,
        "type": a.attribute_type, "value": a.value,
    }


def product_attribute_json_v400(a) -> dict:
    """ProductAttributeResponseJsonV400."""
    out = {"bank_id": a.bank_id, **product_attribute_json_v310(a)}
    if a.is_active is not None:
        out["is_active"] = a.is_active
    return out


def product_fee_json(fee, with_owner: bool = True) -> dict:
    """ProductFeeResponseJsonV400 (with bank and product) or the fee inside a product."""
    out = {"bank_id": fee.bank_id, "product_code": fee.product_code} if with_owner else {}
    out.update({
        "product_fee_id": fee.product_fee_id, "name": fee.name, "is_active": fee.is_active, "more_info": fee.more_info,
        "value": {"currency": fee.currency, "amount": render(fee.amount), "frequency": fee.frequency, "type": fee.fee_type},
    })
    return out


def product_json_v310(record, attributes=None) -> dict:
    """ProductJsonV310; product_attributes only when read (GET), as OBP."""
    out = {
        "bank_id": record.bank_id, "code": record.product_code, "parent_product_code": record.parent_product_code,
        "name": record.name, "category": record.category, "family": record.family,
        "super_family": record.super_family, "more_info_url": record.more_info_url, "details": record.details,
        "description": record.description, "meta": _meta(record),
    }
    if attributes is not None:
        out["product_attributes"] = [product_attribute_json_v310(a) for a in attributes]
    return out


def product_json_v400(record, attributes=None, fees=None) -> dict:
    """ProductJsonV400; attributes and fees only when read (GET), as OBP."""
    out = {
        "bank_id": record.bank_id, "product_code": record.product_code,
        "parent_product_code": record.parent_product_code, "name": record.name,
        "more_info_url": record.more_info_url, "terms_and_conditions_url": record.terms_and_conditions_url,
        "description": record.description, "meta": _meta(record),
    }
    if attributes is not None:
        out["attributes"] = [product_attribute_json_v310(a) for a in attributes]
    if fees is not None:
        out["fees"] = [product_fee_json(f, with_owner=False) for f in fees]
    return out
