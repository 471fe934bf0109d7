"""The page index: pages stay exact across deletions, counts come from counters kept in the
create/delete transaction, and a page costs a bounded number of reads whatever the profile's size.

The counting tree runs with a tiny fan-out (2 numbers per level-1 node, 2 children per node above:
nodes of 2, 4 and 8 numbers) so that a few dozen customers use every level. Bulk set-up goes
through the service layer (the HTTP routes are covered in test_customers.py)."""
from __future__ import annotations

import random

import pytest

from chalicelib.services.enterprise import customers
from chalicelib.services.enterprise.oauth import Partner
from chalicelib.store.enterprise import customers as customer_store
from chalicelib.store.enterprise import page_index
from tests.api.enterprise.conftest import new_profile

TINY = (2, 2, 2)


@pytest.fixture
def tiny_tree(monkeypatch):
    monkeypatch.setattr(page_index, "FANOUT", TINY)


@pytest.fixture
def shop(ent):
    """(partner, profile_id, client): a partner with one profile."""
    partner = ent.register()
    client = ent.client(partner)
    return Partner(partner.client_id, partner.kid), new_profile(client), client


def _create(who, profile_id, n) -> list[str]:
    return [customers.create_customer(who, profile_id, {"first_name": f"N{i}"}).customer_id for i in range(n)]


def _all_pages(who, profile_id, size) -> tuple[list[str], set[tuple[int, int]]]:
    seen, shapes = [], set()
    page = 0
    while True:
        result = customers.list_customers(who, profile_id, page, size)
        shapes.add((result.count, result.pages))
        if not result.items:
            return seen, shapes
        seen += [c.customer_id for c in result.items]
        page += 1


def test_pages_stay_exact_as_customers_come_and_go(shop, tiny_tree):
    who, profile_id, _ = shop
    live = _create(who, profile_id, 14)  # numbers 1..14: two level-3 nodes of 8
    rng = random.Random(7)
    for _ in range(2):
        for victim in rng.sample(live, 4):
            customers.delete_customer(who, profile_id, victim)
            live.remove(victim)
        live += _create(who, profile_id, 2)
        for size in (1, 3, 4):
            seen, shapes = _all_pages(who, profile_id, size)
            assert seen == live[::-1], size
            assert shapes == {(len(live), -(-len(live) // size))}
    for victim in list(live):  # down to nothing, and up again
        customers.delete_customer(who, profile_id, victim)
    assert _all_pages(who, profile_id, 3) == ([], {(0, 0)})
    again = _create(who, profile_id, 3)
    assert _all_pages(who, profile_id, 2)[0] == again[::-1]


def test_counters_are_written_in_the_transaction_of_the_change(shop, tiny_tree, dynamo_calls):
    who, profile_id, _ = shop
    ids = _create(who, profile_id, 9)
    for change in (lambda: customers.delete_customer(who, profile_id, ids[8]), lambda: _create(who, profile_id, 1)):
        dynamo_calls.reset()
        change()
        [tx] = [params for op, params in dynamo_calls.calls if op == "TransactWriteItems"]
        keys = [(a.get("Key") or a["Item"]) for action in tx["TransactItems"] for a in action.values()]
        written = {(k["pk"]["S"].split("#")[0], k["sk"]["S"]) for k in keys}
        # customer number 9 (or 10): level-1 node 4, level-2 node 2, level-3 node 1 (of 2, 4, 8 numbers)
        counters = {sk for _, sk in written if sk.startswith("CCOUNT#")}
        assert counters in ({"CCOUNT#1#000000000004", "CCOUNT#2#000000000002", "CCOUNT#3#000000000001"},)
        assert ("PROFILE", "PROFILE") in written and any(sk.startswith("CUSTOMER#") for _, sk in written)
        assert any(pk == "OUTBOX" for pk, _ in written)  # the webhook event commits with it
    assert customers.list_customers(who, profile_id, 0, 20).count == 9


def test_a_page_costs_a_bounded_number_of_reads(shop, tiny_tree, dynamo_calls):
    who, profile_id, client = shop
    ids = _create(who, profile_id, 20)  # numbers 1..20: three level-3 nodes of 8
    gone = set(ids[3:18:3])
    for victim in gone:
        customers.delete_customer(who, profile_id, victim)
    newest_first = [i for i in ids if i not in gone][::-1]
    size = 3
    for page in (0, 2, 3, 4):
        dynamo_calls.reset()
        r = client.get(f"/v1/profiles/{profile_id}/customers?page={page}&size={size}")
        assert r.status == 200 and r.body["count"] == len(newest_first)
        assert [c["id"] for c in r.body["data"]] == newest_first[page * size:(page + 1) * size]
        queries = [params for op, params in dynamo_calls.calls if op == "Query"]
        # token + key (one batch), profile; at most one counter Query per level; one customer Query
        assert dynamo_calls.count() <= 2 + 3 + 1 and len(queries) <= 4, page
        assert queries[-1]["Limit"] <= (TINY[0] - 1) + size  # it never reads the pages before
        assert all("Limit" not in q for q in queries[:-1])  # counter Queries: at most a fan-out each
        assert dynamo_calls.operations()[:2] == ["BatchGetItem", "GetItem"]


def test_a_profile_that_never_lost_a_customer_needs_no_counter_read(shop, dynamo_calls):
    who, profile_id, client = shop
    ids = _create(who, profile_id, 12)
    dynamo_calls.reset()
    r = client.get(f"/v1/profiles/{profile_id}/customers?page=2&size=5")
    assert [c["id"] for c in r.body["data"]] == ids[::-1][10:]
    assert dynamo_calls.operations() == ["BatchGetItem", "GetItem", "Query"]  # token + key, profile, customers


def test_a_create_that_loses_the_race_for_a_number_takes_the_next(shop, monkeypatch):
    """Two creates read the same last number: the one that commits second is refused by the
    profile's condition, reads again and takes the next number."""
    who, profile_id, _ = shop
    real = customer_store.create_customer
    raced = []

    def racing(customer, also=None):
        if not raced:  # between our read of the profile and our transaction, a rival commits
            raced.append(None)
            raced[0] = customers.create_customer(who, profile_id, {"first_name": "rival"})
        return real(customer, also)

    monkeypatch.setattr(customer_store, "create_customer", racing)
    mine = customers.create_customer(who, profile_id, {"first_name": "mine"})
    assert (int(raced[0].seq), int(mine.seq)) == (1, 2)
    result = customers.list_customers(who, profile_id, 0, 10)
    assert result.count == 2 and [c.first_name for c in result.items] == ["mine", "rival"]
