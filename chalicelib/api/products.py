"""Products: create or update (v3.1.0, v4.0.0, v5.0.0 bodies), read, attributes and fees."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.products import (
    PostPutProductJsonV310,
    ProductAttributeJson,
    ProductAttributeJsonV400,
    ProductFeeJsonV400,
    PutProductJsonV400,
    PutProductJsonV500,
    product_attribute_json_v310,
    product_attribute_json_v400,
    product_fee_json,
    product_json_v310,
    product_json_v400,
)
from chalicelib.services import products

_PRODUCT = "/banks/{bank_id}/products/{product_code}"


def _new_product(body, **overrides) -> products.NewProduct:
    meta = getattr(body, "meta", None)
    fields = {
        "name": body.name, "parent_product_code": body.parent_product_code,
        "more_info_url": body.more_info_url or "", "description": body.description or "",
        "license_id": meta.license.id if meta else "", "license_name": meta.license.name if meta else "",
    }
    return products.NewProduct(**{**fields, **overrides})


@endpoint("PUT", _PRODUCT, since="3.1.0", status=201,
          roles=("CanCreateProduct", "CanCreateProductAtAnyBank"), body=PostPutProductJsonV310,
          response="ProductJsonV310",
          tags=("Product",),
          errors=("OBP-20001", "OBP-30001", "OBP-20006", "OBP-50000"))
def create_product_v310(req: Request, bank_id: str, product_code: str):
    """Create Product"""
    caller = req.user()
    body = req.body(PostPutProductJsonV310)
    new = _new_product(body, category=body.category, family=body.family, super_family=body.super_family,
                       details=body.details)
    return product_json_v310(products.put_product(caller, bank_id, product_code, new, in_code_role_text=True))


@endpoint("PUT", _PRODUCT, since="4.0.0", status=201,
          roles=("CanCreateProduct", "CanCreateProductAtAnyBank"), body=PutProductJsonV400,
          response="ProductJsonV400",
          tags=("Product",),
          errors=("OBP-20001", "OBP-30001", "OBP-20006", "OBP-50000"))
def create_product_v400(req: Request, bank_id: str, product_code: str):
    """Create Product"""
    caller = req.user()
    body = req.body(PutProductJsonV400)
    new = _new_product(body, terms_and_conditions_url=body.terms_and_conditions_url)
    return product_json_v400(products.put_product(caller, bank_id, product_code, new, in_code_role_text=False))


@endpoint("PUT", _PRODUCT, since="5.0.0", status=201,
          roles=("CanCreateProduct", "CanCreateProductAtAnyBank"), body=PutProductJsonV500,
          response="ProductJsonV400",
          tags=("Product",),
          errors=("OBP-20001", "OBP-30001", "OBP-20006", "OBP-50000"))
def create_product(req: Request, bank_id: str, product_code: str):
    """Create Product"""
    caller = req.user()
    body = req.body(PutProductJsonV500)
    new = _new_product(body, terms_and_conditions_url=body.terms_and_conditions_url or "")
    return product_json_v400(products.put_product(caller, bank_id, product_code, new, in_code_role_text=False))


# Products are public in OBP by default (props apiOptions.getProductsIsPublic=true).

@endpoint("GET", _PRODUCT, since="3.1.0",
          response="ProductJsonV310", tags=("Product",), errors=())
def get_product_v310(req: Request, bank_id: str, product_code: str):
    """Get Bank Product"""
    product = products.get_product(bank_id, product_code)
    return product_json_v310(product.record, product.attributes)


@endpoint("GET", _PRODUCT, since="4.0.0",
          response="ProductJsonV400", tags=("Product",), errors=())
def get_product(req: Request, bank_id: str, product_code: str):
    """Get Bank Product"""
    product = products.get_product(bank_id, product_code)
    return product_json_v400(product.record, product.attributes, product.fees)


@endpoint("GET", "/banks/{bank_id}/products", since="3.1.0",
          response="ProductsJsonV310", tags=("Product",), errors=())
def get_products_v310(req: Request, bank_id: str):
    """Get Products"""
    return {"products": [product_json_v310(p.record, p.attributes) for p in products.list_products(bank_id)]}


@endpoint("GET", "/banks/{bank_id}/products", since="4.0.0",
          response="ProductsJsonV400", tags=("Product",), errors=())
def get_products(req: Request, bank_id: str):
    """Get Products"""
    return {"products": [product_json_v400(p.record, p.attributes, p.fees) for p in products.list_products(bank_id)]}


@endpoint("POST", _PRODUCT + "/attribute", since="3.1.0", status=201,
          roles=("CanCreateProductAttribute",), body=ProductAttributeJson,
          response="ProductAttributeResponseWithoutBankIdJson",
          tags=("Product",),
          errors=("OBP-10001", "OBP-50000", "OBP-20001", "OBP-20006"))
def create_product_attribute_v310(req: Request, bank_id: str, product_code: str):
    """Create Product Attribute"""
    caller = req.user()
    body = req.body(ProductAttributeJson)
    return product_attribute_json_v310(products.add_attribute(
        caller, bank_id, product_code, name=body.name, attribute_type=body.type, value=body.value, is_active=None,
        single_role_text=True,
    ))


@endpoint("POST", _PRODUCT + "/attribute", since="4.0.0", status=201,
          roles=("CanCreateProductAttribute",), body=ProductAttributeJsonV400,
          response="ProductAttributeResponseJsonV400",
          tags=("Product",),
          errors=("OBP-10001", "OBP-50000", "OBP-20001", "OBP-20006"))
def create_product_attribute(req: Request, bank_id: str, product_code: str):
    """Create Product Attribute"""
    caller = req.user()
    body = req.body(ProductAttributeJsonV400)
    return product_attribute_json_v400(products.add_attribute(
        caller, bank_id, product_code, name=body.name, attribute_type=body.type, value=body.value,
        is_active=body.is_active, single_role_text=False,
    ))


@endpoint("POST", _PRODUCT + "/fee", since="4.0.0", status=201,
          roles=("CanCreateProductFee",), body=ProductFeeJsonV400, response="ProductFeeResponseJsonV400",
          tags=("Product",),
          errors=("OBP-20001", "OBP-30001", "OBP-10001", "OBP-50000", "OBP-20006"))
def create_product_fee(req: Request, bank_id: str, product_code: str):
    """Create Product Fee"""
    caller = req.user()
    body = req.body(ProductFeeJsonV400)
    return product_fee_json(products.add_fee(caller, bank_id, product_code, products.NewFee(
        name=body.name, is_active=body.is_active, more_info=body.more_info, currency=body.value.currency,
        amount=body.value.amount, frequency=body.value.frequency, fee_type=body.value.type,
        product_fee_id=body.product_fee_id,
    )))
