"""Customers: creation in OBP's per-version forms, lookups (by id, by number, the caller's own),
user-customer links, the overview and the phone search.

The object-level rule every customer endpoint follows: a caller holding the endpoint's role at the
bank may reach any of that bank's customers; a caller without it reaches only customers it is
linked to (the answer is the same role error whether or not another customer exists). A customer of
another bank is never found through a bank's paths.
"""
from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.errors import ApiError
from chalicelib.dates import OBP_DATE_FORMAT
from chalicelib.services import banks
from chalicelib.services import paging
from chalicelib.services.access import Caller, missing_roles_error, require_all_roles, require_any_role
from chalicelib.services.paging import Page
from chalicelib.store import customers as store
from chalicelib.store import positions
from chalicelib.store import users as user_store

CREATE_ROLES = ["CanCreateCustomer", "CanCreateCustomerAtAnyBank"]
LINK_ROLES = ["CanCreateUserCustomerLinkAtAnyBank", "CanCreateUserCustomerLink"]
# Listing or searching a bank's customers beyond one's own.
LIST_ROLES = ["CanGetCustomers", "CanGetCustomersAtAnyBank"]
# Values that become part of a DynamoDB key are bounded (keys are limited to 1-2 KB).
MAX_KEY_TEXT = 255
# Phone numbers one search may examine, whatever the bank's size (README "Lists and pages").
PHONE_SEARCH_BUDGET = positions.READ_BUDGET
# A caller without a list role reaches its own customers; more links than this at one bank is not a person.
OWN_BUDGET = 100
_GENERATED_NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class CustomerFields:
    """A customer's data as the create bodies carry it; dates in OBP's format, None when absent."""

    legal_name: str
    mobile_phone_number: str
    email: str = ""
    face_image_url: str = ""
    face_image_date: str | None = None
    date_of_birth: str | None = None
    relationship_status: str = ""
    dependants: int = 0
    dob_of_dependants: tuple[str, ...] = ()
    credit_rating: dict | None = None
    credit_limit: dict | None = None
    highest_education_attained: str = ""
    employment_status: str = ""
    kyc_status: bool = False
    last_ok_date: str | None = None
    title: str = ""
    branch_id: str = ""
    name_suffix: str = ""


# --- finding customers ---------------------------------------------------------------------------

def customer_not_found(customer_id: str) -> ApiError:
    # OBP appends ". Current CustomerId(x)" to a text ending in a dot, hence the double dot.
    return ApiError("OBP-30046", f". Current CustomerId({customer_id})", status=404)


def customer_at_bank(bank_id: str, customer_id: str):
    """The customer, if it belongs to the bank; 404 OBP-30046 otherwise (also for another bank's)."""
    customer = store.get_customer(customer_id)
    if customer is None or customer.bank_id != bank_id:
        raise customer_not_found(customer_id)
    return customer


def require_bank_role(caller: Caller, bank_id: str, roles: list[str], *, mode: str = "single"):
    """OBP's common prologue: the bank (30111 / 404 30001), then one of the roles at it (403)."""
    bank = banks.require_bank(bank_id)
    require_any_role(caller, roles, bank_id, mode=mode)
    return bank


def authorize_customer_read(caller: Caller, bank_id: str, customer_id: str, roles: list[str], *,
                            mode: str = "single") -> None:
    """Holders of one of `roles` read any customer of the bank; others only a customer they are
    linked to, else the role error."""
    if caller.has_any_role(roles, bank_id):
        return
    if store.get_user_customer_link(caller.own_records_user_id, bank_id, customer_id) is None:
        raise missing_roles_error(roles, bank_id, mode=mode)


def readable_customer(caller: Caller, bank_id: str, customer_id: str, roles: list[str], *, mode: str = "single"):
    authorize_customer_read(caller, bank_id, customer_id, roles, mode=mode)
    return customer_at_bank(bank_id, customer_id)


def readable_customer_anywhere(caller: Caller, customer_id: str, system_role: str):
    """For paths without BANK_ID (the KYC reads): the system role reaches every customer, anyone
    else only a customer they are linked to."""
    customer = store.get_customer(customer_id)
    if caller.has_role(system_role):
        if customer is None:
            raise customer_not_found(customer_id)
        return customer
    if customer is None or store.get_user_customer_link(caller.own_records_user_id, customer.bank_id, customer_id) is None:
        raise missing_roles_error([system_role], mode="single")
    return customer


def customer_view(caller: Caller, bank_id: str, customer_id: str, roles: list[str], *, mode: str = "single"):
    """The customer with its attributes (and linked accounts): getCustomerByCustomerId."""
    authorize_customer_read(caller, bank_id, customer_id, roles, mode=mode)
    view = store.load_customer_view(customer_id)
    if view.customer is None or view.customer.bank_id != bank_id:
        raise customer_not_found(customer_id)
    return view


def customer_view_by_number(caller: Caller, bank_id: str, customer_number: str, roles: list[str], *,
                            mode: str = "single"):
    """getCustomerByCustomerNumber and the overviews: a number lookup then one Query of the
    customer's partition, whatever the number of attributes or accounts (plus one link read for a
    caller without the role)."""
    customer_id = store.customer_id_by_number(bank_id, customer_number)
    if not caller.has_any_role(roles, bank_id):
        if customer_id is None or store.get_user_customer_link(caller.own_records_user_id, bank_id, customer_id) is None:
            raise missing_roles_error(roles, bank_id, mode=mode)
    view = store.load_customer_view(customer_id) if customer_id else None
    if view is None or view.customer is None or view.customer.bank_id != bank_id:
        raise ApiError("OBP-30002", status=404)
    return view


def my_customer_at_bank(caller: Caller, bank_id: str):
    """GET /banks/BANK_ID/customer: the customer the caller is linked to at the bank (the first,
    when OBP's later link endpoints made several); 400 OBP-30008 when there is none."""
    links = store.list_user_customer_links(caller.own_records_user_id, bank_id, limit=1)
    customer = store.get_customer(links[0].customer_id) if links else None
    if customer is None:
        raise ApiError("OBP-30008")
    return customer


def my_customers(caller: Caller, page: Page) -> list:
    """GET /users/current/customers: the caller's customers at every bank, with their attributes,
    in the order they were linked to the caller (a page of the user's links, then one Query per
    customer: the round trips follow the limit, never the offset)."""
    links = store.page_user_customer_links(caller.own_records_user_id, limit=page.limit, offset=page.offset,
                                           descending=page.descending)
    views = [store.load_customer_view(link.customer_id) for link in links]
    return [v for v in views if v.customer is not None]


def bank_customers(caller: Caller, bank_id: str, page: Page) -> list:
    """getCustomersAtOneBank: every customer with CanGetCustomers (or at any bank), oldest first
    (sort_direction=DESC: newest first); else the caller's own, in the order they were linked to
    the caller (400 OBP-30008 when it has none). A page reads the list's head, at most one Query
    of counters and the page itself, whatever the offset (store/positions.py)."""
    if caller.has_any_role(LIST_ROLES, bank_id):
        return store.list_bank_customers(bank_id, limit=page.limit, offset=page.offset, descending=page.descending)
    user_id = caller.own_records_user_id
    head = store.user_links_head(user_id, bank_id)
    if not head.live:
        raise ApiError("OBP-30008")
    links = store.page_user_customer_links(user_id, bank_id, limit=page.limit, offset=page.offset,
                                           descending=page.descending, head=head)
    return store.get_customers([link.customer_id for link in links])


def own_customers_at_bank(caller: Caller, bank_id: str, budget: int = OWN_BUDGET) -> list:
    """Every customer the caller is linked to at the bank (400 OBP-30008 when none), read within
    `budget` links (ApiError OBP-39100 beyond: such a caller needs the bank's list role)."""
    user_id = caller.own_records_user_id
    links = store.list_user_customer_links(user_id, bank_id, limit=budget + 1)
    if not links:
        raise ApiError("OBP-30008")
    if len(links) > budget:
        raise paging.too_broad(f"The caller is linked to more than {budget} customers at this bank; "
                               f"use an account holding {' or '.join(LIST_ROLES)}.")
    return store.get_customers([link.customer_id for link in links])


# --- phone search --------------------------------------------------------------------------------

def like_pattern(pattern: str) -> tuple[str, str, re.Pattern]:
    """SQL LIKE: `%` any run of characters, `_` exactly one, everything else literal. Returns the
    literal prefix and the literal suffix (what an index can seek to; the suffix is empty when the
    pattern has no wildcard) and the full-match regex."""
    wildcards = [i for i, ch in enumerate(pattern) if ch in "%_"]
    prefix = pattern[:wildcards[0]] if wildcards else pattern
    suffix = pattern[wildcards[-1] + 1:] if wildcards else ""
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return prefix, suffix, re.compile(regex, re.DOTALL)


def search_by_phone(caller: Caller, bank_id: str, pattern: str, page: Page) -> list:
    """getCustomersByCustomerPhoneNumber, matches in number order. With a list role the bank's
    phone index is read from the pattern's longer literal end: its literal prefix (the matching
    entries in number order, the bank's entries when it starts with a wildcard) or, when the
    literal suffix is longer, the reversed-number index under that suffix (every match, sorted).
    Without a list role only the caller's own customers are considered. Either way a request
    examines at most PHONE_SEARCH_BUDGET numbers: a pattern that needs more is 400 OBP-39100,
    asking for a longer literal prefix or suffix."""
    prefix, suffix, regex = like_pattern(pattern)

    def matches(number: str) -> bool:
        return regex.fullmatch(number) is not None

    if not caller.has_any_role(LIST_ROLES, bank_id):
        own = sorted((c for c in own_customers_at_bank(caller, bank_id) if matches(c.mobile_phone_number)),
                     key=lambda c: (c.mobile_phone_number, c.customer_id))
        return own[page.offset:page.offset + page.limit]
    try:
        if len(suffix) > len(prefix):
            found = [c for c in store.customers_by_phone_suffix(bank_id, suffix, budget=PHONE_SEARCH_BUDGET)
                     if matches(c.mobile_phone_number)]
            found.sort(key=lambda c: (c.mobile_phone_number, c.customer_id))
            return found[page.offset:page.offset + page.limit]
        seek = prefix + "#" if prefix == pattern else prefix  # no wildcard: exactly this number
        return store.customers_by_phone_prefix(bank_id, seek, matches, offset=page.offset, limit=page.limit,
                                               budget=PHONE_SEARCH_BUDGET)
    except positions.TooBroad:
        raise paging.too_broad(
            f"The mobile_phone_number pattern matches too broadly: a search examines at most "
            f"{PHONE_SEARCH_BUDGET} numbers. Give it a longer literal prefix (before the first % or _) or "
            f"suffix (after the last), or a smaller offset.") from None


# --- creating customers --------------------------------------------------------------------------

def _check_customer_number(customer_number: str) -> None:
    if "::::" in customer_number:
        raise ApiError("OBP-10001", "customer_number can not contain `::::` characters", status=400)
    if not customer_number.strip() or len(customer_number) > MAX_KEY_TEXT:
        raise ApiError("OBP-10001", f"customer_number must be 1 to {MAX_KEY_TEXT} characters.", status=400)


def _check_fields(fields: CustomerFields) -> None:
    if len(fields.mobile_phone_number) > MAX_KEY_TEXT:
        raise ApiError("OBP-10001", f"mobile_phone_number must be at most {MAX_KEY_TEXT} characters.", status=400)


def _check_dependants(fields: CustomerFields) -> None:
    if fields.dependants != len(fields.dob_of_dependants):
        raise ApiError(
            "OBP-10020",
            f"The field dependants({fields.dependants}) not equal the length({len(fields.dob_of_dependants)}) "
            "of dob_of_dependants array",
            status=400,
        )


def _record(bank_id: str, customer_number: str, fields: CustomerFields):
    return store.new_customer_record(
        customer_id=str(uuid.uuid4()), bank_id=bank_id, customer_number=customer_number,
        legal_name=fields.legal_name, mobile_phone_number=fields.mobile_phone_number, email=fields.email,
        face_image_url=fields.face_image_url, face_image_date=fields.face_image_date,
        date_of_birth=fields.date_of_birth, relationship_status=fields.relationship_status,
        dependants=fields.dependants, dob_of_dependants=list(fields.dob_of_dependants),
        credit_rating=fields.credit_rating, credit_limit=fields.credit_limit,
        highest_education_attained=fields.highest_education_attained, employment_status=fields.employment_status,
        kyc_status=fields.kyc_status, last_ok_date=fields.last_ok_date, title=fields.title,
        branch_id=fields.branch_id, name_suffix=fields.name_suffix,
    )


def _today() -> str:
    return datetime.now(timezone.utc).strftime(OBP_DATE_FORMAT)


def _create_linked(caller: Caller, bank_id: str, fields: CustomerFields, customer_number: str, user_id: str):
    """createCustomer v2.0.0 / v2.1.0: the customer and its link to the user (the caller when
    user_id is empty), with OBP's checks in OBP's order. The number and the one-customer-per-user
    rule are decided by the transaction's guards; the reads before it only pick the error."""
    _check_customer_number(customer_number)
    _check_fields(fields)
    if store.customer_number_taken(bank_id, customer_number):
        raise ApiError("OBP-30006")
    user_id = user_id or caller.user_id
    if user_store.get_user(user_id) is None:
        raise ApiError("OBP-20005", f"Current USER_ID({user_id})", status=404)
    if store.user_has_customer_at_bank(user_id, bank_id):
        raise ApiError("OBP-30007")
    record = _record(bank_id, customer_number, fields)
    link = store.new_user_customer_link(str(uuid.uuid4()), user_id, record.customer_id, bank_id, _today())
    store.create_customer(record, link)
    return record


def create_customer_v200(caller: Caller, bank_id: str, fields: CustomerFields, customer_number: str, user_id: str):
    require_all_roles(caller, ["CanCreateCustomer", "CanCreateUserCustomerLink"], bank_id)
    return _create_linked(caller, bank_id, fields, customer_number, user_id)


def create_customer_v210(caller: Caller, bank_id: str, fields: CustomerFields, customer_number: str, user_id: str):
    at_bank = all(caller.has_role(r, bank_id) for r in ("CanCreateCustomer", "CanCreateUserCustomerLink"))
    anywhere = all(caller.has_role(r) for r in ("CanCreateCustomerAtAnyBank", "CanCreateUserCustomerLinkAtAnyBank"))
    if not (at_bank or anywhere):
        raise ApiError("OBP-20006", "CanCreateCustomer and CanCreateUserCustomerLink OR "
                                    "CanCreateCustomerAtAnyBank and CanCreateUserCustomerLinkAtAnyBank")
    return _create_linked(caller, bank_id, fields, customer_number, user_id)


def require_create_role(caller: Caller, bank_id: str) -> None:
    """createCustomer v3.1.0 and later: CanCreateCustomer at the bank or CanCreateCustomerAtAnyBank."""
    require_any_role(caller, CREATE_ROLES, bank_id)


def create_customer(bank_id: str, fields: CustomerFields, customer_number: str | None = None):
    """createCustomer v3.1.0 / v4.0.0 / v5.0.0 (roles checked by the caller of this function): no
    user link; the number is the client's (v5.0.0) or a random one, unique at the bank."""
    _check_dependants(fields)
    _check_fields(fields)
    if customer_number is not None:
        _check_customer_number(customer_number)
        if store.customer_number_taken(bank_id, customer_number):
            raise ApiError("OBP-30006")
        record = _record(bank_id, customer_number, fields)
        store.create_customer(record)
        return record
    attempts_left = _GENERATED_NUMBER_ATTEMPTS
    while True:
        record = _record(bank_id, str(secrets.randbelow(2**31 - 1)), fields)  # OBP: a random Int
        try:
            store.create_customer(record)
            return record
        except ApiError as err:  # a random number already in use: draw again
            attempts_left -= 1
            if err.code != "OBP-30006" or not attempts_left:
                raise


# --- user-customer links -------------------------------------------------------------------------

def require_link_role(caller: Caller, bank_id: str) -> None:
    require_any_role(caller, LINK_ROLES, bank_id)


def link_user_to_customer(bank_id: str, user_id: str, customer_id: str):
    """createUserCustomerLinks after the role check: the user, the customer at this bank, one link
    per user and customer (OBP-30007)."""
    if user_store.get_user(user_id) is None:
        raise ApiError("OBP-20057", f"Current UserId({user_id})", status=404)
    if not customer_id:
        raise ApiError("OBP-10001", "Field customer_id is not defined in the posted json!", status=400)
    customer_at_bank(bank_id, customer_id)
    if store.get_user_customer_link(user_id, bank_id, customer_id) is not None:
        raise ApiError("OBP-30007")
    link = store.new_user_customer_link(str(uuid.uuid4()), user_id, customer_id, bank_id, _today())
    store.create_user_customer_link(link)
    return link
