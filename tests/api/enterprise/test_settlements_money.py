"""The settlements' money test: 100 payments over three profiles and every method (openbanking
through the hosted page, cards, charges through recurring mandates; some failed), some refunded,
two settlement runs. Each settlement's amount is its payments minus its refunds minus its charges,
its totals are exactly those of the items that name it (each succeeded item names one), the fee
account holds exactly the charges, each payout account exactly its profile's settlements, the
clearing account nothing, nothing is left unbooked, and the sum over every account touched is zero."""
from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal

from chalicelib.services.enterprise import fees
from chalicelib.services.enterprise import settlements as settlement_service
from chalicelib.services.money import from_minor_units
from chalicelib.store import accounts as account_store
from chalicelib.store import ledger
from chalicelib.store.enterprise import provider_accounts as provider_store
from tests.payments_support import (
    TEST_CARDS, authorised_method, booked_transactions_sum, charge, new_payer, new_shop, pay_by_bank, pay_by_card,
)
from tests.support import open_account

CUSTOM = {"openbanking": {"fixed": 5, "basis_points": 120}, "creditcard": {"fixed": 40, "basis_points": 90},
          "refund": {"fixed": 15, "basis_points": 0}}


def _all_pages(shop, path: str) -> list[dict]:
    out, page = [], 0
    while True:
        body = shop.client.get(f"{path}?size=100&page={page}").body
        out += body["data"]
        page += 1
        if page >= body["pages"]:
            return out


def test_a_hundred_payments_two_settlement_runs_and_every_cent_accounted_for(ent, admin, api):
    rng = random.Random(16)
    first = new_shop(ent, admin, name="Bikes")
    world = first.world
    shops = [first, new_shop(ent, admin, world, name="Books"), new_shop(ent, admin, world, name="Bakery")]
    for shop in shops[1:]:  # each profile its own payout account
        shop.payout_account = open_account(world.bob, world.bank_id, world.product)
        r = shop.client.put(f"/v1/profiles/{shop.profile_id}", {"payout_account": {
            "bank_id": world.bank_id, "account_id": shop.payout_account}})
        assert r.status == 200, r.body
    assert admin.put(f"/v1/profiles/{shops[2].profile_id}/fee-schedule", CUSTOM).status == 200
    payers = [new_payer(world, funds="400") for _ in range(4)]
    mandates = {shop.profile_id: [authorised_method(shop, api.client, payers[(i + j) % 4], amount=5000, frequency="daily")
                                  for j in range(2 if i == 0 else 1)] for i, shop in enumerate(shops)}

    made: list[tuple[object, dict]] = []  # (shop, payment) of every payment made
    refunded: list[dict] = []

    def pay(n: int) -> None:
        shop = shops[n % 3]
        amount = rng.randint(100, 6000)
        if n % 20 < 13:  # 65 charges through mandates (a few above the mandate's 5000 limit: failed)
            body = charge(shop, rng.choice(mandates[shop.profile_id]), amount).body
        elif n % 20 < 18:  # 25 card payments, some declined
            body = shop.create(amount, method="creditcard").body
            pay_by_card(api.client, body, rng.choice([TEST_CARDS["approved"]] * 4 + [TEST_CARDS["declined"]]))
        else:  # 10 openbanking payments through the hosted page
            body = shop.create(amount).body
            pay_by_bank(api.client, body, rng.choice(payers), world.bank_id)
        made.append((shop, shop.payment(body["id"])))

    def refund_some(count: int) -> None:
        candidates = [(s, p) for s, p in made if p["state"] == "succeeded" and p["id"] not in {r["payment_id"] for r in refunded}]
        for shop, payment in rng.sample(candidates, count):
            amount = payment["amount"] if rng.random() < 0.3 else rng.randint(1, payment["amount"] // 2)
            r = shop.client.post(shop.path(f"/{payment['id']}/refunds"), {"amount": amount})
            assert r.status == 201 and r.body["state"] == "succeeded", r.body
            refunded.append(r.body)

    for n in range(60):
        pay(n)
    refund_some(8)
    first_run = settlement_service.run()
    assert first_run["settlements"] == 3 and first_run["pending"] == 0, first_run
    for n in range(60, 100):
        pay(n)
    refund_some(6)
    second_run = settlement_service.run()
    assert second_run["settlements"] == 3 and second_run["pending"] == 0, second_run

    states = {(p["method"], p.get("payment_method") is not None, p["state"]) for _, p in made}
    assert {("openbanking", True, "succeeded"), ("openbanking", True, "failed"), ("creditcard", False, "failed"),
            ("creditcard", False, "succeeded"), ("openbanking", False, "succeeded")} <= states, states
    assert len(made) == 100

    registry = provider_store.get(world.bank_id, "EUR")
    fees_total, settled_ids = 0, set()
    for shop in shops:
        settlements = shop.client.get(f"/v1/profiles/{shop.profile_id}/settlements").body
        assert len(settlements) == 2
        payments = _all_pages(shop, shop.path())
        succeeded = [p for p in payments if p["state"] == "succeeded"]
        assert all(p["settlement_id"] for p in succeeded) and not any(
            p["settlement_id"] for p in payments if p["state"] != "succeeded")
        # Only the payments refunded have refunds (the listing is checked against the payment itself).
        refunded_ids = {r["payment_id"] for r in refunded}
        assert {p["id"] for p in succeeded if p["amount_refunded"]} <= refunded_ids
        refunds = [r for p in succeeded if p["id"] in refunded_ids
                   for r in shop.client.get(shop.path(f"/{p['id']}/refunds")).body]
        assert all(r["settlement_id"] for r in refunds)
        schedule = fees.schedule_of(type("P", (), {"fee_schedule": None})()) if shop is not shops[2] else CUSTOM
        items = defaultdict(lambda: {"payments": [], "refunds": []})
        for p in succeeded:
            items[p["settlement_id"]]["payments"].append(p)
        for r in refunds:
            items[r["settlement_id"]]["refunds"].append(r)
        assert set(items) == {s["id"] for s in settlements}
        for s in settlements:
            mine = items[s["id"]]
            assert s["payout"] == {"payments": {"count": len(mine["payments"]), "sum": sum(p["amount"] for p in mine["payments"])},
                                   "refunds": {"count": len(mine["refunds"]), "sum": sum(r["amount"] for r in mine["refunds"])}}
            expected = defaultdict(int)
            for p in mine["payments"]:
                expected[p["method"]] += fees.charge(schedule, p["method"], p["amount"])
            for r in mine["refunds"]:
                expected["refund"] += fees.charge(schedule, "refund", r["amount"])
            assert s["charges"] == {kind: expected[kind] for kind in fees.KINDS} and s["charges_total"] == sum(expected.values())
            assert s["carried_over"] == {"from_previous": 0, "to_next": 0}
            assert s["amount"] == s["payout"]["payments"]["sum"] - s["payout"]["refunds"]["sum"] - s["charges_total"]
            fees_total += s["charges_total"]
            settled_ids.add(s["id"])
        payout = account_store.get_account(world.bank_id, shop.payout_account).balance
        assert payout == from_minor_units(sum(s["amount"] for s in settlements), "EUR"), shop.profile_id
    assert len(settled_ids) == 6

    # The provider's accounts: the fee account holds exactly the charges, clearing nothing.
    assert account_store.get_account(world.bank_id, registry.fee_account_id).balance == from_minor_units(fees_total, "EUR")
    assert account_store.get_account(world.bank_id, registry.clearing_account_id).balance == 0
    # Every account touched: its balance is its transactions, and together they are zero.
    accounts = ([world.alice_account, world.bob_account, registry.clearing_account_id, registry.fee_account_id,
                 registry.acquirer_account_id] + [s.payout_account for s in shops[1:]]
                + [a for p in payers for a in p.accounts])
    # Nothing is left unbooked (charges through mandates, payouts and charges of settlements are
    # booked as every transfer is) and every running balance chains.
    total = Decimal("0")
    for account_id in accounts:
        account = account_store.get_account(world.bank_id, account_id)
        from_transactions, _ = booked_transactions_sum(world.bank_id, account_id)
        assert account.balance == from_transactions, account_id
        total += account.balance
    assert total == 0
    # Each settlement's two transaction requests are listed by the clearing account (booked).
    clearing = account_store.get_account(world.bank_id, registry.clearing_account_id)
    listed = ledger.requests_page(clearing, offset=0, limit=10_000, descending=False)
    assert sum(r.request_type == settlement_service.REQUEST_TYPE for r in listed) == 12
