"""What a bank records about a customer: attributes, addresses, tax residences, social media handles
and CRM events. Writes need the endpoint's role (checked by `customers.require_bank_role` before
the body is read, in OBP's order); reads follow the rule of services/customers.py (the role, or
the caller's own linked customer)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.errors import ApiError
from chalicelib.dates import OBP_DATE_FORMAT
from chalicelib.services import customers, paging
from chalicelib.services.access import Caller
from chalicelib.services.paging import Page
from chalicelib.store import customer_data as store
from chalicelib.store import customers as customer_store
from chalicelib.store import positions

ATTRIBUTE_TYPES = ("STRING", "INTEGER", "DOUBLE", "DATE_WITH_DAY")
CRM_CREATE_ROLE = "CanCreateCrmEvent"  # ours: OBP has no API to record CRM events


def _now() -> str:
    return datetime.now(timezone.utc).strftime(OBP_DATE_FORMAT)


# --- attributes ----------------------------------------------------------------------------------

def create_attribute(bank_id: str, customer_id: str, name: str, attribute_type: str, value: str):
    if attribute_type not in ATTRIBUTE_TYPES:
        raise ApiError(
            "OBP-10001",
            "The `Type` filed can only accept the following field: DOUBLE(12.1234), STRING(TAX_NUMBER), "
            "INTEGER(123) and DATE_WITH_DAY(2012-04-23)",
            status=400,
        )
    customers.customer_at_bank(bank_id, customer_id)
    record = customer_store.new_attribute(customer_id, bank_id, str(uuid.uuid4()), name, attribute_type, value)
    customer_store.add_attribute(record)
    return record


def attributes(caller: Caller, bank_id: str, customer_id: str, page: Page) -> list:
    customers.readable_customer(caller, bank_id, customer_id, ["CanGetCustomerAttributesAtOneBank"], mode="any")
    return customer_store.list_attributes(customer_id, limit=page.limit, offset=page.offset)


# --- addresses -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AddressFields:
    line_1: str
    line_2: str
    line_3: str
    city: str
    county: str
    state: str
    postcode: str
    country_code: str
    tags: tuple[str, ...]
    status: str


def create_address(bank_id: str, customer_id: str, fields: AddressFields):
    customers.customer_at_bank(bank_id, customer_id)
    record = store.new_address(customer_id, str(uuid.uuid4()), insert_date=_now(), **_address_values(fields))
    store.put_new(record)
    return record


def update_address(bank_id: str, customer_id: str, address_id: str, fields: AddressFields):
    customers.customer_at_bank(bank_id, customer_id)
    existing = store.get_address(customer_id, address_id)
    if existing is None:
        raise ApiError("OBP-30310", f"Current CUSTOMER_ADDRESS_ID({address_id})")
    record = store.new_address(customer_id, address_id, insert_date=existing.insert_date, **_address_values(fields))
    store.replace_address(record, existing)
    return record


def delete_address(bank_id: str, customer_id: str, address_id: str) -> None:
    customers.customer_at_bank(bank_id, customer_id)
    store.delete_address(customer_id, address_id)


def addresses(caller: Caller, bank_id: str, customer_id: str, page: Page) -> list:
    customers.readable_customer(caller, bank_id, customer_id, ["CanGetCustomerAddress"])
    return store.list_addresses(customer_id, limit=page.limit, offset=page.offset)


def _address_values(fields: AddressFields) -> dict:
    return {
        "line_1": fields.line_1, "line_2": fields.line_2, "line_3": fields.line_3, "city": fields.city,
        "county": fields.county, "state": fields.state, "postcode": fields.postcode,
        "country_code": fields.country_code, "tags": list(fields.tags), "status": fields.status,
    }


# --- tax residences ------------------------------------------------------------------------------

def create_tax_residence(bank_id: str, customer_id: str, domain: str, tax_number: str):
    customers.customer_at_bank(bank_id, customer_id)
    record = store.new_tax_residence(customer_id, str(uuid.uuid4()), domain, tax_number)
    store.put_new(record)
    return record


def tax_residences(caller: Caller, bank_id: str, customer_id: str, page: Page) -> list:
    customers.readable_customer(caller, bank_id, customer_id, ["CanGetTaxResidence"])
    return store.list_tax_residences(customer_id, limit=page.limit, offset=page.offset)


def delete_tax_residence(bank_id: str, customer_id: str, tax_residence_id: str) -> None:
    customers.customer_at_bank(bank_id, customer_id)
    store.delete_tax_residence(customer_id, tax_residence_id)


# --- social media handles ------------------------------------------------------------------------

def add_social_media_handle(bank_id: str, customer_id: str, handle_type: str, handle: str, date_added: str,
                            date_activated: str) -> None:
    """Stored against the customer of the path (OBP keys it by the body's customer_number, which
    could name another bank's customer)."""
    customer = customers.customer_at_bank(bank_id, customer_id)
    store.put_new(store.new_social_media_handle(
        customer_id, str(uuid.uuid4()), customer_number=customer.customer_number, handle_type=handle_type,
        handle=handle, date_added=date_added, date_activated=date_activated,
    ))


def social_media_handles(caller: Caller, bank_id: str, customer_id: str, page: Page) -> list:
    customers.readable_customer(caller, bank_id, customer_id, ["CanGetSocialMediaHandles"])
    return store.list_social_media_handles(customer_id, limit=page.limit, offset=page.offset)


# --- CRM events ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CrmEventFields:
    customer_id: str
    category: str
    detail: str
    channel: str
    scheduled_date: str
    actual_date: str | None
    result: str


def create_crm_event(bank_id: str, fields: CrmEventFields):
    customer = customers.customer_at_bank(bank_id, fields.customer_id)
    record = store.new_crm_event(
        customer.customer_id, str(uuid.uuid4()), bank_id, fields.scheduled_date,
        customer_name=customer.legal_name, customer_number=customer.customer_number, category=fields.category,
        detail=fields.detail, channel=fields.channel, actual_date=fields.actual_date, result=fields.result,
    )
    store.put_new(record)
    return record


def crm_events(caller: Caller, bank_id: str, page: Page) -> list:
    """getCrmEvents: a bank's events by scheduled date (then as recorded). They name customers, so
    a caller without a list role sees only the events of the customers it is linked to, read
    within a budget (400 OBP-39100 beyond: such a caller needs the list role). An empty answer is
    OBP's 404 "No CRM Events available.", a text without an OBP code that OBP
    (display_internal_errors=false) shows as OBP-50005."""
    if caller.has_any_role(customers.LIST_ROLES, bank_id):
        events = store.list_bank_crm_events(bank_id, limit=page.limit, offset=page.offset)
    else:
        links = customer_store.list_user_customer_links(caller.own_records_user_id, bank_id,
                                                        limit=customers.OWN_BUDGET + 1)
        budget = positions.READ_BUDGET - len(links)
        own: list = []
        for link in links[:customers.OWN_BUDGET]:
            own += store.list_customer_crm_events(link.customer_id, limit=budget - len(own) + 1)
            if len(own) > budget:
                break
        if len(links) > customers.OWN_BUDGET or len(own) > budget:
            raise paging.too_broad(f"The events of the caller's own customers exceed what one request reads; "
                                   f"use an account holding {' or '.join(customers.LIST_ROLES)}.")
        own.sort(key=lambda e: e.gsi1sk)  # the bank list's order: scheduled date, then as recorded
        events = own[page.offset:page.offset + page.limit]
    if not events:
        raise ApiError("OBP-50005", status=404)
    return events
