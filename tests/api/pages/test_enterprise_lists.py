"""The Enterprise API's lists at 10,000 records: a profile's customers (with deletions: one Query
of counters more), a profile's payments (all of them, and one state's: a set with gaps), a
profile's settlements and a partner's profiles cost the same on the last page as on the first; a profile's webhooks are one
bounded page (at most 100). Records are written through the store in batches."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.store import positions
from chalicelib.store.enterprise import customers as customer_store
from chalicelib.store.enterprise import partners as partner_store
from chalicelib.store.enterprise import payments as payment_store
from chalicelib.store.enterprise import profiles as profile_store
from chalicelib.store.enterprise import settlements as settlement_store
from tests.api.enterprise.conftest import Enterprise, new_profile
from tests.api.pages.conftest import SIZE, cost
from tests.enterprise_support import rsa_key
from tests.support import Api, fresh_aws

PAGE = 20
AUTH = ["BatchGetItem", "GetItem"]  # the token and its key together, then the profile or partner (the list's head)


@dataclass
class Partner:
    client: Api
    client_id: str
    profile_id: str  # holds SIZE customers
    customers: list[str]  # newest first
    profiles: list[str]  # newest first, SIZE of them


def _load_customers(profile_id: str) -> list[str]:
    profile = profile_store.get_profile(profile_id)
    ids = []
    with customer_store.CustomerRecord.batch_write() as batch:
        for seq in range(1, SIZE + 1):
            record = customer_store.new_customer(profile, seq, first_name=f"N{seq}")
            batch.save(record)
            ids.append(record.customer_id)
    positions.bulk_count(customer_store.counting_tree(profile_id), range(1, SIZE + 1))
    profile.update(actions=[profile_store.ProfileRecord.customer_seq.set(SIZE),
                            profile_store.ProfileRecord.customer_count.set(SIZE)])
    return ids[::-1]


def _load_profiles(client_id: str, already: int) -> list[str]:
    ids = []
    with profile_store.ProfileRecord.batch_write() as batch:
        for seq in range(already + 1, already + SIZE):
            record = profile_store.new_profile(f"profile_{uuid.uuid4().hex}", client_id, seq, name=f"Shop {seq}")
            batch.save(record)
            ids.append(record.profile_id)
    partner_store.PartnerRecord(pk=partner_store.partner_pk(client_id), sk="PARTNER").update(
        actions=[partner_store.PartnerRecord.profile_count.set(already + SIZE - 1)])
    return ids[::-1]


def _load_payments(profile_id: str) -> dict[str, list[str]]:
    """SIZE payments numbered 1..SIZE, every fourth failed, the others succeeded (states a read
    never changes), their list memberships and counters: payment ids newest first by set."""
    profile = profile_store.get_profile(profile_id)
    created = datetime.now(timezone.utc)
    sets: dict[str, list[int]] = {}
    with payment_store.PaymentRecord.batch_write() as batch:
        for seq in range(1, SIZE + 1):
            payment_id = f"payment_{seq:032x}"
            state = "failed" if seq % 4 == 0 else "succeeded"
            batch.save(payment_store.PaymentRecord(
                pk=payment_store.payment_pk(payment_id), sk="PAYMENT", payment_id=payment_id,
                profile_id=profile_id, client_id=profile.client_id, seq=seq, method="openbanking", state=state,
                amount=seq, currency="EUR", redirect_url="https://shop.example/back", merchant_name=profile.name,
                request_fingerprint="-", created_at=created, expires=created + timedelta(hours=1),
                completed_at=created, clearing_bank_id="bank", clearing_account_id="clearing"))
            for set_name in payment_store.list_sets(None, state):
                sets.setdefault(set_name, []).append(seq)
                batch.save(payment_store.PaymentMember(pk=profile.pk, sk=f"PAYIDX#{set_name}#{profile_store.seq_key(seq)}",
                                                       payment_id=payment_id))
    for set_name, numbers in sets.items():
        positions.bulk_count(payment_store._tree(profile_id, set_name), numbers)
    profile.update(actions=[profile_store.ProfileRecord.payment_seq.set(SIZE)])
    return {name: [f"payment_{seq:032x}" for seq in reversed(numbers)] for name, numbers in sets.items()}


def _load_settlements(profile_id: str) -> list[str]:
    """SIZE paid settlements numbered 1..SIZE as the paying transaction numbers them, and the
    profile's settlement_count: their ids newest first."""
    profile = profile_store.get_profile(profile_id)
    paid = datetime.now(timezone.utc)
    ids = []
    with settlement_store.SettlementRecord.batch_write() as batch:
        for seq in range(1, SIZE + 1):
            settlement_id = f"settlement_{seq:032x}"
            pk, sk = settlement_store.settlement_key(settlement_id)
            batch.save(settlement_store.SettlementRecord(
                pk=pk, sk=sk, **settlement_store.list_fields(profile_id, seq), settlement_id=settlement_id,
                profile_id=profile_id, client_id=profile.client_id, currency="EUR", state=settlement_store.PAID,
                scheduled=paid, opened_at=paid, created_at=paid, fee_schedule="{}", clearing_bank_id="bank",
                clearing_account_id="clearing", fee_account_id="fees", payout_bank_id="bank",
                payout_account_id="payout", payments_count=1, payments_sum=seq, amount=seq, carried_out=0))
            ids.append(settlement_id)
    profile.update(actions=[profile_store.ProfileRecord.settlement_count.set(SIZE)])
    return ids[::-1]


@pytest.fixture(scope="module")
def partner():
    from chalice.test import Client

    from app import app

    with fresh_aws(), Client(app) as client:
        ent = Enterprise(Api(client), None)
        keys = ent.register(rsa_key("pages"), kid="pages-1")
        bearer = ent.client(keys)
        profile_id = new_profile(bearer)
        customers = _load_customers(profile_id)
        profiles = _load_profiles(keys.client_id, already=1) + [profile_id]
        yield Partner(bearer, keys.client_id, profile_id, customers, profiles)


def test_a_profiles_customers_cost_the_same_on_every_page(partner, dynamo_calls):
    path = f"/v1/profiles/{partner.profile_id}/customers"
    last = SIZE // PAGE - 1
    for page in (0, last):
        found = cost(dynamo_calls, lambda: partner.client.get(f"{path}?page={page}&size={PAGE}"))
        assert found.response.status == 200 and found.response.body["count"] == SIZE
        assert [c["id"] for c in found.response.body["data"]] == partner.customers[page * PAGE:(page + 1) * PAGE]
        # the page: no counter while none was deleted
        assert found.operations == AUTH + ["Query"]
        assert found.items <= 3 + PAGE

    for gone in (partner.customers[5], partner.customers[-3]):
        assert partner.client.delete(f"{path}/{gone}").status == 200
    live = [c for c in partner.customers if c not in (partner.customers[5], partner.customers[-3])]
    found = cost(dynamo_calls, lambda: partner.client.get(f"{path}?page={last}&size={PAGE}"))
    assert [c["id"] for c in found.response.body["data"]] == live[last * PAGE:(last + 1) * PAGE]
    assert found.operations == AUTH + ["Query", "Query"]  # + the level-1 counters
    level1_nodes = -(-SIZE // profile_store.FANOUT[0])
    assert found.items <= 3 + level1_nodes + (profile_store.FANOUT[0] - 1) + PAGE


def test_a_profiles_payments_cost_the_same_on_every_page(partner, dynamo_calls):
    profile_id = partner.profile_id  # its customers are in the same partition, under their own keys
    newest_first = _load_payments(profile_id)
    path = f"/v1/profiles/{profile_id}/payments"
    # every payment (the set has every number: its page is found by arithmetic, no counter read)
    costs = []
    for page in (0, SIZE // PAGE - 1):
        found = cost(dynamo_calls, lambda: partner.client.get(f"{path}?page={page}&size={PAGE}"))
        assert found.response.status == 200 and found.response.body["count"] == SIZE
        assert [p["id"] for p in found.response.body["data"]] == newest_first["all"][page * PAGE:(page + 1) * PAGE]
        # the set's total (its top counter), the members, the payments (one BatchGetItem)
        assert found.operations == AUTH + ["Query", "Query", "BatchGetItem"]
        assert found.items <= 3 + 1 + PAGE + PAGE
        costs.append((found.operations, found.items))
    assert costs[0] == costs[1]
    # one state's payments: a set with gaps (every fourth number), walked through its level-1 counters
    succeeded = newest_first["state=succeeded"]
    level1_nodes = -(-SIZE // profile_store.FANOUT[0])
    costs = []
    for page in (0, len(succeeded) // PAGE - 1):
        found = cost(dynamo_calls, lambda: partner.client.get(f"{path}?page={page}&size={PAGE}&state=succeeded"))
        assert found.response.status == 200 and found.response.body["count"] == len(succeeded) == SIZE * 3 // 4
        assert [p["id"] for p in found.response.body["data"]] == succeeded[page * PAGE:(page + 1) * PAGE]
        assert all(p["state"] == "succeeded" for p in found.response.body["data"])
        # + the level-1 counters (one level-2 and one level-3 node hold them all: not read)
        assert found.operations == AUTH + ["Query", "Query", "Query", "BatchGetItem"]
        assert found.items <= 3 + 1 + level1_nodes + (profile_store.FANOUT[0] - 1) + PAGE + PAGE
        costs.append(found.operations)
    assert costs[0] == costs[1]


def test_a_profiles_settlements_cost_the_same_on_every_page(partner, dynamo_calls):
    newest_first = _load_settlements(partner.profile_id)
    path = f"/v1/profiles/{partner.profile_id}/settlements"
    costs = []
    for page in (0, SIZE // PAGE - 1):
        found = cost(dynamo_calls, lambda: partner.client.get(f"{path}?page={page}&size={PAGE}"))
        assert found.response.status == 200
        assert [s["id"] for s in found.response.body] == newest_first[page * PAGE:(page + 1) * PAGE]
        assert found.operations == AUTH + ["Query"]  # the profile's settlement_count is the head; the page
        assert found.items <= 3 + PAGE
        costs.append((found.operations, found.items))
    assert costs[0] == costs[1]
    past = cost(dynamo_calls, lambda: partner.client.get(f"{path}?page={SIZE // PAGE}&size={PAGE}"))
    assert (past.response.status, past.response.body, past.operations) == (200, [], AUTH)


def test_a_partners_profiles_cost_the_same_on_every_page(partner, dynamo_calls):
    for page in (0, SIZE // PAGE - 1):
        found = cost(dynamo_calls, lambda: partner.client.get(f"/v1/profiles?page={page}&size={PAGE}"))
        assert found.response.status == 200 and found.response.body["count"] == SIZE
        assert [p["id"] for p in found.response.body["data"]] == partner.profiles[page * PAGE:(page + 1) * PAGE]
        assert found.operations == AUTH + ["Query"]  # the page
        assert found.items <= 3 + PAGE


def test_a_profile_has_at_most_100_webhooks_so_its_list_is_one_bounded_page(partner, dynamo_calls):
    path = f"/v1/profiles/{partner.profile_id}/webhooks"
    for i in range(100):
        assert partner.client.post(path, {"url": f"https://93.184.215.14/hooks/{i}", "events": ["customer.created"]}).status == 201
    r = partner.client.post(path, {"url": "https://93.184.215.14/hooks/101", "events": ["customer.created"]})
    assert (r.status, r.body["error"]) == (400, "invalid_request")
    assert "at most 100 webhooks" in r.body["error_description"]
    found = cost(dynamo_calls, lambda: partner.client.get(path))
    assert [w["url"] for w in found.response.body] == [f"https://93.184.215.14/hooks/{i}" for i in range(100)]
    assert found.items <= 3 + 1 + 100
