"""Payments over /v1: create, read, list (paged, filtered), idempotency by reference and by
Idempotency-Key, validation of amounts, currencies and countries, partner isolation, expiry."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest

from chalicelib.services.enterprise import payments as payment_service
from chalicelib.store import accounts as account_store
from chalicelib.store import ledger
from chalicelib.store.enterprise import profiles as profile_store
from chalicelib.store.enterprise import payments as payment_store
from chalicelib.store.enterprise import provider_accounts as provider_store
from tests.api.enterprise.conftest import new_customer, new_profile
from tests.payments_support import (
    BILLING, REDIRECT, SHIPPING, Browser, balance, new_payer, new_shop, pay_by_bank, webhook_events,
)
from tests.support import serialized_aws_calls

ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_a_payment_is_created_with_its_hosted_page_and_announced(shop):
    r = shop.create(8230, reference="order-42", metadata={"order": "42"})
    assert r.status == 201, r.body
    body = r.body
    assert re.match(r"^payment_[0-9a-f]{32}$", body["id"])
    assert re.match(rf"^http://127\.0\.0\.1:8000/checkout/{body['id']}/[A-Za-z0-9_-]{{43}}$", body["next"]["redirect"])
    assert {k: body[k] for k in ("profile_id", "method", "state", "amount", "currency", "description", "reference",
                                 "metadata", "session", "amount_refunded", "failure_reason", "completed", "openbanking")} == {
        "profile_id": shop.profile_id, "method": "openbanking", "state": "created", "amount": 8230, "currency": "EUR",
        "description": "Order 42", "reference": "order-42", "metadata": {"order": "42"},
        "session": {"redirect_url": REDIRECT}, "amount_refunded": 0, "failure_reason": None, "completed": None,
        "openbanking": None}
    assert ISO_MILLIS.match(body["created"]) and ISO_MILLIS.match(body["expires"])
    assert shop.payment(body["id"]) == body
    assert webhook_events() == [("payment.created", {"type": "payment.created", "id": body["id"], "profile_id": shop.profile_id})]
    # The provider's accounts at the payout bank were created on first use, and recorded on the payment.
    registry = provider_store.get(shop.bank_id, "EUR")
    stored = payment_store.get_payment(body["id"])
    assert (stored.clearing_bank_id, stored.clearing_account_id) == (shop.bank_id, registry.clearing_account_id)
    clearing = account_store.get_account(shop.bank_id, registry.clearing_account_id)
    assert clearing.balance == 0 and clearing.currency == "EUR" and clearing.holders == []
    # The hosted page's secret is stored only as a hash.
    secret = body["next"]["redirect"].rsplit("/", 1)[1]
    checkout = payment_store.get_checkout(body["id"])
    assert secret not in str(checkout.attribute_values) and checkout.token_hash != secret


@pytest.mark.parametrize("currency, minor, ledger_amount", [("EUR", 8230, "82.30"), ("JPY", 8230, "8230"),
                                                            ("CLF", 12345, "1.2345"), ("BHD", 8230, "8.230")])
def test_amounts_are_minor_units_converted_exactly_to_the_ledger(ent, admin, api, currency, minor, ledger_amount):
    shop = new_shop(ent, admin)
    payer = new_payer(shop.world, funds=None, currency=currency)  # pays from its overdraft
    r = shop.create(minor, currency=currency)
    assert r.status == 201 and r.body["amount"] == minor, r.body
    pay_by_bank(api.client, r.body, payer, shop.bank_id)
    assert shop.payment(r.body["id"])["state"] == "succeeded"
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == -Decimal(ledger_amount)
    stored = payment_store.get_payment(r.body["id"])
    debit = ledger.get_transaction(shop.bank_id, payer.accounts[0], stored.debit_transaction_id)
    assert str(debit.amount) == f"-{ledger_amount}"
    clearing = account_store.get_account(stored.clearing_bank_id, stored.clearing_account_id)
    assert clearing.balance == Decimal(ledger_amount) and str(clearing.balance) == ledger_amount


def _fields(r) -> dict:
    assert r.status == 400 and r.body["error"] == "invalid_request", r.body
    return {f["field"]: f["reason"] for f in r.body["fields"]}


def test_bad_amounts_currencies_and_countries_are_400_naming_the_field(shop):
    whole = "must be a whole number"
    assert _fields(shop.create(82.30)) == {"amount": whole}
    assert _fields(shop.create("8230")) == {"amount": whole}
    assert _fields(shop.create(8230.0)) == {"amount": whole}
    assert _fields(shop.create(True)) == {"amount": whole}
    assert _fields(shop.create(0)) == {"amount": "must be at least 1"}
    assert _fields(shop.create(10_000_001)) == {"amount": "must be at most 10000000 (100000 EUR)"}
    assert _fields(shop.create(100_001, currency="JPY")) == {"amount": "must be at most 100000 (100000 JPY)"}
    assert shop.create(10_000_000).status == 201  # the limit itself is allowed
    currency = "must be an ISO 4217 currency code with minor units, in capitals (e.g. EUR)"
    for bad in ("eur", "EURO", "ABC", "XAU", "XXX", ""):
        expected = {"currency": "is required"} if bad == "" else {"currency": currency}
        assert _fields(shop.create(8230, currency=bad)) == expected, bad
    assert _fields(shop.create(8230, method="paypal")) == {"method": "must be one of openbanking, creditcard"}
    assert _fields(shop.client.post(shop.path(), {"method": "openbanking", "amount": 1, "currency": "EUR"})) == {
        "session": "is required (session.redirect_url) unless the payment names a payment_method"}
    assert _fields(shop.create(8230, session={"redirect_url": "javascript:alert(1)"})) == {
        "session.redirect_url": "must be an https URL (or http in the local stage) without user information"}
    country = "must be an ISO 3166-1 alpha-2 code in capitals (e.g. NL)"
    zz = {**BILLING, "address": {"country": "ZZ"}}
    assert _fields(shop.create(8230, method="creditcard", billing=zz)) == {"billing.address.country": country}
    assert _fields(shop.create(8230, shipping={"address": {"country": "nl"}})) == {"shipping.address.country": country}
    assert _fields(shop.create(8230, metadata={"n": 1})) == {"metadata": "values must be strings"}
    assert _fields(shop.create(8230, colour="red")) == {"colour": "is not a known field"}
    card = shop.client.post(shop.path(), {"method": "creditcard", "amount": 1, "currency": "EUR",
                                          "session": {"redirect_url": REDIRECT}})
    assert _fields(card) == {"billing": "is required for creditcard payments", "shipping": "is required for creditcard payments"}
    no_contact = shop.create(8230, method="creditcard", billing={"first_name": "Ann"}, shipping=SHIPPING)
    assert _fields(no_contact) == {"billing": "needs an email or a phone for the cardholder's 3-D Secure code"}
    assert _fields(shop.create(8230, customer_id="customer_nope")) == {"customer_id": "no such customer of this profile"}
    assert shop.client.get(shop.path()).body["count"] == 1 and len(webhook_events()) == 1


def test_a_profile_without_a_payout_account_takes_no_payments(ent, admin):
    client = ent.session()
    profile_id = new_profile(client)
    r = client.post(f"/v1/profiles/{profile_id}/payments", {"method": "openbanking", "amount": 100, "currency": "EUR",
                                                            "session": {"redirect_url": REDIRECT}})
    assert _fields(r) == {"profile": "the profile has no payout_account: set it before taking payments"}


def test_a_repeated_reference_returns_the_first_payment_never_a_second(shop):
    first = shop.create(1000, reference="order-1")
    again = shop.create(1000, reference="order-1")
    assert (first.status, again.status) == (201, 201) and again.body == first.body
    differs = shop.create(1001, reference="order-1")
    assert differs.status == 409 and differs.body["error"] == "conflict" and first.body["id"] in differs.body["error_description"]
    assert shop.create(1000, reference="order-2").body["id"] != first.body["id"]
    assert shop.client.get(shop.path()).body["count"] == 2
    # Racing requests with one reference make one payment.
    new = payment_service.NewPayment("openbanking", 700, "EUR", REDIRECT, reference="order-race")
    with serialized_aws_calls(), ThreadPoolExecutor(6) as pool:
        made = list(pool.map(lambda _: payment_service.create_payment(shop.partner, shop.profile_id, new).payment_id,
                             range(6)))
    assert len(set(made)) == 1
    assert shop.client.get(shop.path()).body["count"] == 3
    created = [b["id"] for t, b in webhook_events() if t == "payment.created"]
    assert len(created) == 3 and len(set(created)) == 3 and made[0] in created


def test_an_idempotency_key_replays_the_first_response(shop):
    headers = {"Idempotency-Key": "pay-1"}
    body = {"method": "openbanking", "amount": 500, "currency": "EUR", "session": {"redirect_url": REDIRECT}}
    first = shop.client.post(shop.path(), body, headers=headers)
    again = shop.client.post(shop.path(), body, headers=headers)
    assert (first.status, again.status) == (201, 201) and again.body == first.body
    assert again.headers["idempotent-replayed"] == "true"
    other = shop.client.post(shop.path(), {**body, "amount": 501}, headers=headers)
    assert other.status == 422 and other.body["error"] == "idempotency_key_reused"
    assert shop.client.get(shop.path()).body["count"] == 1


def test_payments_are_listed_newest_first_in_pages_filtered_by_state_and_customer(shop, api, monkeypatch):
    monkeypatch.setattr(profile_store, "FANOUT", (2, 2, 2))  # every level of the counting tree in use
    customer = new_customer(shop.client, shop.profile_id, first_name="Ann")
    payer = new_payer(shop.world)
    ids = []
    for n in range(9):
        r = shop.create(100 + n, customer_id=customer["id"] if n % 3 == 0 else None)
        assert r.status == 201 and r.body["customer_id"] == (customer["id"] if n % 3 == 0 else None)
        ids.append(r.body["id"])
    pay_by_bank(api.client, shop.payment(ids[3]), payer, shop.bank_id)  # ids[3] succeeds (a customer's)
    Browser(api.client, shop.payment(ids[4])["next"]["redirect"]).open().submit("cancel")  # ids[4] fails

    def listed(query: str = "", size: int = 2) -> list[str]:
        seen, page = [], 0
        while True:
            r = shop.client.get(shop.path(f"?size={size}&page={page}{query}"))
            assert r.status == 200, r.body
            if not r.body["data"]:
                return seen
            assert r.body["pages"] == -(-r.body["count"] // size) and r.body["size"] == size
            seen += [p["id"] for p in r.body["data"]]
            page += 1

    newest_first = ids[::-1]
    assert listed() == newest_first == listed(size=4)
    first = shop.client.get(shop.path("?size=4")).body
    assert {k: first[k] for k in ("page", "pages", "size", "count")} == {"page": 0, "pages": 3, "size": 4, "count": 9}
    assert [p["id"] for p in first["data"]] == newest_first[:4] and first["data"][0]["amount"] == 108
    assert listed("&state=succeeded") == [ids[3]]
    assert listed("&state=failed") == [ids[4]]
    assert listed("&state=created") == [i for i in newest_first if i not in (ids[3], ids[4])]
    assert listed("&state=expired") == []
    mine = [ids[6], ids[3], ids[0]]
    assert listed(f"&customer_id={customer['id']}", size=1) == mine
    assert listed(f"&customer_id={customer['id']}&state=created") == [ids[6], ids[0]]
    assert listed(f"&customer_id={customer['id']}&state=succeeded") == [ids[3]]
    assert listed(f"&customer_id=customer_{'0' * 32}") == []
    counted = shop.client.get(shop.path(f"?state=created&customer_id={customer['id']}")).body
    assert (counted["count"], counted["pages"]) == (2, 1)
    for query, field in (("state=paid", "state"), ("customer_id=bob", "customer_id"), ("size=0", "size"),
                         ("size=101", "size"), ("page=-1", "page"), ("page=x", "page")):
        r = shop.client.get(shop.path(f"?{query}"))
        assert r.status == 400 and r.body["fields"][0]["field"] == field, query


def test_a_page_of_payments_costs_a_bounded_number_of_reads(shop, dynamo_calls):
    for n in range(30):
        assert shop.create(100 + n).status == 201
    dynamo_calls.reset()
    r = shop.client.get(shop.path("?page=1&size=10&state=created"))
    assert r.status == 200 and len(r.body["data"]) == 10 and r.body["count"] == 30
    operations = dynamo_calls.operations()
    # token and key (one BatchGetItem), profile, the set's total, the member Query (the set holds
    # every number up to the last, so no counter is read and the Query starts at the page's first
    # member: exactly the page), one BatchGetItem of the payments
    assert operations == ["BatchGetItem", "GetItem", "Query", "Query", "BatchGetItem"], operations
    member_queries = [p for op, p in dynamo_calls.calls if op == "Query" and "PAYIDX#" in str(p)]
    assert len(member_queries) == 1 and member_queries[0]["Limit"] == 10


def test_a_partner_reaches_only_its_own_profiles_payments(shop, ent, api):
    r = shop.create(1000)
    payment_id = r.body["id"]
    other = ent.session("b")
    other_profile = new_profile(other)
    not_found = {"error": "not_found", "error_description": "Resource not found"}
    for call in (lambda: other.get(shop.path(f"/{payment_id}")), lambda: other.get(shop.path()),
                 lambda: other.post(shop.path(), {"method": "openbanking", "amount": 1, "currency": "EUR",
                                                  "session": {"redirect_url": REDIRECT}}),
                 lambda: other.get(shop.path(f"/{payment_id}/refunds")),
                 lambda: other.post(shop.path(f"/{payment_id}/refunds"), {"amount": 1}),
                 lambda: other.get(f"/v1/profiles/{other_profile}/payments/{payment_id}"),
                 lambda: shop.client.get(f"/v1/profiles/{new_profile(shop.client)}/payments/{payment_id}"),
                 lambda: shop.client.get(shop.path("/payment_nope")),
                 lambda: shop.client.get(shop.path(f"/{payment_id.upper()}"))):
        got = call()
        assert got.status == 404 and got.body == not_found
    assert other.get(f"/v1/profiles/{other_profile}/payments").body["count"] == 0
    unauthenticated = api.get(shop.path(f"/{payment_id}"))
    assert unauthenticated.status == 401 and unauthenticated.body["error"] == "invalid_token"


def test_a_payment_nobody_finishes_expires_on_read_or_by_the_sweeper(shop, api, monkeypatch):
    on_read, swept, late = (shop.create(100 + n).body for n in range(3))
    webhook_events()
    page = Browser(api.client, late["next"]["redirect"]).open()
    later = payment_service.now() + timedelta(seconds=1801)
    monkeypatch.setattr(payment_service, "now", lambda: later)

    got = shop.payment(on_read["id"])
    assert (got["state"], got["next"], got["completed"] is not None) == ("expired", None, True)
    assert payment_service.sweep() == {"expired": 2, "resumed": 0, "refunds_resumed": 0, "payment_methods_failed": 0}
    assert shop.payment(swept["id"])["state"] == "expired"
    assert payment_service.sweep()["expired"] == 0  # off the sweeper's list
    assert sorted(b["id"] for t, b in webhook_events() if t == "payment.expired") == sorted(
        [on_read["id"], swept["id"], late["id"]])
    # The page, opened before the deadline, shows the expiry and accepts nothing more.
    page.open()
    assert page.text_of("state") == "This payment has expired" and page.return_link.endswith(f"payment_id={late['id']}")
    assert page.submit("bank", follow=False, csrf="x", bank_id=shop.bank_id).status == 403
    assert [p["id"] for p in shop.client.get(shop.path("?state=expired")).body["data"]] == [late["id"], swept["id"], on_read["id"]]


def test_the_expiry_window_is_a_setting(shop, monkeypatch):
    from chalicelib.settings import reload_settings

    monkeypatch.setenv("OBP_PAYMENT_EXPIRY_SECONDS", "60")
    reload_settings()
    body = shop.create(100).body
    created = payment_service.now()
    assert timedelta(seconds=58) <= payment_store.get_payment(body["id"]).expires - created <= timedelta(seconds=60)
