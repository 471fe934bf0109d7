"""Refunds: full and partial, never more than was paid (10 racing refunds included), the money
back from the clearing account to the payer (or the card acquirer), pending -> succeeded | failed,
events, reads, isolation; the provider's accounts as an admin sees them."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest

from chalicelib.services.enterprise import acquirer
from chalicelib.services.enterprise import payments as payment_service
from chalicelib.services.enterprise import refunds as refund_service
from chalicelib.services.enterprise.errors import EnterpriseError
from chalicelib.store import ledger
from chalicelib.store.accounts import get_account
from chalicelib.store.enterprise import payments as payment_store
from chalicelib.store.enterprise import provider_accounts as provider_store
from tests.payments_support import TEST_CARDS, balance, new_payer, pay_by_bank, pay_by_card, webhook_events
from tests.support import serialized_aws_calls


def _paid(shop, api, amount: int = 10000):
    payer = new_payer(shop.world, funds="500")
    body = shop.create(amount).body
    pay_by_bank(api.client, body, payer, shop.bank_id)
    assert shop.payment(body["id"])["state"] == "succeeded"
    webhook_events()
    return body["id"], payer


def test_partial_and_full_refunds_pay_the_payer_back_from_clearing(shop, api):
    payment_id, payer = _paid(shop, api, 10000)
    clearing = provider_store.get(shop.bank_id, "EUR").clearing_account_id
    refunds = shop.path(f"/{payment_id}/refunds")
    first = shop.client.post(refunds, {"amount": 2500, "description": "one item back", "metadata": {"rma": "7"}})
    assert first.status == 201, first.body
    assert {k: first.body[k] for k in ("payment_id", "amount", "currency", "description", "metadata", "state",
                                       "failure_reason")} == {
        "payment_id": payment_id, "amount": 2500, "currency": "EUR", "description": "one item back",
        "metadata": {"rma": "7"}, "state": "succeeded", "failure_reason": None}
    assert first.body["id"].startswith("refund_") and first.body["completed"] is not None
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("425.00")
    assert balance(shop.world, shop.bank_id, clearing) == Decimal("75.00")
    assert shop.payment(payment_id)["amount_refunded"] == 2500
    too_much = shop.client.post(refunds, {"amount": 7501})
    assert too_much.status == 400 and too_much.body["fields"] == [
        {"field": "amount", "reason": "must be at most 7500: what is left to refund of the payment"}]
    rest = shop.client.post(refunds, {})  # no amount: all that is left
    assert rest.status == 201 and (rest.body["amount"], rest.body["state"]) == (7500, "succeeded")
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("500.00")
    assert balance(shop.world, shop.bank_id, clearing) == Decimal("0.00")
    done = shop.client.post(refunds, {"amount": 1})
    assert done.status == 400 and done.body["fields"] == [{"field": "amount", "reason": "the payment has been refunded in full"}]
    assert shop.payment(payment_id)["state"] == "succeeded" and shop.payment(payment_id)["amount_refunded"] == 10000

    listed = shop.client.get(refunds)
    assert listed.status == 200 and [r["id"] for r in listed.body] == [first.body["id"], rest.body["id"]]
    assert shop.client.get(f"{refunds}/{first.body['id']}").body == first.body
    assert shop.client.get(f"{refunds}/refund_{'0' * 32}").status == 404
    events = webhook_events()
    assert [(t, b["id"]) for t, b in events] == [
        ("refund.pending", first.body["id"]), ("refund.succeeded", first.body["id"]),
        ("refund.pending", rest.body["id"]), ("refund.succeeded", rest.body["id"])]
    assert events[0][1] == {"type": "refund.pending", "id": first.body["id"], "payment_id": payment_id,
                            "profile_id": shop.profile_id}
    # Each refund is a REFUND transaction request clearing -> payer, and knows its ledger ids.
    stored = payment_store.get_refund(payment_id, first.body["id"])
    request = ledger.load_request(stored.transaction_request_id).request
    assert (request.request_type, request.status, request.from_account_id, request.to_account_id) == (
        "REFUND", "COMPLETED", clearing, payer.accounts[0])
    debit = ledger.get_transaction(shop.bank_id, clearing, stored.debit_transaction_id)
    credit = ledger.get_transaction(shop.bank_id, payer.accounts[0], stored.credit_transaction_id)
    assert (debit.amount, credit.amount) == (Decimal("-25.00"), Decimal("25.00"))


def test_ten_racing_partial_refunds_get_exactly_as_far_as_the_amount(shop, api):
    payment_id, payer = _paid(shop, api, 10000)

    def refund(_):
        try:
            return refund_service.create_refund(shop.partner, shop.profile_id, payment_id, 3000).state
        except EnterpriseError as err:
            return err.fields[0]["field"] if err.fields else err.code

    with serialized_aws_calls(), ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(refund, range(10)))
    assert sorted(outcomes) == ["amount"] * 7 + ["succeeded"] * 3  # 3 x 30.00 fit in 100.00; a 4th does not
    payment = shop.payment(payment_id)
    assert payment["amount_refunded"] == 9000
    assert [r["amount"] for r in shop.client.get(shop.path(f"/{payment_id}/refunds")).body] == [3000] * 3
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("490.00")
    stored = payment_store.get_payment(payment_id)
    assert (int(stored.refund_reserved), int(stored.refund_count)) == (9000, 3)
    assert shop.client.post(shop.path(f"/{payment_id}/refunds"), {"amount": 1000}).status == 201
    assert shop.payment(payment_id)["amount_refunded"] == 10000


def test_only_succeeded_payments_are_refunded(shop, api):
    created = shop.create(100).body
    r = shop.client.post(shop.path(f"/{created['id']}/refunds"), {"amount": 1})
    assert r.status == 400 and r.body["fields"] == [
        {"field": "payment", "reason": "only a succeeded payment can be refunded; this one is created"}]
    bad = shop.client.post(shop.path(f"/{created['id']}/refunds"), {"amount": 1.5})
    assert bad.status == 400 and bad.body["fields"] == [{"field": "amount", "reason": "must be a whole number"}]
    assert shop.client.post(shop.path(f"/{created['id']}/refunds"), {"amount": 0}).body["fields"] == [
        {"field": "amount", "reason": "must be at least 1"}]
    assert shop.client.get(shop.path(f"/{created['id']}/refunds")).body == []


def test_a_card_refund_goes_back_to_the_acquirers_funds_and_a_refused_one_fails(shop, api, monkeypatch):
    body = shop.create(5000, method="creditcard").body
    pay_by_card(api.client, body, TEST_CARDS["approved"])
    registry = provider_store.get(shop.bank_id, "EUR")
    assert balance(shop.world, shop.bank_id, registry.acquirer_account_id) == Decimal("-50.00")
    refunds = shop.path(f"/{body['id']}/refunds")
    ok = shop.client.post(refunds, {"amount": 2000})
    assert ok.status == 201 and ok.body["state"] == "succeeded"
    assert balance(shop.world, shop.bank_id, registry.acquirer_account_id) == Decimal("-30.00")
    assert balance(shop.world, shop.bank_id, registry.clearing_account_id) == Decimal("30.00")
    webhook_events()
    monkeypatch.setattr(acquirer.ACQUIRER, "refund", lambda reference, amount, currency: False)
    refused = shop.client.post(refunds, {"amount": 3000})
    assert refused.status == 201 and (refused.body["state"], refused.body["failure_reason"]) == (
        "failed", "refused_by_the_acquirer")
    assert [t for t, _ in webhook_events()] == ["refund.pending", "refund.failed"]
    assert balance(shop.world, shop.bank_id, registry.clearing_account_id) == Decimal("30.00")
    monkeypatch.undo()
    again = shop.client.post(refunds, {"amount": 3000})  # the failed refund's amount was released
    assert again.status == 201 and again.body["state"] == "succeeded"
    assert shop.payment(body["id"])["amount_refunded"] == 5000


def test_a_refund_the_clearing_account_cannot_pay_fails_and_is_released(shop, api, admin):
    payment_id, payer = _paid(shop, api, 4000)
    clearing = provider_store.get(shop.bank_id, "EUR").clearing_account_id
    # The clearing account was paid out meanwhile (as a settlement will do).
    admin.grant(admin.user_id, "CanCreateAnyTransactionRequest", shop.bank_id)
    r = admin.post(f"/obp/v4.0.0/banks/{shop.bank_id}/accounts/{clearing}/owner/transaction-request-types/ACCOUNT/"
                   "transaction-requests", {"to": {"bank_id": shop.bank_id, "account_id": shop.payout_account},
                                            "value": {"currency": "EUR", "amount": "40.00"}, "description": "payout"})
    assert r.status == 201, r.body
    refused = shop.client.post(shop.path(f"/{payment_id}/refunds"), {"amount": 1000})
    assert (refused.body["state"], refused.body["failure_reason"]) == ("failed", "insufficient_funds_in_clearing")
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("460.00")
    stored = payment_store.get_payment(payment_id)
    assert (int(stored.refund_reserved), int(stored.amount_refunded)) == (0, 0)
    request = ledger.load_request(payment_store.get_refund(payment_id, refused.body["id"]).transaction_request_id).request
    assert request.status == "FAILED"
    # Booked into the clearing account's list of requests, after the payout's.
    listed = ledger.requests_page(get_account(shop.bank_id, clearing), offset=0, limit=10, descending=False)
    assert [(r.request_type, r.status) for r in listed] == [("ACCOUNT", "COMPLETED"), ("REFUND", "FAILED")]


def test_a_refund_left_pending_is_finished_by_the_sweeper(shop, api, monkeypatch):
    payment_id, payer = _paid(shop, api, 4000)
    monkeypatch.setattr(refund_service, "_execute", lambda payment, refund: refund)  # dies after reserving
    pending = shop.client.post(shop.path(f"/{payment_id}/refunds"), {"amount": 1500})
    assert pending.status == 201 and pending.body["state"] == "pending"
    monkeypatch.undo()
    assert payment_service.sweep()["refunds_resumed"] == 0
    later = payment_service.now() + timedelta(seconds=121)
    monkeypatch.setattr(payment_service, "now", lambda: later)
    assert payment_service.sweep() == {"expired": 0, "resumed": 0, "refunds_resumed": 1, "payment_methods_failed": 0}
    assert shop.client.get(shop.path(f"/{payment_id}/refunds/{pending.body['id']}")).body["state"] == "succeeded"
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("475.00")
    assert payment_service.sweep()["refunds_resumed"] == 0


def test_the_provider_accounts_are_an_admins(shop, api, admin, ent):
    accounts = "/v1/provider-accounts"
    partner = shop.client.post(accounts, {"bank_id": shop.bank_id, "currency": "GBP"})
    assert partner.status == 401
    user = admin.new_user_session()
    assert user.post(accounts, {"bank_id": shop.bank_id, "currency": "GBP"}).status == 403
    bad = admin.post(accounts, {"bank_id": "no-such-bank", "currency": "XAU"})
    assert bad.status == 400 and {f["field"] for f in bad.body["fields"]} == {"bank_id", "currency"}
    made = admin.post(accounts, {"bank_id": shop.bank_id, "currency": "GBP"})
    assert made.status == 201, made.body
    assert made.body["clearing_account"]["account_id"].startswith("psp-clearing-gbp-")
    assert {made.body[k]["balance"] for k in ("clearing_account", "fee_account", "card_acquirer_account")} == {0}
    again = admin.post(accounts, {"bank_id": shop.bank_id, "currency": "GBP"})
    assert again.status == 200 and again.body == made.body
    body = shop.create(1234, method="creditcard").body
    pay_by_card(api.client, body, TEST_CARDS["approved"])
    eur = admin.get(f"{accounts}/{shop.bank_id}/EUR")
    assert eur.status == 200 and eur.body["clearing_account"]["balance"] == 1234
    assert eur.body["card_acquirer_account"]["balance"] == -1234 and eur.body["fee_account"]["balance"] == 0
    assert admin.get(f"{accounts}/{shop.bank_id}/JPY").status == 404
    unknown, malformed = admin.get(f"{accounts}/no-such-bank/EUR"), admin.get(f"{accounts}/bad$bank/EUR")
    assert (unknown.status, unknown.body) == (404, {"error": "not_found", "error_description": "Resource not found"})
    assert (malformed.status, malformed.body["error"]) == (400, "invalid_request")
    assert user.get(f"{accounts}/{shop.bank_id}/EUR").status == 403


def test_the_providers_accounts_keep_their_own_overdraft_whatever_the_stage_default(shop, monkeypatch):
    """Clearing and fee accounts may never go below zero, the acquirer's funds far below, even where
    OBP_DEFAULT_OVERDRAFT_LIMIT is `unlimited` (the local stage): their limits are explicit."""
    from chalicelib.services import transfers
    from chalicelib.services.enterprise import provider_accounts
    from chalicelib.settings import reload_settings

    monkeypatch.setenv("OBP_DEFAULT_OVERDRAFT_LIMIT", "unlimited")
    assert reload_settings().default_overdraft_limit is None
    try:
        accounts = provider_accounts.for_bank(shop.bank_id, "CHF")
        for account_id in (accounts.clearing_account_id, accounts.fee_account_id):
            with pytest.raises(transfers.InsufficientFunds):
                transfers.post(transfers.Transfer((shop.bank_id, account_id), (shop.bank_id, shop.payout_account),
                                                  Decimal("0.01"), "CHF", "out", "ACCOUNT", ""), lambda *_: [])
            assert get_account(shop.bank_id, account_id).balance == 0
        acquirer_account = get_account(shop.bank_id, accounts.acquirer_account_id)
        assert transfers.floor(acquirer_account) == -Decimal(provider_accounts.ACQUIRER_OVERDRAFT)
    finally:
        monkeypatch.undo()
        reload_settings()
