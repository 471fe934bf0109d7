"""Charges without the payer: a payment naming a payment_method is paid through the mandate (the
payer's VRP consent) as a COUNTERPARTY transaction request, within its limits; the scheduled
function charges due mandates on their day, once per period whatever the retries or races."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest

from chalicelib.services.enterprise import payment_methods as method_service
from chalicelib.services.enterprise import payments as payment_service
from chalicelib.store import counterparties as counterparty_store
from chalicelib.store import ledger
from chalicelib.store.enterprise import payment_methods as method_store
from chalicelib.store.enterprise import payments as payment_store
from chalicelib.store.enterprise import provider_accounts as provider_store
from tests.payments_support import (
    authorised_method, balance, charge, methods_path, new_customer, new_payer, webhook_events,
)
from tests.support import put_product, serialized_aws_calls


def _fields(r) -> dict:
    assert r.status == 400 and r.body["error"] == "invalid_request", r.body
    return {f["field"]: f["reason"] for f in r.body["fields"]}


def _customer_payments(shop, customer_id: str) -> list[dict]:
    r = shop.client.get(shop.path(f"?customer_id={customer_id}&size=100"))
    assert r.status == 200, r.body
    return r.body["data"]


def test_a_charge_through_the_mandate_pays_at_once_as_a_counterparty_request(shop, api):
    payer = new_payer(shop.world, funds="100")
    method = authorised_method(shop, api.client, payer, amount=2000)
    webhook_events()
    r = charge(shop, method, 1250, reference="invoice-9")
    assert r.status == 201, r.body
    body = r.body
    assert (body["state"], body["payment_method"], body["customer_id"], body["next"], body["session"]) == (
        "succeeded", method["id"], method["customer_id"], None, None)
    assert body["openbanking"] == {"bank_id": shop.bank_id} and body["failure_reason"] is None
    assert [t for t, b in webhook_events() if b["id"] == body["id"]] == [
        "payment.created", "payment.processing", "payment.succeeded"]
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("87.50")
    clearing = provider_store.get(shop.bank_id, "EUR").clearing_account_id
    assert balance(shop.world, shop.bank_id, clearing) == Decimal("12.50")

    # The payer's bank sees a COUNTERPARTY transaction request through the mandate's view.
    stored = payment_store.get_payment(body["id"])
    pm = method_store.get_method(method["id"])
    r = payer.session.get(f"/obp/v4.0.0/banks/{shop.bank_id}/accounts/{payer.accounts[0]}/owner/transaction-requests")
    [request] = [tr for tr in r.body["transaction_requests_with_charges"] if tr["id"] == stored.transaction_request_id]
    assert (request["type"], request["status"], request["transaction_ids"]) == (
        "COUNTERPARTY", "COMPLETED", [stored.debit_transaction_id])
    loaded = ledger.load_request(stored.transaction_request_id).request
    assert (loaded.counterparty_id, loaded.view_id, loaded.created_by_user_id) == (
        pm.counterparty_id, pm.view_id, payer.user_id)
    credit = ledger.get_transaction(shop.bank_id, clearing, stored.credit_transaction_id)
    assert credit.amount == Decimal("12.50") and credit.transaction_request_id == stored.transaction_request_id
    assert (credit.sequence, credit.new_balance) == (1, Decimal("12.50"))  # booked with the charge

    # A repeated reference returns the first payment; it can be refunded back to the payer.
    assert charge(shop, method, 1250, reference="invoice-9").body["id"] == body["id"]
    refund = shop.client.post(shop.path(f"/{body['id']}/refunds"), {"amount": 250})
    assert refund.status == 201 and refund.body["state"] == "succeeded"
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("90.00")


def test_over_a_limit_the_charge_fails_with_the_limit_named(shop, api):
    payer = new_payer(shop.world)
    today = method_service.now().date()
    monthly = authorised_method(shop, api.client, payer, amount=1000, frequency="monthly")
    over = charge(shop, monthly, 1001).body
    assert (over["state"], over["failure_reason"]) == ("failed", "over_mandate_single_limit")
    # The payer's bank lists the refused charge's FAILED request (booked as every request).
    refused = payment_store.get_payment(over["id"]).transaction_request_id
    r = payer.session.get(f"/obp/v4.0.0/banks/{shop.bank_id}/accounts/{payer.accounts[0]}/owner/transaction-requests")
    assert [(tr["type"], tr["status"]) for tr in r.body["transaction_requests_with_charges"] if tr["id"] == refused] == [
        ("COUNTERPARTY", "FAILED")]
    assert charge(shop, monthly, 1000).body["state"] == "succeeded"
    second = charge(shop, monthly, 10).body  # one charge a month
    assert (second["state"], second["failure_reason"]) == ("failed", "over_mandate_monthly_limit")

    ends = authorised_method(shop, api.client, payer, amount=100, frequency="daily",
                             recurring={"end_date": (today + timedelta(days=1)).isoformat()})  # two charges in all
    assert [charge(shop, ends, 100).body["state"] for _ in range(2)] == ["succeeded", "succeeded"]
    third = charge(shop, ends, 1).body
    assert (third["state"], third["failure_reason"]) == ("failed", "over_mandate_total_limit")
    # A refused charge moved no money, and the payer's bank keeps it as a FAILED request.
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("488.00")
    stored = payment_store.get_payment(third["id"])
    assert ledger.load_request(stored.transaction_request_id).request.status == "FAILED"
    # Refusals by a limit leave the mandate in force.
    assert method_store.get_method(ends["id"]).state == "succeeded"


def test_a_payer_without_funds_fails_the_charge_not_the_mandate(shop, admin, api):
    lean = put_product(admin, shop.bank_id, attributes={})
    payer = new_payer(shop.world, funds="5", product=lean)
    method = authorised_method(shop, api.client, payer, amount=1000)
    r = charge(shop, method, 600).body
    assert (r["state"], r["failure_reason"]) == ("failed", "insufficient_funds")
    assert method_store.get_method(method["id"]).state == "succeeded"
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("5")


def test_charges_name_an_authorised_method_of_the_profile_in_its_currency(shop, api):
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer)
    assert _fields(charge(shop, method, 100, method="creditcard")) == {"method": "must be openbanking with a payment_method"}
    assert _fields(charge(shop, method, 100, currency="USD")) == {"currency": "must be the payment method's currency, EUR"}
    assert _fields(charge(shop, method, 100, customer_id=new_customer(shop))) == {
        "customer_id": "must be the payment method's customer"}
    assert _fields(charge(shop, {**method, "id": "pm_" + "0" * 32}, 100)) == {
        "payment_method": "no such payment method of this profile"}
    waiting = shop.client.post(methods_path(shop, method["customer_id"]), {
        "method": "openbanking", "openbanking": {"recurring": {"amount": 5, "currency": "EUR", "frequency": "daily"}},
        "session": {"redirect_url": "https://shop.example/"}}).body
    assert _fields(charge(shop, waiting, 1)) == {
        "payment_method": "its mandate does not allow charges: the payment method is created"}
    assert _customer_payments(shop, method["customer_id"]) == []  # nothing was created


def test_the_scheduled_function_charges_each_period_once_on_its_day(shop, api):
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer, amount=300, frequency="daily")
    today = method_service.now()
    assert method_service.charge_due(today - timedelta(days=1)) == {"charged": 0, "failed": 0, "expired": 0}
    assert method_service.charge_due(today) == {"charged": 1, "failed": 0, "expired": 0}
    assert method_service.charge_due(today) == {"charged": 0, "failed": 0, "expired": 0}  # a retry: nothing more
    [first] = _customer_payments(shop, method["customer_id"])
    period = today.date().isoformat()
    assert (first["state"], first["amount"], first["metadata"], first["payment_method"]) == (
        "succeeded", 300, {"recurring_period": period}, method["id"])
    assert first["description"] == f"Bike club membership ({period})"
    got = shop.client.get(methods_path(shop, method["customer_id"], f"/{method['id']}")).body
    assert got["next_charge_date"] == (today + timedelta(days=1)).date().isoformat()
    # Missed days are caught up, one charge for each.
    assert method_service.charge_due(today + timedelta(days=2)) == {"charged": 2, "failed": 0, "expired": 0}
    periods = sorted(p["metadata"]["recurring_period"] for p in _customer_payments(shop, method["customer_id"]))
    assert periods == [(today + timedelta(days=n)).date().isoformat() for n in range(3)]
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("491.00")


def test_a_period_is_charged_once_whatever_the_crashes_and_races(shop, api, monkeypatch):
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer, amount=300, frequency="daily")
    today = method_service.now()

    # The run dies right after the period's payment was created (before it was paid).
    def dies(payment):
        raise RuntimeError("killed")

    monkeypatch.setattr(payment_service, "finish_mandate_payment", dies)
    assert method_service.charge_due(today) == {"charged": 0, "failed": 0, "expired": 0}
    [left] = _customer_payments(shop, method["customer_id"])
    assert left["state"] == "created"
    monkeypatch.undo()
    assert method_service.charge_due(today) == {"charged": 1, "failed": 0, "expired": 0}
    [paid] = _customer_payments(shop, method["customer_id"])
    assert (paid["id"], paid["state"]) == (left["id"], "succeeded")

    # Four runs at once for the next day: one payment.
    tomorrow = today + timedelta(days=1)
    with serialized_aws_calls(), ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: method_service.charge_due(tomorrow), range(4)))
    assert sum(r["charged"] for r in results) == 1
    assert len(_customer_payments(shop, method["customer_id"])) == 2
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("494.00")


def test_a_charge_a_crash_left_unfinished_is_finished_by_the_sweeper(shop, api, monkeypatch):
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer, amount=300, frequency="daily")
    monkeypatch.setattr(payment_service, "finish_mandate_payment", lambda payment: payment)  # dies after creating it
    r = charge(shop, method, 200)
    assert r.status == 201 and r.body["state"] == "created"
    monkeypatch.undo()
    assert payment_service.sweep()["resumed"] == 0  # not due yet
    later = payment_service.now() + timedelta(seconds=121)
    monkeypatch.setattr(payment_service, "now", lambda: later)
    assert payment_service.sweep()["resumed"] == 1
    assert payment_store.get_payment(r.body["id"]).state == "succeeded"


@pytest.mark.parametrize("frequency, runs, expected", [("weekly", 15, 3), ("monthly", 63, 3)])
def test_weeks_and_months_are_charged_on_their_execution_day(shop, api, monkeypatch, frequency, runs, expected):
    payer = new_payer(shop.world, funds="900")
    method = authorised_method(shop, api.client, payer, amount=100, frequency=frequency)
    start = method_service.now()
    # The mandate's usage periods follow the run's day (the ledger itself runs on today's clock).
    clock = {"at": start}
    periods = counterparty_store.periods
    monkeypatch.setattr(counterparty_store, "periods", lambda moment: periods(clock["at"]))
    for day in range(runs):
        clock["at"] = start + timedelta(days=day)
        method_service.charge_due(clock["at"])
    payments = _customer_payments(shop, method["customer_id"])
    assert len(payments) == expected and {p["state"] for p in payments} == {"succeeded"}, payments


def test_a_revocation_racing_a_charge_wins_or_loses_whole(shop, api, monkeypatch):
    """The payer revokes the consent after the charge checked it: the ledger's transaction is
    conditioned on the consent still being ACCEPTED, so no money moves and the charge fails."""
    from chalicelib.services import consent_use
    from chalicelib.services import consents
    from chalicelib.services.enterprise import mandates
    from chalicelib.store import consents as consent_store

    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer)
    checked = consent_use.caller_of

    def then_revoked(consent):
        caller = checked(consent)
        consent_store.set_status(consent_store.get_consent(consent.consent_id), "REVOKED",
                                 now=method_service.now(), from_statuses=(consents.ACCEPTED,))
        return caller

    monkeypatch.setattr(mandates.consent_use, "caller_of", then_revoked)
    r = charge(shop, method, 500)
    assert (r.body["state"], r.body["failure_reason"]) == ("failed", "mandate_revoked"), r.body
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("500")
    stored = method_store.get_method(method["id"])
    assert (stored.state, stored.expiry_reason) == ("expired", "consent_revoked")
