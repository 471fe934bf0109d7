"""Customers of a profile, exactly as seed 003: list (paged), create, get, update, delete."""
from chalicelib.api.enterprise.http import body, idempotent, paging, partner, v1
from chalicelib.api.routing import Request
from chalicelib.schemas.enterprise import CustomerIn, customer_json, page_json
from chalicelib.services.enterprise import customers


@v1("GET", "/v1/profiles/{profile_id}/customers")
def list_customers(req: Request, profile_id: str):
    who = partner(req)
    return page_json(customers.list_customers(who, profile_id, *paging(req)), customer_json)


@v1("POST", "/v1/profiles/{profile_id}/customers")
def create_customer(req: Request, profile_id: str):
    who = partner(req)
    data = body(req, CustomerIn)
    return idempotent(req, who, f"create-customer {profile_id}", customer_json, 200,
                      lambda also: customers.create_customer(who, profile_id, data.changes(), also))


@v1("GET", "/v1/profiles/{profile_id}/customers/{customer_id}")
def get_customer(req: Request, profile_id: str, customer_id: str):
    return customer_json(customers.get_customer(partner(req), profile_id, customer_id))


@v1("PUT", "/v1/profiles/{profile_id}/customers/{customer_id}")
def update_customer(req: Request, profile_id: str, customer_id: str):
    who = partner(req)
    data = body(req, CustomerIn)
    return customer_json(customers.update_customer(who, profile_id, customer_id, data.changes()))


@v1("DELETE", "/v1/profiles/{profile_id}/customers/{customer_id}")
def delete_customer(req: Request, profile_id: str, customer_id: str):
    return customer_json(customers.delete_customer(partner(req), profile_id, customer_id))
