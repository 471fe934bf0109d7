"""The hosted page's flows and every state transition: openbanking (bank, sign-in, account,
one-time password) and creditcard (approved, declined, 3-D Secure); cancel, attempts used up,
insufficient funds; what the payer's bank sees; the page's protections (CSRF, browser binding,
headers); resuming a payment left processing; nothing of a credential kept."""
from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from chalicelib.services.enterprise import payments as payment_service
from chalicelib.store import ledger
from chalicelib.store.enterprise import payments as payment_store
from chalicelib.store.enterprise import provider_accounts as provider_store
from tests.payments_support import (
    BILLING, TEST_CARDS, Browser, balance, new_payer, otp_for, outbox_messages, pay_by_bank, pay_by_card, to_the_code,
    webhook_events,
)
from tests.support import put_product


def _states(payment_id: str) -> list[str]:
    return [t for t, b in webhook_events() if b["id"] == payment_id]


def test_openbanking_the_payer_pays_from_their_own_account_step_by_step(shop, api):
    payer = new_payer(shop.world, funds="500")
    second = payer.accounts[0]
    r = shop.create(8230, description="Order 42")
    payment_id = r.body["id"]
    page = Browser(api.client, r.body["next"]["redirect"]).open()
    assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    # Before anything: the merchant, the amount and the description.
    assert (page.text_of("merchant"), page.text_of("amount")) == ("Shop", "82.30 EUR") and "Order 42" in page.html
    assert shop.bank_id in page.options("bank_id")
    page.submit("bank", bank_id=shop.bank_id)
    assert 'id="username"' in page.html and 'type="password"' in page.html
    page.submit("sign-in", username=payer.username, password=payer.password)
    assert page.options("account_id") == [second]  # only the payer's own EUR accounts
    page.submit("account", account_id=second)
    assert page.text_of("sent-to") == f"We sent a one-time code to {payer.email[0]}***@example.com."
    [message] = [m for m in outbox_messages() if m["to"] == payer.email]
    assert "82.30 EUR" in message["body"] and "Shop" in message["body"]
    code = message["body"][:6]
    assert shop.payment(payment_id)["state"] == "created"
    page.submit("confirm", code=code)
    assert page.text_of("state") == "Payment successful"
    back = f"https://shop.example/return?order=42&payment_id={payment_id}"
    assert page.return_link == back and f'content="3;url={back.replace("&", "&amp;")}"' in page.html

    got = shop.payment(payment_id)
    assert (got["state"], got["next"], got["failure_reason"], got["openbanking"]) == (
        "succeeded", None, None, {"bank_id": shop.bank_id})
    assert "payer" not in str(got) and second not in str(got)  # the merchant never sees the payer's account
    events = webhook_events(("payment.", "On"))
    assert [t for t, b in events if b.get("id") == payment_id] == ["payment.created", "payment.processing", "payment.succeeded"]
    assert balance(shop.world, shop.bank_id, second) == Decimal("417.70")

    # The money: one ledger transaction payer -> clearing, recorded on the payment.
    stored = payment_store.get_payment(payment_id)
    registry = provider_store.get(shop.bank_id, "EUR")
    assert (stored.clearing_bank_id, stored.clearing_account_id) == (shop.bank_id, registry.clearing_account_id)
    debit = ledger.get_transaction(shop.bank_id, second, stored.debit_transaction_id)
    credit = ledger.get_transaction(shop.bank_id, registry.clearing_account_id, stored.credit_transaction_id)
    assert (debit.amount, credit.amount) == (Decimal("-82.30"), Decimal("82.30"))
    assert debit.transaction_request_id == credit.transaction_request_id == stored.transaction_request_id
    assert balance(shop.world, shop.bank_id, registry.clearing_account_id) == Decimal("82.30")

    # The payer's bank sees an ordinary OBP transaction request and transaction.
    path = shop.world.account_path(second)
    requests = payer.session.get(f"{path}/transaction-requests").body["transaction_requests_with_charges"]
    [request] = [t for t in requests if t["id"] == stored.transaction_request_id]
    assert (request["type"], request["status"], request["transaction_ids"]) == ("ACCOUNT", "COMPLETED", [debit.transaction_id])
    assert request["details"]["to_sandbox_tan"] == {"bank_id": shop.bank_id, "account_id": registry.clearing_account_id}
    assert request["details"]["value"] == {"currency": "EUR", "amount": "82.30"}
    assert request["challenge"]["challenge_type"] == "OTP_VIA_WEB_FORM"
    transactions = payer.session.get(f"{path}/transactions").body["transactions"]
    assert transactions[0]["id"] == debit.transaction_id
    assert transactions[0]["details"]["description"] == f"Payment {payment_id} to Shop: Order 42"
    # ... and its account webhooks fire (OBP's own events on the payer's account).
    account_events = [t for t, b in events if b.get("account_id") == second]
    assert {"OnBalanceChange", "OnDebitTransaction", "OnCreateTransaction"} <= set(account_events)
    # A challenge of a payment can never be answered through OBP's challenge endpoint.
    r = payer.session.post(f"/obp/v4.0.0/banks/{shop.bank_id}/accounts/{second}/owner/transaction-request-types/ACCOUNT/"
                           f"transaction-requests/{stored.transaction_request_id}/challenge",
                           {"id": stored.challenge_id, "answer": code})
    assert r.status == 400 and r.code == "OBP-40020"


def test_the_payer_may_cancel_and_the_payment_fails(shop, api):
    r = shop.create(100)
    page = Browser(api.client, r.body["next"]["redirect"]).open()
    token = page.csrf
    page.submit("cancel")
    assert page.text_of("state") == "Payment failed" and page.text_of("reason") == "You cancelled the payment."
    got = shop.payment(r.body["id"])
    assert (got["state"], got["failure_reason"], got["next"]) == ("failed", "cancelled_by_the_payer", None)
    assert _states(r.body["id"]) == ["payment.created", "payment.failed"]
    assert page.submit("bank", follow=False, csrf=token, bank_id=shop.bank_id).status == 409  # nothing more to do


def test_insufficient_funds_fail_the_payment_with_a_reason_and_move_nothing(shop, api, admin):
    no_overdraft = put_product(admin, shop.bank_id, attributes={})
    payer = new_payer(shop.world, funds="50", product=no_overdraft)
    r = shop.create(8230)
    page = pay_by_bank(api.client, r.body, payer, shop.bank_id)
    assert page.text_of("state") == "Payment failed"
    assert page.text_of("reason") == "There are not enough funds to make this payment."
    got = shop.payment(r.body["id"])
    assert (got["state"], got["failure_reason"]) == ("failed", "insufficient_funds")
    assert _states(r.body["id"]) == ["payment.created", "payment.processing", "payment.failed"]
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("50")
    stored = payment_store.get_payment(r.body["id"])
    assert stored.debit_transaction_id is None
    request = ledger.load_request(stored.transaction_request_id).request
    assert (request.status, request.from_account_id) == ("FAILED", payer.accounts[0])
    # Booked into the payer's list of requests like any other: the payer's bank shows it.
    path = shop.world.account_path(payer.accounts[0])
    listed = payer.session.get(f"{path}/transaction-requests").body["transaction_requests_with_charges"]
    assert [(t["id"], t["status"]) for t in listed if t["id"] == stored.transaction_request_id] == [
        (stored.transaction_request_id, "FAILED")]


def test_wrong_codes_are_counted_and_the_last_one_fails_the_payment(shop, api):
    payer = new_payer(shop.world)
    r = shop.create(100)
    page = to_the_code(api.client, r.body, payer, shop.bank_id)
    token = page.csrf
    right = otp_for(payer.email)
    wrong = "000000" if right != "000000" else "111111"
    page.submit("confirm", code=wrong)
    assert page.status == 400 and page.text_of("error") == "That code is not right. 2 attempts left."
    page.submit("confirm", code=wrong)
    assert page.text_of("error") == "That code is not right. 1 attempt left."
    page.submit("confirm", code=wrong)
    assert page.text_of("state") == "Payment failed"
    assert shop.payment(r.body["id"])["failure_reason"] == "authentication_failed"
    assert page.submit("confirm", follow=False, csrf=token, code=right).status == 409  # the right code is too late now
    assert shop.payment(r.body["id"])["state"] == "failed"


def test_a_code_past_its_lifetime_fails_the_payment(shop, api, monkeypatch):
    payer = new_payer(shop.world)
    r = shop.create(100)
    page = to_the_code(api.client, r.body, payer, shop.bank_id)
    code = otp_for(payer.email)
    later = payment_service.now() + timedelta(seconds=601)
    monkeypatch.setattr(payment_service, "now", lambda: later)
    page.submit("confirm", code=code)
    assert page.text_of("state") == "Payment failed"
    assert shop.payment(r.body["id"])["failure_reason"] == "authentication_failed"


def test_sign_in_attempts_are_limited(shop, api):
    payer = new_payer(shop.world)
    r = shop.create(100)
    page = Browser(api.client, r.body["next"]["redirect"]).open()
    page.submit("bank", bank_id=shop.bank_id)
    for left in (4, 3, 2, 1):
        page.submit("sign-in", username=payer.username, password="Wrong-Passw0rd!")
        assert page.status == 400 and page.text_of("error") == f"Wrong username or password. {left} attempt{'s' if left > 1 else ''} left."
    page.submit("sign-in", username=payer.username, password="Wrong-Passw0rd!")
    assert page.text_of("state") == "Payment failed"
    assert shop.payment(r.body["id"])["failure_reason"] == "too_many_sign_in_attempts"
    # Each failure counted towards OBP's own lock of the user too.
    locked = api.post("/my/logins/direct", headers={
        "DirectLogin": f"username={payer.username}, password={payer.password}, consumer_key={shop.world.admin.consumer_key}"})
    assert locked.status == 401 and locked.code == "OBP-20013"


def test_card_payments_approved_declined_and_with_3d_secure(shop, api):
    approved = shop.create(2500, method="creditcard").body
    page = pay_by_card(api.client, approved, TEST_CARDS["approved"])
    assert page.text_of("state") == "Payment successful"
    got = shop.payment(approved["id"])
    assert got["state"] == "succeeded" and got["creditcard"] == {"card": {
        "scheme": "visa", "bin": "424242", "last4": "4242", "expiration": "12/39", "holder_name": "Ann Payer"}}
    assert _states(approved["id"]) == ["payment.created", "payment.processing", "payment.succeeded"]
    registry = provider_store.get(shop.bank_id, "EUR")
    assert balance(shop.world, shop.bank_id, registry.acquirer_account_id) == Decimal("-25.00")  # the acquirer's funds
    assert balance(shop.world, shop.bank_id, registry.clearing_account_id) == Decimal("25.00")
    stored = payment_store.get_payment(approved["id"])
    assert ledger.load_request(stored.transaction_request_id).request.request_type == "CARD"

    declined = shop.create(2500, method="creditcard").body
    page = pay_by_card(api.client, declined, TEST_CARDS["declined"])
    assert (page.text_of("state"), page.text_of("reason")) == ("Payment failed", "Your card was declined.")
    got = shop.payment(declined["id"])
    assert (got["state"], got["failure_reason"], got["creditcard"]["card"]["last4"]) == ("failed", "card_declined", "0002")
    assert _states(declined["id"]) == ["payment.created", "payment.failed"]

    secure = shop.create(4000, method="creditcard").body
    page = Browser(api.client, secure["next"]["redirect"]).open()
    page.submit("card", number="4000 0000 0000 3220", expiry="01/38", cvc="737", holder="Ann Payer")
    assert page.text_of("sent-to") == "We sent a one-time code to a***@example.com."
    assert shop.payment(secure["id"])["state"] == "created"
    page.submit("confirm", code=otp_for(BILLING["email"]))
    assert page.text_of("state") == "Payment successful"
    got = shop.payment(secure["id"])
    assert got["state"] == "succeeded" and got["creditcard"]["card"]["bin"] == "400000"
    assert balance(shop.world, shop.bank_id, registry.clearing_account_id) == Decimal("65.00")


def test_the_card_form_checks_the_card_and_keeps_only_its_summary(shop, api, caplog):
    caplog.set_level(logging.DEBUG, logger="chalicelib")
    body = shop.create(2500, method="creditcard", billing={**BILLING, "phone": "31612345678"}).body
    page = Browser(api.client, body["next"]["redirect"]).open()
    for fields, error in (
        ({"number": "4242424242424241"}, "The card number is not valid."),
        ({"expiry": "13/30"}, "Enter the expiry date as MM/YY."),
        ({"expiry": "01/20"}, "The card has expired."),
        ({"cvc": "12"}, "The security code is the 3 or 4 digits on the card."),
        ({"holder": ""}, "Enter the name on the card."),
    ):
        form = {"number": "4000000000003220", "expiry": "12/39", "cvc": "123", "holder": "Ann Payer", **fields}
        page.submit("card", **form)
        assert (page.status, page.text_of("error")) == (400, error)
    page.submit("card", number="4000000000003220", expiry="12/2039", cvc="4321", holder="Ann Payer")
    assert page.text_of("sent-to") == "We sent a one-time code to the phone number ending in 678."
    page.submit("confirm", code=otp_for("31612345678"))  # 3-D Secure code by SMS to the billing phone
    assert shop.payment(body["id"])["state"] == "succeeded"
    # Only bin, last4, expiry, holder and scheme are kept; the number and the code nowhere.
    stored = str(payment_store.get_payment(body["id"]).attribute_values) + str(
        payment_store.get_checkout(body["id"]).attribute_values)
    assert "4000000000003220" not in stored and "4321" not in stored and "400000" in stored
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("chalicelib"))
    assert "400000…3220" in logged  # what is logged of a card
    assert "4000000000003220" not in logged and "4242424242424241" not in logged and "4321" not in logged


def test_the_page_refuses_forms_without_its_csrf_token_and_other_browsers(shop, api):
    payer = new_payer(shop.world)
    r = shop.create(100)
    page = Browser(api.client, r.body["next"]["redirect"]).open()
    assert page.headers["set-cookie"].startswith("obp_checkout_browser=")
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=Lax" in page.headers["set-cookie"]
    assert page.submit("bank", follow=False, csrf="", bank_id=shop.bank_id).status == 403
    assert page.submit("bank", follow=False, csrf="forged", bank_id=shop.bank_id).status == 403
    stranger = Browser(api.client, r.body["next"]["redirect"]).open()  # its own cookie and token
    assert page.submit("bank", follow=False, csrf=stranger.csrf, bank_id=shop.bank_id).status == 403
    cookieless = Browser(api.client, r.body["next"]["redirect"])
    cookieless.html = page.html
    assert cookieless.submit("bank", follow=False, bank_id=shop.bank_id).status == 403
    assert payment_store.get_checkout(r.body["id"]).bank_id is None  # nothing changed
    page.open().submit("bank", bank_id=shop.bank_id)
    page.submit("sign-in", username=payer.username, password=payer.password)
    assert page.options("account_id") == payer.accounts
    # Signed in, the session is bound to this browser: the same link in another browser sees
    # nothing of the payer's and gets nowhere.
    token = stranger.csrf
    stranger.open()
    assert stranger.status == 403 and stranger.text_of("error") == "This payment is being completed in another browser."
    assert payer.accounts[0] not in stranger.html
    assert stranger.submit("account", follow=False, csrf=token, account_id=payer.accounts[0]).status == 403
    assert stranger.text_of("error") == "This payment is being completed in another browser."
    assert payment_store.get_checkout(r.body["id"]).payer_account_id is None


def test_only_the_exact_link_opens_the_page_and_pages_are_locked_down(shop, api):
    r = shop.create(100)
    link = r.body["next"]["redirect"]
    page = Browser(api.client, link).open()
    headers = page.headers
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "access-control-allow-origin" not in headers
    secret = link.rsplit("/", 1)[1]
    other = shop.create(101).body["id"]
    for path in (link[:-1] + ("A" if link[-1] != "A" else "B"), f"/checkout/{other}/{secret}",
                 f"/checkout/payment_nope/{secret}", f"/checkout/{r.body['id']}/short"):
        wrong = Browser(api.client, path).open()
        assert wrong.status == 404 and wrong.text_of("error") == "This payment link is not valid."
    unknown = Browser(api.client, "/checkout/nothing").open()
    assert unknown.status == 404 and "text/html" in unknown.headers["content-type"]
    css = api.client.http.request("GET", "/checkout/assets/checkout.css")
    assert css.status_code == 200 and css.headers["Content-Type"] == "text/css; charset=utf-8" and b"body" in css.body
    assert "<script" not in page.html  # works without JavaScript: there is none


def test_the_page_expires_with_its_payment(shop, api, monkeypatch):
    r = shop.create(100)
    late = payment_service.now() + timedelta(seconds=1800 + 3601)
    monkeypatch.setattr(payment_service, "now", lambda: late)
    page = Browser(api.client, r.body["next"]["redirect"]).open()
    assert page.status == 410 and page.text_of("error") == "This payment page has expired."


def test_a_payment_left_processing_by_a_crash_is_finished_by_the_sweeper(shop, api, monkeypatch):
    payer = new_payer(shop.world)
    r = shop.create(300)
    monkeypatch.setattr(payment_service, "execute", lambda payment: payment)  # the process dies after processing
    page = pay_by_bank(api.client, r.body, payer, shop.bank_id)
    assert page.text_of("state") == "Your payment is being processed" and 'http-equiv="refresh"' in page.html
    assert shop.payment(r.body["id"])["state"] == "processing"
    monkeypatch.undo()
    assert payment_service.sweep()["resumed"] == 0  # not due yet
    later = payment_service.now() + timedelta(seconds=121)
    monkeypatch.setattr(payment_service, "now", lambda: later)
    assert payment_service.sweep() == {"expired": 0, "resumed": 1, "refunds_resumed": 0, "payment_methods_failed": 0}
    assert shop.payment(r.body["id"])["state"] == "succeeded"
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("497.00")
    # Executing it again moves no more money.
    assert payment_service.execute(payment_store.get_payment(r.body["id"])).state == "succeeded"
    assert balance(shop.world, shop.bank_id, payer.accounts[0]) == Decimal("497.00")


def test_nothing_of_a_password_a_code_or_a_card_number_is_stored_or_logged(shop, api, caplog):
    from moto.dynamodb.models import dynamodb_backends

    caplog.set_level(logging.DEBUG, logger="chalicelib")
    payer = new_payer(shop.world)
    r = shop.create(100)
    page = to_the_code(api.client, r.body, payer, shop.bank_id)
    code = otp_for(payer.email)
    page.submit("confirm", code=code)
    card = shop.create(100, method="creditcard").body
    pay_by_card(api.client, card, TEST_CARDS["mastercard"])
    table = dynamodb_backends["123456789012"]["us-east-1"].get_table("obp")
    everything = str([item.to_json() for item in table.all_items()])
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("chalicelib"))
    assert r.body["id"] in logged and "555555…4444" in logged
    for secret in (payer.password, TEST_CARDS["mastercard"]):
        assert secret not in everything and secret not in logged
    assert code not in logged


def test_the_code_goes_by_sms_to_the_mobile_of_the_customer_linked_to_the_payer(shop, api, admin):
    payer = new_payer(shop.world)
    admin.grant(admin.user_id, "CanCreateCustomer", shop.bank_id)
    admin.grant(admin.user_id, "CanCreateUserCustomerLink", shop.bank_id)
    customer = admin.post(f"/obp/v5.0.0/banks/{shop.bank_id}/customers",
                          {"legal_name": "Pat Payer", "mobile_phone_number": "+4917044455566"})
    assert customer.status == 201, customer.body
    assert admin.post(f"/obp/v4.0.0/banks/{shop.bank_id}/user_customer_links",
                      {"user_id": payer.user_id, "customer_id": customer.body["customer_id"]}).status == 201
    r = shop.create(700)
    page = to_the_code(api.client, r.body, payer, shop.bank_id)
    assert page.text_of("sent-to") == "We sent a one-time code to the phone number ending in 566."
    messages = outbox_messages()
    assert [m["to"] for m in messages] == ["+4917044455566"] and "7.00 EUR" in messages[0]["body"]
    page.submit("confirm", code=messages[0]["body"][:6])
    assert shop.payment(r.body["id"])["state"] == "succeeded"
