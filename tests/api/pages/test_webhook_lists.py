"""Webhook lists at 10,000 records cost the same at any offset: a bank's account webhooks (OBP's
getAccountWebhooks, each filter included), an owner's webhooks (/my/web-hooks) and a webhook's
deliveries. Registrations and deliveries are written through the store in batches."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest

from chalicelib.services import webhooks as webhook_service
from chalicelib.store import positions
from chalicelib.store import webhook_deliveries as delivery_store
from chalicelib.store import webhooks as store
from tests.api.pages.conftest import LIMIT, SIZE, caller_cost, caller_round_trips, cost, service, session
from tests.support import AuthedApi

FIRST_ACCOUNT_HOLDS = SIZE // 2  # the first 5,000 webhooks watch account acc-1, the rest acc-2
FEW_EVERY = 10  # every 10th webhook is `few`'s, the others `many`'s


@dataclass
class Hooks:
    bank_id: str
    reader: AuthedApi  # CanGetWebhooks at the bank
    few: AuthedApi  # owner of 1,000 of the bank's account webhooks
    many: AuthedApi  # owner of the other 9,000
    ids: list[str]  # in the order registered
    owners: dict[str, str]  # webhook id -> owner user id
    accounts: dict[str, str]  # webhook id -> account id
    deliveries: list[str]  # the deliveries of ids[0], in the order made


def _register(bank_id: str, owners: list[str]) -> tuple[list[str], dict[str, str]]:
    accounts = [("acc-1" if i < FIRST_ACCOUNT_HOLDS else "acc-2") for i in range(SIZE)]
    per_list: dict[str, list[int]] = {}
    plan = []
    for i, (owner, account) in enumerate(zip(owners, accounts)):
        lists = (store.scope_list(webhook_service.account_scope(bank_id, account)), store.owner_list(owner),
                 store.bank_account_webhooks(bank_id))
        plan.append(lists)
        for lst in lists:
            per_list.setdefault(lst.name, []).append(i)
    numbers: dict[tuple[str, int], int] = {}
    for name, members in per_list.items():
        for member, number in zip(members, positions.bulk_append(positions.NumberedList(name), len(members))):
            numbers[name, member] = number
    secret = webhook_service.seal_secret(webhook_service.new_secret())
    ids, by_account = [], {}
    with store.WebhookRecord.batch_write() as batch:
        for i, (scope, owner, bank) in enumerate(plan):
            record = store.new_webhook(str(uuid.uuid4()), owners[i], scope.name.removeprefix("WEBHOOKS#"),
                                       url="https://receiver.example/hook", triggers=["OnCreditTransaction"],
                                       bank_id=bank_id, account_id=accounts[i], secret_sealed=secret)
            for index, lst in (("gsi1", scope), ("gsi2", owner), ("gsi3", bank)):
                setattr(record, f"{index}pk", lst.name)
                setattr(record, f"{index}sk", lst.key(numbers[lst.name, i]))
            batch.save(record)
            ids.append(record.webhook_id)
            by_account[record.webhook_id] = accounts[i]
    return ids, by_account


def _deliveries(webhook_id: str) -> list[str]:
    lst = delivery_store.deliveries_list(webhook_id)
    made = []
    with delivery_store.DeliveryRecord.batch_write() as batch:
        for number in positions.bulk_append(lst, SIZE):
            record = delivery_store.new_delivery(str(uuid.uuid4()), webhook_id, "OnCreditTransaction", "{}", 8,
                                                 timedelta(days=30))
            record.gsi1sk = lst.key(number)
            batch.save(record)
            made.append(record.delivery_id)
    return made


@pytest.fixture(scope="module")
def hooks():
    with service() as (api, admin):
        bank_id = admin.create_bank(f"hooks-{uuid.uuid4().hex[:6]}")
        reader, few, many = session(api, [("CanGetWebhooks", bank_id)]), session(api, []), session(api, [])
        owners = [few.user_id if i % FEW_EVERY == 0 else many.user_id for i in range(SIZE)]
        ids, accounts = _register(bank_id, owners)
        yield Hooks(bank_id, reader, few, many, ids, dict(zip(ids, owners)), accounts, _deliveries(ids[0]))


def _ids(response, key: str, field: str) -> list[str]:
    assert response.status == 200, response.body
    return [w[field] for w in response.body[key]]


def _account_webhooks(hooks: Hooks, query: str):
    return hooks.reader.get(f"/obp/v3.1.0/management/banks/{hooks.bank_id}/account-web-hooks?{query}")


@pytest.mark.parametrize("offset", [0, SIZE - LIMIT])
def test_a_banks_account_webhooks_cost_the_page_at_any_offset(hooks, dynamo_calls, offset):
    auth = caller_cost(dynamo_calls, hooks.reader)
    found = cost(dynamo_calls, lambda: _account_webhooks(hooks, f"limit={LIMIT}&offset={offset}"))
    assert _ids(found.response, "web_hooks", "account_webhook_id") == hooks.ids[::-1][offset:offset + LIMIT]
    # the bank (with the caller), the list's head (not for the first page), the page
    assert found.after == ([] if offset == 0 else ["GetItem"]) + ["Query"]
    assert found.round_trips == caller_round_trips(dynamo_calls, hooks.reader) + (1 if offset else 0) + 1
    assert found.items <= auth + 1 + 1 + LIMIT


def test_one_accounts_webhooks_are_that_accounts_own_list(hooks, dynamo_calls):
    auth = caller_cost(dynamo_calls, hooks.reader)
    of_second = [w for w in hooks.ids if hooks.accounts[w] == "acc-2"]
    offset = len(of_second) - LIMIT
    found = cost(dynamo_calls, lambda: _account_webhooks(
        hooks, f"account_id=acc-2&limit={LIMIT}&offset={offset}&sort_direction=ASC"))
    assert _ids(found.response, "web_hooks", "account_webhook_id") == of_second[offset:]
    assert found.items <= auth + 1 + 1 + LIMIT


def test_a_users_webhooks_at_the_bank_read_the_shorter_list_within_the_budget(hooks, dynamo_calls):
    auth = caller_cost(dynamo_calls, hooks.reader)
    of_few = [w for w in hooks.ids[::-1] if hooks.owners[w] == hooks.few.user_id]
    offset = len(of_few) - LIMIT
    found = cost(dynamo_calls, lambda: _account_webhooks(hooks, f"user_id={hooks.few.user_id}&limit={LIMIT}&offset={offset}"))
    assert _ids(found.response, "web_hooks", "account_webhook_id") == of_few[offset:]
    assert found.items <= auth + 1 + 2 + positions.READ_BUDGET

    found = cost(dynamo_calls, lambda: _account_webhooks(hooks, f"user_id={hooks.many.user_id}&limit={LIMIT}&offset=5000"))
    assert (found.response.status, found.response.code) == (400, "OBP-39100")
    assert found.items <= auth + 1 + 2 + positions.READ_BUDGET

    both = [w for w in of_few if hooks.accounts[w] == "acc-1"]
    found = cost(dynamo_calls, lambda: _account_webhooks(hooks, f"user_id={hooks.few.user_id}&account_id=acc-1&limit=5"))
    assert _ids(found.response, "web_hooks", "account_webhook_id") == both[:5]


def test_an_owners_webhooks_cost_the_page_at_any_offset(hooks, dynamo_calls):
    auth = caller_cost(dynamo_calls, hooks.many)
    mine = [w for w in hooks.ids if hooks.owners[w] == hooks.many.user_id]
    offset = len(mine) - LIMIT
    found = cost(dynamo_calls, lambda: hooks.many.get(f"/obp/v5.1.0/my/web-hooks?limit={LIMIT}&offset={offset}"))
    assert _ids(found.response, "web_hooks", "webhook_id") == mine[offset:]
    assert found.operations[-2:] == ["GetItem", "Query"]
    assert found.items <= auth + 1 + LIMIT


def test_a_webhooks_deliveries_cost_the_page_at_any_offset(hooks, dynamo_calls):
    owner = hooks.few  # ids[0] is the first `few` registered
    auth = caller_cost(dynamo_calls, owner)
    path = f"/obp/v5.1.0/my/web-hooks/{hooks.ids[0]}/deliveries"
    for offset in (0, SIZE - LIMIT):
        found = cost(dynamo_calls, lambda: owner.get(f"{path}?limit={LIMIT}&offset={offset}"))
        assert _ids(found.response, "deliveries", "delivery_id") == hooks.deliveries[::-1][offset:offset + LIMIT]
        # the webhook (is it the caller's?), the deliveries' head (not for the first page), the page
        assert found.after == ["GetItem"] + ([] if offset == 0 else ["GetItem"]) + ["Query"]
        assert found.items <= auth + 1 + 1 + LIMIT
