"""Customers of a profile, exactly as seed 003: list (paged), create, get, update, delete."""
from chalicelib.api.enterprise.http import PAGING, body, idempotent, paging, partner, v1
from chalicelib.api.routing import Request
from chalicelib.schemas.enterprise import CustomerIn, customer_json, page_json
from chalicelib.services.enterprise import customers

_TAGS = ("Customers",)


@v1("GET", "/v1/profiles/{profile_id}/customers", response="CustomerPage", tags=_TAGS, query=PAGING)
def list_customers(req: Request, profile_id: str):
    """List a profile's customers

    Newest first, paged with `page` (from 0) and `size` (1 to 100)."""
    who = partner(req)
    return page_json(customers.list_customers(who, profile_id, *paging(req)), customer_json)


@v1("POST", "/v1/profiles/{profile_id}/customers", body=CustomerIn, response="Customer", tags=_TAGS)
def create_customer(req: Request, profile_id: str):
    """Create a customer

    Every field is optional. Idempotent with an `Idempotency-Key` header."""
    who = partner(req)
    data = body(req, CustomerIn)
    return idempotent(req, who, f"create-customer {profile_id}", customer_json, 200,
                      lambda also: customers.create_customer(who, profile_id, data.changes(), also))


@v1("GET", "/v1/profiles/{profile_id}/customers/{customer_id}", response="Customer", tags=_TAGS)
def get_customer(req: Request, profile_id: str, customer_id: str):
    """Get a customer"""
    return customer_json(customers.get_customer(partner(req), profile_id, customer_id))


@v1("PUT", "/v1/profiles/{profile_id}/customers/{customer_id}", body=CustomerIn, response="Customer", tags=_TAGS)
def update_customer(req: Request, profile_id: str, customer_id: str):
    """Update a customer

    Sets the fields sent; null clears one; an address replaces the whole address."""
    who = partner(req)
    data = body(req, CustomerIn)
    return customer_json(customers.update_customer(who, profile_id, customer_id, data.changes()))


@v1("DELETE", "/v1/profiles/{profile_id}/customers/{customer_id}", response="Customer", tags=_TAGS)
def delete_customer(req: Request, profile_id: str, customer_id: str):
    """Delete a customer

    Answers the deleted customer."""
    return customer_json(customers.delete_customer(partner(req), profile_id, customer_id))
