"""Customers of a profile (seed 003): list (paged, newest first), create, get, update, delete.

Every change emits an event for the profile's webhooks: `customer.created`, `customer.updated`,
`customer.deleted`, scope PROFILE#<profile_id>, body {"type", "id", "profile_id"} (a thin
notification: the receiver GETs the customer). The event is staged in the outbox in the same
transaction as the change and handed to SQS after it commits.
"""
from __future__ import annotations

from typing import Callable

from chalicelib import outbox
from chalicelib.services import webhooks
from chalicelib.services.enterprise import profiles
from chalicelib.services.enterprise.common import Page, check_paging, commit
from chalicelib.services.enterprise.errors import not_found
from chalicelib.services.enterprise.oauth import Partner
from chalicelib.store.enterprise import customers as store

CREATED, UPDATED, DELETED = "customer.created", "customer.updated", "customer.deleted"
EVENTS = (CREATED, UPDATED, DELETED)


def event(event_type: str, customer) -> outbox.Message:
    body = {"type": event_type, "id": customer.customer_id, "profile_id": customer.profile_id}
    return webhooks.event_message(event_type, [webhooks.profile_scope(customer.profile_id)], body)


def _change(event_type: str, read: Callable, write: Callable, also: Callable | None = None):
    """Read the customer (`read()`), write the change (`write(customer, stage)`) with its event
    (and `also(tx, customer)`) staged in the same transaction, retry on a race, and hand the event
    to SQS once it has committed. Returns the customer as written."""
    def attempt():
        customer = read()
        msg = event(event_type, customer)

        def stage(tx):
            outbox.stage(tx, msg)
            if also is not None:
                also(tx, customer)

        return write(customer, stage), (customer, msg)

    customer, msg = commit(attempt)
    outbox.dispatch(msg)
    return customer


def list_customers(partner: Partner, profile_id: str, page: int, size: int) -> Page:
    check_paging(page, size)
    profile = profiles.get_profile(partner, profile_id)
    return Page(page, size, int(profile.customer_count), store.page(profile, page * size, size))


def create_customer(partner: Partner, profile_id: str, fields: dict, also: Callable | None = None):
    """`also(tx, customer)` adds writes that commit with the customer (an idempotency record)."""
    def read():
        profile = profiles.get_profile(partner, profile_id)
        return store.new_customer(profile, int(profile.customer_seq) + 1, **fields)

    return _change(CREATED, read, store.create_customer, also)


def get_customer(partner: Partner, profile_id: str, customer_id: str):
    customer = store.get_customer(profile_id, customer_id)
    if customer is None or customer.client_id != partner.client_id:
        raise not_found()
    return customer


def update_customer(partner: Partner, profile_id: str, customer_id: str, changes: dict):
    """Sets the fields in `changes` (None clears one; an address replaces the whole address)."""
    return _change(UPDATED, lambda: get_customer(partner, profile_id, customer_id),
                   lambda customer, stage: store.update_customer(customer, changes, stage))


def delete_customer(partner: Partner, profile_id: str, customer_id: str):
    """Returns the customer as it was."""
    return _change(DELETED, lambda: get_customer(partner, profile_id, customer_id), store.delete_customer)
