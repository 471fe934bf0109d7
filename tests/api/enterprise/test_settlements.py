"""Settlements: the scheduled run closes a profile's succeeded payments and refunds into one
settlement per currency, charges the profile's fees and pays out on the ledger (clearing -> the
payout account, clearing -> the fee account); a run killed between any two of its steps and run
again pays exactly once; a negative net is carried over; the fee schedule is set per profile."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from chalicelib import outbox
from chalicelib.services import booking
from chalicelib.services.enterprise import settlements as settlement_service
from chalicelib.store import ledger
from chalicelib.store.accounts import get_account
from chalicelib.store.enterprise import provider_accounts as provider_store
from chalicelib.store.enterprise import settlements as settlement_store
from tests.payments_support import (
    TEST_CARDS, authorised_method, balance, booked_transactions_sum, charge, new_payer, new_shop, pay_by_card,
    webhook_events,
)
from chalicelib.schemas.enterprise import iso_millis
from chalicelib.schemas.responses import FeeSchedule, Settlement
from tests.support import STRONG_PASSWORD, Api, serialized_aws_calls

ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _settlements(shop) -> list[dict]:
    r = shop.client.get(f"/v1/profiles/{shop.profile_id}/settlements")
    assert r.status == 200, r.body
    return r.body


def _card(shop, client, amount: int, card: str = TEST_CARDS["approved"], currency: str = "EUR") -> dict:
    payment = shop.create(amount, method="creditcard", currency=currency).body
    pay_by_card(client, payment, card)
    return shop.payment(payment["id"])


def _accounts(shop) -> dict[str, Decimal]:
    registry = provider_store.get(shop.bank_id, "EUR")
    return {"payout": balance(shop.world, shop.bank_id, shop.payout_account),
            "fees": balance(shop.world, shop.bank_id, registry.fee_account_id),
            "clearing": balance(shop.world, shop.bank_id, registry.clearing_account_id)}


def _newest_transactions(bank_id: str, account_id: str, limit: int) -> list:
    return ledger.transactions_page(get_account(bank_id, account_id), offset=0, limit=limit, descending=True)


def _some_payments(shop, client) -> tuple[list[dict], dict]:
    """Two charges through a mandate (1000, 2000), a card payment of 2500 refunded 500 in part,
    and a declined card: charges 15 + 20 + 60 = 95, net 5500 - 500 - 95 = 4905."""
    payer = new_payer(shop.world)
    method = authorised_method(shop, client, payer, amount=2000, frequency="daily")
    paid = [charge(shop, method, 1000).body, charge(shop, method, 2000).body, _card(shop, client, 2500)]
    assert [p["state"] for p in paid] == ["succeeded"] * 3
    _card(shop, client, 700, TEST_CARDS["declined"])
    refund = shop.client.post(shop.path(f"/{paid[2]['id']}/refunds"), {"amount": 500}).body
    assert refund["state"] == "succeeded"
    return paid, refund


def test_a_settlement_pays_out_payments_minus_refunds_minus_charges(shop, api):
    paid, refund = _some_payments(shop, api.client)
    before = _accounts(shop)
    assert before["clearing"] == Decimal("50.00")
    webhook_events(("settlement.",))
    cutoff = settlement_service.now()
    assert settlement_service.run(cutoff) == {"settlements": 1, "items": 4, "pending": 0}

    [settlement] = _settlements(shop)
    assert re.match(r"^settlement_[0-9a-f]{32}$", settlement["id"]) and ISO_MILLIS.match(settlement["created"])
    assert {k: v for k, v in settlement.items() if k not in ("id", "created", "transaction_request_ids")} == {
        "profile_id": shop.profile_id, "currency": "EUR",
        "charges": {"openbanking": 35, "creditcard": 60, "refund": 0}, "charges_total": 95, "amount": 4905,
        "payout": {"payments": {"count": 3, "sum": 5500}, "refunds": {"count": 1, "sum": 500}},
        "carried_over": {"from_previous": 0, "to_next": 0},
        "payout_account": {"bank_id": shop.bank_id, "account_id": shop.payout_account},
        "scheduled": iso_millis(cutoff)}
    after = _accounts(shop)
    assert after["payout"] - before["payout"] == Decimal("49.05")
    assert after["fees"] - before["fees"] == Decimal("0.95")
    assert after["clearing"] == 0
    # Every cent traceable: each item names its settlement; the settlement its two ledger requests.
    for payment in paid:
        assert shop.payment(payment["id"])["settlement_id"] == settlement["id"]
    refunds = shop.client.get(shop.path(f"/{paid[2]['id']}/refunds")).body
    assert [r["settlement_id"] for r in refunds] == [settlement["id"]]
    assert _card_declined_unsettled(shop)
    registry = provider_store.get(shop.bank_id, "EUR")
    payout = ledger.load_request(settlement["transaction_request_ids"]["payout"]).request
    assert (payout.request_type, payout.status, payout.from_account_id, payout.to_account_id, payout.amount) == (
        "SETTLEMENT", "COMPLETED", registry.clearing_account_id, shop.payout_account, Decimal("49.05"))
    [credit] = _newest_transactions(shop.bank_id, shop.payout_account, 1)
    assert credit.amount == Decimal("49.05") and credit.transaction_request_id == settlement["transaction_request_ids"]["payout"]
    [fee] = _newest_transactions(shop.bank_id, registry.fee_account_id, 1)
    assert fee.amount == Decimal("0.95") and fee.transaction_request_id == settlement["transaction_request_ids"]["charges"]
    # Both booked, and both requests listed by the clearing account they left.
    for account_id in (shop.payout_account, registry.fee_account_id, registry.clearing_account_id):
        booked_transactions_sum(shop.bank_id, account_id)
    listed = ledger.requests_page(get_account(shop.bank_id, registry.clearing_account_id), offset=0, limit=100,
                                  descending=True)
    assert [r.transaction_request_id for r in listed[:2]] == [
        settlement["transaction_request_ids"]["payout"], settlement["transaction_request_ids"]["charges"]]
    assert webhook_events(("settlement.",)) == [("settlement.created", {
        "type": "settlement.created", "id": settlement["id"], "profile_id": shop.profile_id})]

    # Read one; nothing more to settle; the next run settles only what came after.
    one = shop.client.get(f"/v1/profiles/{shop.profile_id}/settlements/{settlement['id']}")
    assert one.status == 200 and one.body == settlement
    assert Settlement.model_validate(settlement).model_dump() == settlement  # exactly its documented fields
    assert settlement_service.run() == {"settlements": 0, "items": 0, "pending": 0}
    late = _card(shop, api.client, 1000)
    assert settlement_service.run(cutoff) == {"settlements": 0, "items": 0, "pending": 0}  # completed after the cutoff
    assert settlement_service.run() == {"settlements": 1, "items": 1, "pending": 0}
    newest, oldest = _settlements(shop)
    assert (oldest["id"], newest["payout"]["payments"], newest["amount"]) == (
        settlement["id"], {"count": 1, "sum": 1000}, 1000 - 39)
    assert shop.payment(late["id"])["settlement_id"] == newest["id"]


def _card_declined_unsettled(shop) -> bool:
    failed = shop.client.get(shop.path("?state=failed")).body["data"]
    return len(failed) == 1 and failed[0]["settlement_id"] is None


def test_settlements_are_the_profiles_own(shop, ent, admin, api):
    _some_payments(shop, api.client)
    settlement_service.run()
    [settlement] = _settlements(shop)
    stranger = new_shop(ent, admin, shop.world, name="Stranger")
    assert stranger.client.get(f"/v1/profiles/{shop.profile_id}/settlements").status == 404
    assert stranger.client.get(f"/v1/profiles/{shop.profile_id}/settlements/{settlement['id']}").status == 404
    assert stranger.client.get(f"/v1/profiles/{stranger.profile_id}/settlements/{settlement['id']}").status == 404
    assert _settlements(stranger) == []
    assert shop.client.get(f"/v1/profiles/{shop.profile_id}/settlements/settlement_{'0' * 32}").status == 404
    assert shop.client.get(f"/v1/profiles/{shop.profile_id}/settlements/x").status == 404
    r = shop.client.get(f"/v1/profiles/{shop.profile_id}/settlements?size=0")
    assert r.status == 400 and r.body["fields"] == [{"field": "size", "reason": "must be between 1 and 100"}]


def test_one_settlement_per_currency(shop, api):
    _card(shop, api.client, 2000)
    _card(shop, api.client, 3000, currency="USD")
    settlement_service.run()
    by_currency = {s["currency"]: s for s in _settlements(shop)}
    assert set(by_currency) == {"EUR", "USD"}
    assert (by_currency["EUR"]["amount"], by_currency["USD"]["amount"]) == (2000 - 53, 3000 - 67)
    usd = provider_store.get(shop.bank_id, "USD")
    assert balance(shop.world, shop.bank_id, usd.fee_account_id) == Decimal("0.67")
    assert balance(shop.world, shop.bank_id, usd.clearing_account_id) == 0


def test_a_payout_whose_list_number_was_taken_meanwhile_takes_the_next(shop, api, monkeypatch):
    """Two settlements of a profile paid at once: the one that read the profile's settlement count
    before the other committed loses its number, writes nothing, reads again and is paid once as
    the next; the list pages newest first."""
    from chalicelib.store.enterprise import profiles as profile_store

    _card(shop, api.client, 2000)
    _card(shop, api.client, 3000, currency="USD")
    settlement_service.settle_group(shop.profile_id, "EUR", shop.bank_id, settlement_service.now())
    reads = []
    original = profile_store.get_profile

    def read_before_the_eur_payout(profile_id):
        reads.append(profile_id)
        profile = original(profile_id)
        if len(reads) == 1:
            profile.settlement_count = 0  # as read before the EUR settlement was paid
        return profile

    monkeypatch.setattr(settlement_service.profile_store, "get_profile", read_before_the_eur_payout)
    usd = settlement_service.settle_group(shop.profile_id, "USD", shop.bank_id, settlement_service.now())
    assert len(reads) == 2 and int(usd.seq) == 2 and usd.amount == 3000 - 67
    usd_accounts = provider_store.get(shop.bank_id, "USD")
    assert balance(shop.world, shop.bank_id, usd_accounts.fee_account_id) == Decimal("0.67")
    assert balance(shop.world, shop.bank_id, usd_accounts.clearing_account_id) == 0  # paid out once
    assert [s["currency"] for s in _settlements(shop)] == ["USD", "EUR"]
    pages = [shop.client.get(f"/v1/profiles/{shop.profile_id}/settlements?page={p}&size=1").body for p in (0, 1, 2)]
    assert [[s["currency"] for s in page] for page in pages] == [["USD"], ["EUR"], []]


def test_a_negative_net_is_carried_over_to_the_next_settlement(shop, ent, admin, api):
    first = _card(shop, api.client, 1000)
    settlement_service.run()
    # Another merchant's unsettled payment is in the clearing account when the refund is paid.
    other = new_shop(ent, admin, shop.world, name="Other")
    _card(other, api.client, 5000)
    assert shop.client.post(shop.path(f"/{first['id']}/refunds"), {"amount": 1000}).body["state"] == "succeeded"
    payout_before = balance(shop.world, shop.bank_id, shop.payout_account)
    settled = settlement_service.settle_group(shop.profile_id, "EUR", shop.bank_id, settlement_service.now())
    assert (settled.amount, settled.carried_out, settled.carried_in) == (0, 1000, 0)
    assert balance(shop.world, shop.bank_id, shop.payout_account) == payout_before  # the merchant is not overdrawn
    _card(shop, api.client, 3000)
    settlement_service.run()
    newest = _settlements(shop)[0]
    assert newest["carried_over"] == {"from_previous": 1000, "to_next": 0}
    assert newest["amount"] == 3000 - 67 - 1000
    # Every settlement: amount - to_next == payments - refunds - charges - from_previous.
    for s in _settlements(shop):
        assert s["amount"] - s["carried_over"]["to_next"] == (
            s["payout"]["payments"]["sum"] - s["payout"]["refunds"]["sum"] - s["charges_total"]
            - s["carried_over"]["from_previous"])
    registry = provider_store.get(shop.bank_id, "EUR")
    other_settlement = _settlements(other)[0]
    assert other_settlement["amount"] == 5000 - 95
    assert balance(shop.world, shop.bank_id, registry.clearing_account_id) == 0


def _killed_once(monkeypatch, target, name: str, after_calls: int = 0):
    """Make `target.name` raise (a killed process) on its call number after_calls + 1, once."""
    original = getattr(target, name)
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == after_calls + 1:
            raise SystemError(f"killed in {name}")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, dying)


@pytest.mark.parametrize("step", ["between claims", "before the charges", "after the charges' commit, before booking",
                                  "after the charges' booking", "before the payout",
                                  "after the payout's commit, before booking", "after the payout's booking"])
def test_a_run_killed_between_its_steps_and_run_again_pays_once(shop, api, monkeypatch, step):
    paid, _ = _some_payments(shop, api.client)
    before = _accounts(shop)
    webhook_events(("settlement.",))
    monkeypatch.setattr(settlement_service, "CHUNK", 2)  # 4 items: two claim transactions
    if step == "between claims":
        _killed_once(monkeypatch, settlement_service, "_claim_chunk", after_calls=1)
    elif step == "before the charges":
        _killed_once(monkeypatch, settlement_service, "_charge")
    elif step == "after the charges' commit, before booking":
        _killed_once(monkeypatch, booking, "book")  # transfers.post books after its commit
    elif step == "after the charges' booking":
        _killed_once(monkeypatch, outbox, "dispatch")  # the first dispatch: the charges' booking's events
    elif step == "before the payout":
        _killed_once(monkeypatch, settlement_service, "_pay_out")
    elif step == "after the payout's commit, before booking":
        _killed_once(monkeypatch, booking, "book", after_calls=1)
    else:  # the settlement.created event's dispatch, after the payout's commit and booking
        dispatch = outbox.dispatch

        def dying(*messages):
            if any(m.payload.get("event_type") == "settlement.created" for m in messages):
                monkeypatch.setattr(outbox, "dispatch", dispatch)
                raise SystemError("killed before the settlement's event was sent")
            return dispatch(*messages)

        monkeypatch.setattr(outbox, "dispatch", dying)
    paid_out_when_killed = step.startswith("after the payout")
    registry = provider_store.get(shop.bank_id, "EUR")
    first = settlement_service.run()
    assert first["pending"] == 1 and first["settlements"] == 0, first
    left_unbooked = [ledger.unbooked(shop.bank_id, account_id, 10) for account_id in (
        registry.clearing_account_id, registry.fee_account_id, shop.payout_account)]
    assert any(u.transactions or u.requests for u in left_unbooked) == step.endswith("before booking"), step
    assert _settlements(shop) == [] if not paid_out_when_killed else len(_settlements(shop)) == 1
    again = settlement_service.run()
    assert again["pending"] == 0, again
    assert settlement_service.run() == {"settlements": 0, "items": 0, "pending": 0}
    # What a killed run left unbooked, the sweeper books (the outbox_sweeper schedule).
    booking.sweep(min_age_seconds=0)
    outbox.sweep(min_age_seconds=0)
    assert [kind for kind, _ in webhook_events(("settlement.",))] == ["settlement.created"]

    [settlement] = _settlements(shop)
    assert (settlement["amount"], settlement["charges_total"], settlement["payout"]["payments"]["count"],
            settlement["payout"]["refunds"]["count"]) == (4905, 95, 3, 1)
    after = _accounts(shop)
    assert after["payout"] - before["payout"] == Decimal("49.05")
    assert after["fees"] - before["fees"] == Decimal("0.95")
    assert after["clearing"] == 0
    assert {shop.payment(p["id"])["settlement_id"] for p in paid} == {settlement["id"]}
    assert booked_transactions_sum(shop.bank_id, registry.fee_account_id) == (Decimal("0.95"), 1)
    for account_id in (shop.payout_account, registry.clearing_account_id):
        booked_transactions_sum(shop.bank_id, account_id)
    clearing = get_account(shop.bank_id, registry.clearing_account_id)
    listed = ledger.requests_page(clearing, offset=0, limit=100, descending=False)
    assert [r.request_type for r in listed].count(settlement_service.REQUEST_TYPE) == 2
    assert settlement_store.group_state(shop.profile_id, "EUR", shop.bank_id)[0] is None  # no settlement left open


def test_runs_at_once_settle_once(shop, api):
    _some_payments(shop, api.client)
    before = _accounts(shop)
    with serialized_aws_calls(), ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: settlement_service.run(), range(3)))
    assert sum(r["settlements"] for r in results) == 1 and sum(r["items"] for r in results) == 4, results
    [settlement] = _settlements(shop)
    assert settlement["amount"] == 4905
    after = _accounts(shop)
    assert (after["payout"] - before["payout"], after["fees"] - before["fees"], after["clearing"]) == (
        Decimal("49.05"), Decimal("0.95"), 0)


def test_many_items_are_claimed_in_bounded_transactions(shop, api, monkeypatch, dynamo_calls):
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer, amount=100, frequency="daily")
    for _ in range(7):
        assert charge(shop, method, 100).body["state"] == "succeeded"
    monkeypatch.setattr(settlement_service, "CHUNK", 3)
    dynamo_calls.reset()
    assert settlement_service.run() == {"settlements": 1, "items": 7, "pending": 0}
    def claimed(item: dict) -> bool:
        return "settlement_id" in item.get("Update", {}).get("ExpressionAttributeNames", {}).values()

    claims = [[i for i in p["TransactItems"] if claimed(i)] for op, p in dynamo_calls.calls
              if op == "TransactWriteItems" and any(claimed(i) for i in p["TransactItems"])]
    assert [len(c) for c in claims] == [3, 3, 1]  # three chunks, each its own transaction
    [settlement] = _settlements(shop)
    assert (settlement["payout"]["payments"], settlement["charges_total"]) == ({"count": 7, "sum": 700}, 7 * 11)


def test_the_fee_schedule_is_set_per_profile_by_an_admin(shop, api, admin):
    path = f"/v1/profiles/{shop.profile_id}/fee-schedule"
    default = {"openbanking": {"fixed": 10, "basis_points": 50}, "creditcard": {"fixed": 25, "basis_points": 140},
               "refund": {"fixed": 0, "basis_points": 0}}
    assert shop.client.get(path).body == {"profile_id": shop.profile_id, "custom": False, "fees": default}
    assert FeeSchedule.model_validate(shop.client.get(path).body).model_dump() == shop.client.get(path).body
    custom = {"openbanking": {"fixed": 0, "basis_points": 100}, "creditcard": {"fixed": 30, "basis_points": 0},
              "refund": {"fixed": 5, "basis_points": 0}}
    assert shop.client.put(path, custom).status == 401  # a partner does not set its own fees
    user = admin.create_user()
    plain = Api(admin.client).login(user["username"], STRONG_PASSWORD, admin.consumer_key)
    assert plain.put(path, custom).status == 403
    r = admin.put(path, {**custom, "refund": {"fixed": -1, "basis_points": 0}})
    assert r.status == 400 and r.body["fields"] == [{"field": "refund.fixed", "reason": "must be at least 0"}]
    r = admin.put(path, custom)
    assert r.status == 200 and r.body == {"profile_id": shop.profile_id, "custom": True, "fees": custom}
    assert shop.client.get(path).body["fees"] == custom and admin.get(path).body["custom"] is True
    assert admin.put(f"/v1/profiles/profile_{'0' * 32}/fee-schedule", custom).status == 404

    card = _card(shop, api.client, 2000)
    shop.client.post(shop.path(f"/{card['id']}/refunds"), {"amount": 100})
    settlement_service.run()
    [settlement] = _settlements(shop)
    assert settlement["charges"] == {"openbanking": 0, "creditcard": 30, "refund": 5}
    assert admin.delete(path).body == {"profile_id": shop.profile_id, "custom": False, "fees": default}
