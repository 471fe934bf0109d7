"""Products of a bank, with their attributes and fees.

Keys (all in the bank's partition, so one Query reads a product with everything it owns, and
one Query reads every product of the bank):
  BANK#<bank_id> / PRODUCT#<code>#                       the product
  BANK#<bank_id> / PRODUCT#<code>#ATTR#<attribute_id>    a typed product attribute
  BANK#<bank_id> / PRODUCT#<code>#FEE#<fee_id>           a product fee
Product codes are ids ([A-Za-z0-9-._]), so `PRODUCT#<code>#` never prefixes another product.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError

from chalicelib.errors import ApiError
from chalicelib.store.banks import bank_pk
from chalicelib.store.base import DecimalAttribute, Entity, get_item

_PRODUCT = "PRODUCT#"


def _product_sk(code: str) -> str:
    return f"{_PRODUCT}{code}#"


class ProductRecord(Entity, discriminator="Product"):
    bank_id = UnicodeAttribute()
    product_code = UnicodeAttribute()
    parent_product_code = UnicodeAttribute(default="")
    name = UnicodeAttribute(default="")
    category = UnicodeAttribute(default="")
    family = UnicodeAttribute(default="")
    super_family = UnicodeAttribute(default="")
    more_info_url = UnicodeAttribute(default="")
    terms_and_conditions_url = UnicodeAttribute(default="")
    details = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    license_id = UnicodeAttribute(default="")
    license_name = UnicodeAttribute(default="")
    updated_at = UTCDateTimeAttribute()


class ProductAttributeRecord(Entity, discriminator="ProductAttribute"):
    bank_id = UnicodeAttribute()
    product_code = UnicodeAttribute()
    product_attribute_id = UnicodeAttribute()
    name = UnicodeAttribute()
    attribute_type = UnicodeAttribute()
    value = UnicodeAttribute()
    is_active = BooleanAttribute(null=True)


class ProductFeeRecord(Entity, discriminator="ProductFee"):
    bank_id = UnicodeAttribute()
    product_code = UnicodeAttribute()
    product_fee_id = UnicodeAttribute()
    name = UnicodeAttribute()
    is_active = BooleanAttribute()
    more_info = UnicodeAttribute(default="")
    currency = UnicodeAttribute()
    amount = DecimalAttribute()
    frequency = UnicodeAttribute(default="")
    fee_type = UnicodeAttribute(default="")


@dataclass
class Product:
    """A product with what it owns, as read in one Query."""

    record: ProductRecord
    attributes: list[ProductAttributeRecord] = field(default_factory=list)
    fees: list[ProductFeeRecord] = field(default_factory=list)


def new_product(bank_id: str, code: str, **fields) -> ProductRecord:
    return ProductRecord(
        pk=bank_pk(bank_id), sk=_product_sk(code), bank_id=bank_id, product_code=code,
        updated_at=datetime.now(timezone.utc), **fields,
    )


def save_product(record: ProductRecord) -> None:
    """Create or replace the product itself; its attributes and fees are separate items and stay."""
    record.save()


def new_attribute(bank_id: str, code: str, attribute_id: str, **fields) -> ProductAttributeRecord:
    return ProductAttributeRecord(
        pk=bank_pk(bank_id), sk=f"{_product_sk(code)}ATTR#{attribute_id}", bank_id=bank_id,
        product_code=code, product_attribute_id=attribute_id, **fields,
    )


def new_fee(bank_id: str, code: str, fee_id: str, **fields) -> ProductFeeRecord:
    return ProductFeeRecord(
        pk=bank_pk(bank_id), sk=f"{_product_sk(code)}FEE#{fee_id}", bank_id=bank_id,
        product_code=code, product_fee_id=fee_id, **fields,
    )


def add_attribute(record: ProductAttributeRecord) -> None:
    record.save()


def add_fee(record: ProductFeeRecord) -> None:
    """Insert; OBP-30118 when the client-chosen product_fee_id is taken."""
    try:
        record.save(condition=ProductFeeRecord.pk.does_not_exist())
    except PutError as err:
        raise ApiError("OBP-30118", f"product_fee_id {record.product_fee_id} already exists.") from err


def _collect(items) -> dict[str, Product]:
    products: dict[str, Product] = {}
    owned: list = []
    for item in items:
        if isinstance(item, ProductRecord):
            products[item.product_code] = Product(item)
        elif isinstance(item, (ProductAttributeRecord, ProductFeeRecord)):
            owned.append(item)
    for item in owned:
        product = products.get(item.product_code)
        if product is None:
            continue
        (product.attributes if isinstance(item, ProductAttributeRecord) else product.fees).append(item)
    return products


def get_product(bank_id: str, code: str) -> Product | None:
    """The product with its attributes and fees: one strongly consistent Query."""
    items = Entity.query(bank_pk(bank_id), Entity.sk.startswith(_product_sk(code)), consistent_read=True)
    return _collect(items).get(code)


def get_product_record(bank_id: str, code: str) -> ProductRecord | None:
    return get_item(ProductRecord, bank_pk(bank_id), _product_sk(code))


def list_products(bank_id: str) -> list[Product]:
    items = Entity.query(bank_pk(bank_id), Entity.sk.startswith(_PRODUCT))
    return sorted(_collect(items).values(), key=lambda p: p.record.product_code)
