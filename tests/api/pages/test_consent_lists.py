"""Every consent list at 10,000 consents costs the same at any offset: a user's (all banks, one
bank), an application's, a bank's and every consent (management); a status filter reads within
its budget or answers 400 OBP-39100. One consent is made through the API, the other 9,999 are
its copies written through the store in batches."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from chalicelib.store import consents as store
from chalicelib.store import positions
from tests.api.pages.conftest import LIMIT, SIZE, caller_cost, caller_round_trips, cost, service, session
from tests.support import AuthedApi, banking_world

ACCEPTED_EVERY = 10  # every 10th consent is ACCEPTED, the others INITIATED


@dataclass
class Consents:
    bank_id: str
    alice: AuthedApi
    manager: AuthedApi  # CanGetConsentsAtAnyBank
    consumer_id: str
    ids: list[str]  # alice's consents, in the order made
    statuses: dict[str, str]


def _copies(template, count: int, bank_id: str) -> tuple[list[str], dict[str, str]]:
    """`count` copies of alice's consent, numbered after it in every list it is in."""
    user, consumer, every = (store.user_list(template.user_id), store.consumer_list(template.consumer_id),
                             store.every_consent_list())
    at_bank, user_at_bank = store.bank_list(bank_id), store.user_bank_list(template.user_id, bank_id)
    numbers = zip(*(positions.bulk_append(lst, count) for lst in (user, consumer, every, at_bank, user_at_bank)))
    claims = json.loads(template.claims)
    ids, statuses = [], {}
    with store.ConsentRecord.batch_write() as batch:
        for i, (n_user, n_consumer, n_every, n_bank, n_user_bank) in enumerate(numbers, start=1):
            consent_id = str(uuid.uuid4())
            status = "ACCEPTED" if i % ACCEPTED_EVERY == 0 else "INITIATED"
            consent = store.new_consent(
                consent_id, user_id=template.user_id, consumer_id=template.consumer_id,
                created_at=template.created_at + timedelta(seconds=i), status=status,
                claims=json.dumps({**claims, "jti": consent_id}, separators=(",", ":")),
                secret_sealed=template.secret_sealed, sca_method="EMAIL", banks=[bank_id])
            consent.gsi1pk, consent.gsi1sk = user.name, user.key(n_user)
            consent.gsi2pk, consent.gsi2sk = consumer.name, consumer.key(n_consumer)
            consent.gsi3pk, consent.gsi3sk = every.name, every.key(n_every)
            batch.save(consent)
            batch.save(store.ConsentBankEntry(
                pk=consent.pk, sk=f"BANK#{bank_id}", consent_id=consent_id, bank_id=bank_id,
                gsi1pk=at_bank.name, gsi1sk=at_bank.key(n_bank), gsi2pk=user_at_bank.name,
                gsi2sk=user_at_bank.key(n_user_bank)))
            ids.append(consent_id)
            statuses[consent_id] = status
    return ids, statuses


@pytest.fixture(scope="module")
def consents():
    with service() as (api, admin):
        world = banking_world(admin)
        r = admin.post("/obp/v5.1.0/management/consumers", {
            "app_name": "Budget App", "app_type": "Confidential", "description": "Budget App by TPP Ltd",
            "developer_email": "dev@tpp.example", "redirect_url": "https://tpp.example/cb", "enabled": True})
        assert r.status == 201, r.body
        consumer_id = r.body["consumer_id"]
        r = world.alice.post(f"/obp/v3.1.0/banks/{world.bank_id}/my/consents/EMAIL", {
            "everything": False, "entitlements": [], "consumer_id": consumer_id, "email": "alice@example.com",
            "views": [{"bank_id": world.bank_id, "account_id": world.alice_account, "view_id": "owner"}]})
        assert r.status == 201, r.body
        first = store.get_consent(r.body["consent_id"])
        ids, statuses = _copies(first, SIZE - 1, world.bank_id)
        manager = session(api, ["CanGetConsentsAtAnyBank"])
        yield Consents(world.bank_id, world.alice, manager, consumer_id, [first.consent_id] + ids,
                       {first.consent_id: first.status, **statuses})


def _ids(response, key: str = "consent_id") -> list[str]:
    assert response.status == 200, response.body
    return [c[key] for c in response.body["consents"]]


@pytest.mark.parametrize("offset", [0, SIZE - LIMIT])
def test_my_consents_cost_the_page_at_any_offset(consents, dynamo_calls, offset):
    auth = caller_cost(dynamo_calls, consents.alice)
    newest_first = consents.ids[::-1]
    found = cost(dynamo_calls, lambda: consents.alice.get(f"/obp/v5.1.0/my/consents?limit={LIMIT}&offset={offset}"))
    assert _ids(found.response) == newest_first[offset:offset + LIMIT]
    # the list's head (not for the first page), the page
    assert found.after == (["Query"] if offset == 0 else ["GetItem", "Query"])
    assert found.items <= auth + 1 + LIMIT
    oldest_first = cost(dynamo_calls, lambda: consents.alice.get(
        f"/obp/v3.1.0/banks/{consents.bank_id}/my/consents?limit={LIMIT}&offset={offset}&sort_direction=ASC"))
    assert _ids(oldest_first.response) == consents.ids[offset:offset + LIMIT]


def test_my_consents_at_one_bank_cost_a_page_of_entries_and_their_consents(consents, dynamo_calls):
    auth = caller_cost(dynamo_calls, consents.alice)
    found = cost(dynamo_calls, lambda: consents.alice.get(
        f"/obp/v5.1.0/banks/{consents.bank_id}/my/consents?limit={LIMIT}&offset={SIZE - LIMIT}"))
    assert _ids(found.response) == consents.ids[::-1][SIZE - LIMIT:]
    # the bank (with the caller), the head of alice's list at the bank, a page of entries, their consents
    assert found.after == ["GetItem", "Query", "BatchGetItem"]
    assert found.round_trips == caller_round_trips(dynamo_calls, consents.alice) + 3
    assert found.items <= auth + 1 + 1 + 2 * LIMIT


@pytest.mark.parametrize("query", ["", "consumer_id={consumer}&", "user_id={user}&"])
def test_management_lists_cost_the_page_at_any_offset(consents, dynamo_calls, query):
    auth = caller_cost(dynamo_calls, consents.manager)
    query = query.format(consumer=consents.consumer_id, user=consents.alice.user_id)
    found = cost(dynamo_calls, lambda: consents.manager.get(
        f"/obp/v5.1.0/management/consents?{query}limit={LIMIT}&offset={SIZE - LIMIT}"))
    assert _ids(found.response, "consent_reference_id") == consents.ids[::-1][SIZE - LIMIT:]
    assert found.operations[-2:] == ["GetItem", "Query"]
    assert found.items <= auth + 1 + LIMIT


def test_a_banks_consents_cost_a_page_of_entries_and_their_consents(consents, dynamo_calls):
    auth = caller_cost(dynamo_calls, consents.manager)
    for path in (f"/management/consents/banks/{consents.bank_id}?", f"/management/consents?bank_id={consents.bank_id}&"):
        found = cost(dynamo_calls, lambda: consents.manager.get(f"/obp/v5.1.0{path}limit={LIMIT}&offset={SIZE - LIMIT}"))
        assert _ids(found.response, "consent_reference_id") == consents.ids[::-1][SIZE - LIMIT:]
        assert found.operations[-3:] == ["GetItem", "Query", "BatchGetItem"]
        assert found.items <= auth + 1 + 1 + 2 * LIMIT


def test_a_status_filter_reads_within_its_budget(consents, dynamo_calls):
    auth = caller_cost(dynamo_calls, consents.manager)
    accepted = [c for c in consents.ids[::-1] if consents.statuses[c] == "ACCEPTED"]
    found = cost(dynamo_calls, lambda: consents.manager.get(
        f"/obp/v5.1.0/management/consents?status=ACCEPTED&limit={LIMIT}&offset=20"))
    assert _ids(found.response, "consent_reference_id") == accepted[20:20 + LIMIT]
    assert found.items <= auth + (20 + LIMIT) * ACCEPTED_EVERY * 2  # pages grow from what the page needs

    found = cost(dynamo_calls, lambda: consents.manager.get(
        f"/obp/v5.1.0/management/consents?status=ACCEPTED&limit={LIMIT}&offset={SIZE // ACCEPTED_EVERY - LIMIT}"))
    assert (found.response.status, found.response.code) == (400, "OBP-39100")
    assert "add consumer_id" in found.response.message
    assert found.items <= auth + positions.READ_BUDGET
