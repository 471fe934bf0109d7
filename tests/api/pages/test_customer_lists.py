"""Every customer list at 10,000 records costs the same at any offset: the list's head, at most one
Query of counters, and the page (round trips and items read counted on the botocore calls). The
records are written through the store in batches (positions.bulk_append numbers them), not
through 10,000 requests; one table serves the whole module."""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store import customer_data as data_store
from chalicelib.store import customers as store
from chalicelib.store import positions
from tests.api.pages.conftest import LIMIT, SIZE, caller_cost, caller_round_trips, cost, service, session
from tests.support import Api, AuthedApi


@dataclass
class Bank:
    api: Api
    bank_id: str
    staff: AuthedApi  # CanGetCustomers and the address roles at the bank
    owner: AuthedApi  # no role; linked to every customer of the bank
    customers: list[str]  # ids, in the order created
    phones: dict[str, str]  # customer id -> mobile phone number
    events: list[str]  # CRM event ids by scheduled date, then as recorded
    address_customer: str  # a customer with SIZE addresses
    addresses: list[str]  # its address ids, in the order added


def phone(i: int) -> str:
    return f"+44 7{i:09d}"


def _load_customers(bank_id: str) -> tuple[list[str], dict[str, str]]:
    ids, phones = [], {}
    with store.CustomerRecord.batch_write() as batch:
        for i, number in enumerate(positions.bulk_append(store.bank_customers(bank_id), SIZE)):
            record = store.new_customer_record(customer_id=str(uuid.uuid4()), bank_id=bank_id, customer_number=str(i),
                                               legal_name=f"Customer {i}", mobile_phone_number=phone(i))
            store.number_customer(record, number)
            batch.save(record)
            ids.append(record.customer_id)
            phones[record.customer_id] = record.mobile_phone_number
    return ids, phones


def _link_all(user_id: str, bank_id: str, customer_ids: list[str]) -> None:
    everywhere, here = store.user_links(user_id), store.user_links(user_id, bank_id)
    numbers = zip(positions.bulk_append(everywhere, len(customer_ids)), positions.bulk_append(here, len(customer_ids)))
    with store.UserCustomerLinkRecord.batch_write() as batch:
        for customer_id, (first, second) in zip(customer_ids, numbers):
            link = store.new_user_customer_link(str(uuid.uuid4()), user_id, customer_id, bank_id, "2024-01-01T00:00:00Z")
            store.number_link(link, {everywhere.name: first, here.name: second})
            batch.save(link)


def _load_events(bank_id: str, customer_ids: list[str]) -> list[str]:
    rng = random.Random(5)
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    when = [start + timedelta(seconds=rng.randrange(2 * 365 * 86400)) for _ in range(SIZE)]
    when[7:20] = [when[6]] * 13  # several events scheduled for the same second
    lst = data_store.bank_crm_events(bank_id)
    made = []
    with data_store.CrmEventRecord.batch_write() as batch:
        for i, (moment, number) in enumerate(zip(when, positions.bulk_append_dated(lst, when))):
            event = data_store.new_crm_event(customer_ids[i], str(uuid.uuid4()), bank_id,
                                             moment.strftime("%Y-%m-%dT%H:%M:%SZ"), customer_name=f"Customer {i}",
                                             customer_number=str(i), category="Call", channel="Phone")
            event.gsi1pk, event.gsi1sk = lst.name, lst.key(number)
            batch.save(event)
            made.append((number, event.crm_event_id))
    return [event_id for _, event_id in sorted(made)]


def _load_addresses(customer_id: str) -> list[str]:
    lst = positions.NumberedList(f"CUSTADDRS#{customer_id}")
    ids = []
    with data_store.CustomerAddressRecord.batch_write() as batch:
        for number in positions.bulk_append(lst, SIZE):
            address = data_store.new_address(customer_id, str(uuid.uuid4()), insert_date="2020-01-27T00:00:00Z",
                                             line_1=f"{number} Main Street", city="Berlin")
            address.gsi1pk, address.gsi1sk = lst.name, lst.key(number)
            batch.save(address)
            ids.append(address.customer_address_id)
    return ids


@pytest.fixture(scope="module")
def bank():
    with service() as (api, admin):
        bank_id = admin.create_bank(f"pages-{uuid.uuid4().hex[:6]}")
        staff = session(api, [(role, bank_id) for role in ("CanGetCustomers", "CanGetCustomerAddress",
                                                           "CanDeleteCustomerAddress", "CanCreateCustomer")])
        owner = session(api, [])
        customers, phones = _load_customers(bank_id)
        _link_all(owner.user_id, bank_id, customers)
        events = _load_events(bank_id, customers)
        addresses = _load_addresses(customers[0])
        yield Bank(api, bank_id, staff, owner, customers, phones, events, customers[0], addresses)


def _ids(response, key: str, field: str) -> list[str]:
    assert response.status in (200, 201), response.body
    return [item[field] for item in response.body[key]]


@pytest.mark.parametrize("descending", [False, True])
def test_a_banks_customers_cost_the_same_at_offset_0_and_9950(bank, dynamo_calls, descending):
    auth, caller = caller_cost(dynamo_calls, bank.staff), caller_round_trips(dynamo_calls, bank.staff)
    ordered = bank.customers[::-1] if descending else bank.customers
    query = "&sort_direction=DESC" if descending else ""
    for offset in (0, 5000, SIZE - LIMIT):
        found = cost(dynamo_calls, lambda: bank.staff.get(
            f"/obp/v5.0.0/banks/{bank.bank_id}/customers?limit={LIMIT}&offset={offset}{query}"))
        assert _ids(found.response, "customers", "customer_id") == ordered[offset:offset + LIMIT]
        # the caller (token, user with roles) and the bank together, the list's head, the page: no
        # counter is read while no customer was ever removed (the first page needs no head either)
        assert found.after == ([] if offset == 0 else ["GetItem"]) + ["Query"]
        assert found.round_trips == caller + (1 if offset else 0) + 1
        assert found.items <= auth + 1 + 1 + LIMIT


def test_without_the_list_role_the_callers_own_customers_are_paged_the_same_way(bank, dynamo_calls):
    auth = caller_cost(dynamo_calls, bank.owner)
    found = cost(dynamo_calls, lambda: bank.owner.get(
        f"/obp/v5.0.0/banks/{bank.bank_id}/customers?limit={LIMIT}&offset={SIZE - LIMIT}"))
    assert _ids(found.response, "customers", "customer_id") == bank.customers[-LIMIT:]
    # the bank (with the caller), the head of the caller's links at the bank, a page of links, their customers
    assert found.after == ["GetItem", "Query", "BatchGetItem"]
    assert found.items <= auth + 1 + 1 + 2 * LIMIT


def test_my_customers_cost_the_page_whatever_the_offset(bank, dynamo_calls):
    auth = caller_cost(dynamo_calls, bank.owner)
    limit = 5
    found = cost(dynamo_calls, lambda: bank.owner.get(f"/obp/v5.1.0/users/current/customers?limit={limit}&offset={SIZE - limit}"))
    assert _ids(found.response, "customers", "customer_id") == bank.customers[-limit:]
    # the head of the caller's links, a page of links, then each customer's partition (its attributes)
    assert found.operations[-(2 + limit):] == ["GetItem", "Query"] + ["Query"] * limit
    assert found.items <= auth + 1 + limit + limit


def test_crm_events_by_scheduled_date_cost_the_same_at_any_offset(bank, dynamo_calls):
    auth = caller_cost(dynamo_calls, bank.staff)
    for offset in (0, SIZE - LIMIT):
        found = cost(dynamo_calls, lambda: bank.staff.get(
            f"/obp/v1.4.0/banks/{bank.bank_id}/crm-events?limit={LIMIT}&offset={offset}"))
        assert _ids(found.response, "crm_events", "id") == bank.events[offset:offset + LIMIT]
        # the bank (with the caller), then one Query of counters per level of the dated list below
        # its root (34-year, 12-day, 17-minute and one-second nodes) and the page itself
        assert set(found.after) == {"Query"} and len(found.after) <= (1 if offset == 0 else 5)
        counters = found.items - auth - 1 - LIMIT
        assert 0 <= counters <= (0 if offset == 0 else 512 + 3 * 1024)


def test_a_customers_addresses_with_gaps_cost_one_query_of_counters_more(bank, dynamo_calls):
    customer = bank.address_customer
    path = f"/obp/v5.1.0/banks/{bank.bank_id}/customers/{customer}/addresses"
    gone = [bank.addresses[i] for i in (3, 4000, 9990, 9991)]
    for address_id in gone:
        assert bank.staff.delete(f"{path}/{address_id}").status == 200
    live = [a for a in bank.addresses if a not in gone]
    auth = caller_cost(dynamo_calls, bank.staff)
    for offset in (1, len(live) - LIMIT):
        found = cost(dynamo_calls, lambda: bank.staff.get(f"{path}?limit={LIMIT}&offset={offset}"))
        assert _ids(found.response, "addresses", "customer_address_id") == live[offset:offset + LIMIT]
        # the bank, the caller's right to the customer (its record), the head, level-1 counters, the page
        assert found.operations[-3:] == ["GetItem", "Query", "Query"]
        level1_nodes = -(-SIZE // positions.FANOUT[0])
        assert found.items <= auth + 3 + level1_nodes + (positions.FANOUT[0] - 1) + LIMIT


# --- the phone search --------------------------------------------------------------------------

def _search(bank: Bank, pattern: str, query: str = "", session: AuthedApi | None = None):
    return (session or bank.staff).post(
        f"/obp/v4.0.0/banks/{bank.bank_id}/search/customers/mobile-phone-number{query}",
        {"mobile_phone_number": pattern})


def test_a_literal_suffix_is_found_through_the_reversed_numbers_reading_only_its_matches(bank, dynamo_calls):
    auth = caller_cost(dynamo_calls, bank.staff)
    wanted = [c for c in bank.customers if bank.phones[c].endswith("09999")]
    found = cost(dynamo_calls, lambda: _search(bank, "%09999"))
    assert _ids(found.response, "customers", "customer_id") == wanted
    assert found.items <= auth + 1 + len(wanted)
    found = cost(dynamo_calls, lambda: _search(bank, "%70000_9999"))  # the literal after the last wildcard
    assert _ids(found.response, "customers", "customer_id") == [bank.customers[9999]]
    assert found.items <= auth + 1 + 1


def test_a_literal_suffix_shared_by_a_thousand_numbers_is_answered_reading_those(bank, dynamo_calls):
    auth = caller_cost(dynamo_calls, bank.staff)
    ending_in_9 = sorted((c for c in bank.customers if bank.phones[c].endswith("9")), key=lambda c: bank.phones[c])
    assert len(ending_in_9) == positions.READ_BUDGET
    found = cost(dynamo_calls, lambda: _search(bank, "%9", f"?limit={LIMIT}&offset=900"))
    assert _ids(found.response, "customers", "customer_id") == ending_in_9[900:900 + LIMIT]
    assert found.items <= auth + 1 + positions.READ_BUDGET


@pytest.mark.parametrize("pattern, query", [
    ("%0123%", ""),  # no literal end, few matches: the bank's numbers in order, within the budget
    ("%", f"?limit={LIMIT}&offset=5000"),  # everything matches, but the offset is past the budget
    ("+44 7%", f"?limit={LIMIT}&offset=9000"),  # a prefix every number shares
])
def test_a_search_that_needs_more_than_the_budget_is_a_clear_400_after_at_most_1000_items(bank, dynamo_calls,
                                                                                         pattern, query):
    auth = caller_cost(dynamo_calls, bank.staff)
    found = cost(dynamo_calls, lambda: _search(bank, pattern, query))
    assert (found.response.status, found.response.code) == (400, "OBP-39100")
    assert "longer literal prefix" in found.response.message
    assert found.items <= auth + 1 + positions.READ_BUDGET


def test_a_leading_wildcard_that_matches_often_fills_its_page_cheaply(bank, dynamo_calls):
    auth = caller_cost(dynamo_calls, bank.staff)
    ordered = sorted(bank.customers, key=lambda c: bank.phones[c])
    found = cost(dynamo_calls, lambda: _search(bank, "%00%", f"?limit={LIMIT}&offset=100"))
    assert _ids(found.response, "customers", "customer_id") == [c for c in ordered if "00" in bank.phones[c]][100:100 + LIMIT]
    assert found.items <= auth + 1 + 100 + LIMIT


def test_the_search_without_a_list_role_reads_the_callers_links_within_a_budget(bank, dynamo_calls):
    auth = caller_cost(dynamo_calls, bank.owner)
    found = cost(dynamo_calls, lambda: _search(bank, "%1234", session=bank.owner))
    assert (found.response.status, found.response.code) == (400, "OBP-39100")
    assert found.items <= auth + 1 + 101
