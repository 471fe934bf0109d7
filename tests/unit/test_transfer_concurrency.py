"""Money is never created or lost: hundreds of transfers racing among a handful of accounts leave
the total where it started, every balance equal to the sum of its account's transactions, and
exactly six webhook events staged per completed transfer (none for a refused one)."""
from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from chalicelib import outbox
from chalicelib.errors import ApiError
from chalicelib.services import directlogin, transaction_requests
from chalicelib.store import ledger
from chalicelib.store.accounts import account_pk, get_accounts
from chalicelib.store.ledger import TransactionRecord
from chalicelib.store.outbox import OutboxRecord
from tests.support import banking_world, open_account, serialized_aws_calls

TRANSFERS = 200
WORKERS = 3
ACCOUNTS = 6
OVERDRAFT = Decimal("300")


def _amounts_of_transactions(bank_id: str, account_id: str) -> list[Decimal]:
    """Every transaction's amount, read strongly consistent (only the amounts: moto is slow per attribute)."""
    items = TransactionRecord.query(
        account_pk(bank_id, account_id), TransactionRecord.sk.startswith("TXN#"), consistent_read=True,
        attributes_to_get=["amount", "type"],
    )
    return [t.amount for t in items]


def test_concurrent_transfers_keep_every_balance_and_the_total_exact(admin, monkeypatch, dynamo_calls):
    world = banking_world(admin, attributes={"OVERDRAFT_LIMIT": ("DOUBLE", str(OVERDRAFT))})
    bank = world.bank_id
    accounts = [world.alice_account] + [open_account(world.alice, bank, world.product) for _ in range(ACCOUNTS - 1)]
    caller = directlogin.authenticate(f"token={world.alice.token}", None)
    rng = random.Random(20261122)
    orders = []
    for _ in range(TRANSFERS):
        source, target = rng.sample(accounts, 2)
        orders.append((source, target, Decimal(rng.randint(1, 9000)) / 100))  # 0.01 .. 90.00 EUR: no challenge
    # Events stay in the outbox table to be counted (their dispatch to SQS is tested elsewhere).
    dispatched = []
    monkeypatch.setattr(outbox, "dispatch", lambda *messages: dispatched.extend(messages))

    def run(order):
        source, target, amount = order
        try:
            outcome = transaction_requests.create(
                caller, bank, source, "owner", "ACCOUNT",
                transaction_requests.TransferOrder(bank, target, "EUR", format(amount, "f"), "race"),
            )
        except ApiError as err:
            return err.code, err.message
        return outcome.body["status"], outcome.body["transaction_ids"][0]

    dynamo_calls.reset()
    started = time.monotonic()
    with serialized_aws_calls(), ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(run, orders))
    elapsed = time.monotonic() - started

    completed = [r for r in results if r[0] == "COMPLETED"]
    refused = [r for r in results if r[0] == "OBP-10035"]
    assert len(completed) + len(refused) == TRANSFERS, [r for r in results if r[0] not in ("COMPLETED", "OBP-10035")]
    assert all("Insufficient funds" in message for _, message in refused)
    assert len(completed) >= TRANSFERS * 3 // 4, "too few transfers went through to test anything"
    commits = dynamo_calls.operations().count("TransactWriteItems")
    assert commits > len(completed), "no transfer lost a race: the test did not exercise concurrency"

    records = get_accounts([(bank, a) for a in accounts])
    balances = {a: records[(bank, a)].balance for a in accounts}
    assert sum(balances.values()) == Decimal("0")  # what was created: every account opened at 0
    posted = 0
    for account_id in accounts:
        txns = _amounts_of_transactions(bank, account_id)
        assert sum(txns, Decimal("0")) == balances[account_id]
        assert len(txns) == int(records[(bank, account_id)].version)  # one version per posting
        assert balances[account_id] >= -OVERDRAFT
        posted += len(txns)
    assert posted == 2 * len(completed)
    debit_ids = {t for _, t in completed}
    assert len(debit_ids) == len(completed)
    requests = [r for a in accounts for r in ledger.list_requests(bank, a)]
    assert len(requests) == len(completed)  # a refused transfer leaves no request behind
    assert sorted(r.transaction_id for r in requests if r.status == "COMPLETED") == sorted(debit_ids)
    staged = list(OutboxRecord.gsi1.query("OUTBOX", attributes_to_get=["event_id", "type"]))
    assert len(staged) == 6 * len(completed) == len(dispatched)
    assert {r.event_id for r in staged} == {m.event_id for m in dispatched}
    print(f"{TRANSFERS} transfers ({len(completed)} completed, {len(refused)} refused, "
          f"{commits - len(completed)} commits lost a race and were retried) in {elapsed:.1f}s")
