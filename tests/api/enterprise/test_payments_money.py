"""The money test: 100 payments through the hosted page, both methods, some failed (cancelled,
declined, no funds, wrong codes), some refunded in part or in full. Afterwards the sum over every
account touched is zero, each account's balance is the sum of its transactions, the clearing
account holds exactly what was paid minus what was refunded, and every payment and refund names
the ledger transactions that moved its money."""
from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

from chalicelib.services.money import from_minor_units
from chalicelib.store import accounts as account_store
from chalicelib.store import ledger
from chalicelib.store.enterprise import payments as payment_store
from chalicelib.store.enterprise import provider_accounts as provider_store
from tests.payments_support import TEST_CARDS, Browser, booked_transactions_sum, new_payer, pay_by_bank, pay_by_card
from tests.support import put_product


def test_a_hundred_payments_and_their_refunds_balance_to_the_cent(shop, api, admin):
    rng = random.Random(15)
    world = shop.world
    lean = put_product(admin, world.bank_id, attributes={})  # no overdraft: these payers can run out
    payers = [new_payer(world, funds="300") for _ in range(4)] + [new_payer(world, funds="40", product=lean)
                                                                  for _ in range(2)]
    outcomes: Counter = Counter()
    succeeded: dict[str, int] = {}
    for n in range(100):
        amount = rng.randint(1, 5000)
        if n % 5 in (0, 1):  # 40 card payments
            card = rng.choice([TEST_CARDS["approved"]] * 3 + [TEST_CARDS["declined"], TEST_CARDS["no_funds"],
                                                              TEST_CARDS["3ds"]])
            body = shop.create(amount, method="creditcard").body
            pay_by_card(api.client, body, card)
        else:  # 60 openbanking payments
            body = shop.create(amount).body
            payer = rng.choice(payers)
            if n % 17 == 3:
                Browser(api.client, body["next"]["redirect"]).open().submit("cancel")
            elif n % 13 == 4:
                pay_by_bank(api.client, body, payer, world.bank_id, code="000000")  # one wrong code: still created
            else:
                pay_by_bank(api.client, body, payer, world.bank_id)
        got = shop.payment(body["id"])
        outcomes[(got["method"], got["state"], got["failure_reason"])] += 1
        if got["state"] == "succeeded":
            succeeded[body["id"]] = amount

    refunded = 0
    for payment_id in rng.sample(sorted(succeeded), 25):
        amount = succeeded[payment_id]
        parts = [amount] if rng.random() < 0.4 else [max(1, amount // 3), max(1, amount // 4)]
        for part in parts:
            r = shop.client.post(shop.path(f"/{payment_id}/refunds"), {"amount": part})
            assert r.status == 201 and r.body["state"] == "succeeded", r.body
            refunded += part

    # Every kind of outcome happened.
    states = {(method, state) for method, state, _ in outcomes}
    assert {("openbanking", "succeeded"), ("openbanking", "failed"), ("openbanking", "created"),
            ("creditcard", "succeeded"), ("creditcard", "failed")} <= states, outcomes
    reasons = {reason for *_, reason in outcomes}
    assert {"cancelled_by_the_payer", "insufficient_funds", "card_declined"} <= reasons, outcomes
    assert sum(outcomes.values()) == 100 and shop.client.get(shop.path()).body["count"] == 100

    # Every account at the bank (all touched by this test: payers, alice, bob, the provider's).
    registry = provider_store.get(world.bank_id, "EUR")
    accounts = [world.alice_account, world.bob_account, registry.clearing_account_id, registry.fee_account_id,
                registry.acquirer_account_id] + [a for p in payers for a in p.accounts]
    total = Decimal("0")
    for account_id in accounts:
        account = account_store.get_account(world.bank_id, account_id)
        from_transactions, count = booked_transactions_sum(world.bank_id, account_id)
        assert account.balance == from_transactions, account_id
        total += account.balance
    assert total == 0

    paid = sum(succeeded.values())
    clearing = account_store.get_account(world.bank_id, registry.clearing_account_id).balance
    assert clearing == from_minor_units(paid - refunded, "EUR")

    # Every cent traceable: each succeeded payment's and refund's ledger transactions exist with its amount.
    for payment_id, amount in succeeded.items():
        stored = payment_store.get_payment(payment_id)
        credit = ledger.get_transaction(world.bank_id, registry.clearing_account_id, stored.credit_transaction_id)
        assert credit.amount == from_minor_units(amount, "EUR")
        assert credit.transaction_request_id == stored.transaction_request_id
        source = stored.payer_account_id or registry.acquirer_account_id
        debit = ledger.get_transaction(world.bank_id, source, stored.debit_transaction_id)
        assert debit.amount == -credit.amount
        refunds = payment_store.refunds_of(payment_id, 50)
        assert int(stored.amount_refunded) == sum(int(r.amount) for r in refunds)
        for refund in refunds:
            out = ledger.get_transaction(world.bank_id, registry.clearing_account_id, refund.debit_transaction_id)
            assert out.amount == -from_minor_units(int(refund.amount), "EUR")
            back = ledger.get_transaction(world.bank_id, source, refund.credit_transaction_id)
            assert back.amount == -out.amount
