"""Issue 15 in a real browser: headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium) against the local stack of `make run`.

A merchant (a partner's profile) creates an openbanking payment; the browser opens next.redirect,
picks the bank, signs in as the payer, picks an account, reads the one-time password from the
local outbox, confirms and lands on session.redirect_url. The payment is succeeded, the payer's
balance fell, and a signed payment.succeeded webhook arrived. Then a card payment with the decline
card, and one with the 3-D Secure card (its code from the outbox too).

Issue 16: the merchant creates a recurring payment method; the payer authorises its mandate in the
browser (bank, sign-in, account, the code of the OBP VRP consent from the outbox) and returns to
the merchant; the stack's scheduled function charges it on its day, and again when it runs for
the next day; the daily settlement then pays the merchant out. Signed webhooks announce each step.

The browser is never downloaded: the test fails (never skips) when Debian's chromium or
chromedriver is missing; `make test` installs both where it runs as root (README, "Tests").
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.e2e.http import Http
from tests.support import Receiver

pytestmark = pytest.mark.e2e

PASSWORD = "Str0ng-Passw0rd!"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# Without the background-networking flags Chromium's own connections are refused by a closed
# network and slow every page down; a fresh profile keeps runs independent.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1024,900")


@pytest.fixture(scope="module")
def browser():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(f"the browser test needs Debian's chromium and chromium-driver ({', '.join(missing)} missing): "
                    "run `make test` as root, or `sudo apt-get install chromium chromium-driver` (README, Tests)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + (f"--user-data-dir={profile}",):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    # A click that submits a form may return before the next page is there: every lookup waits for
    # its element (each step looks for an element only the next page has).
    driver.implicitly_wait(15)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def receiver():
    """The merchant's site: its webhook endpoint and the page the payer returns to."""
    with Receiver() as r:
        yield r


def _access_token(base: str, client_id: str, kid: str, private_key) -> str:
    now = int(time.time())
    assertion = jwt.encode({"iss": client_id, "sub": client_id, "aud": f"{base}/v1/oauth/token", "iat": now,
                            "exp": now + 60, "jti": str(uuid.uuid4())}, private_key, algorithm="RS256",
                           headers={"kid": kid})
    r = Http(base).post("/v1/oauth/token", {"grant_type": "client_credentials", "client_assertion": assertion,
                                            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
    assert r.status == 200, r.body
    return r.body["access_token"]


class World:
    """Set up over HTTP as a bank and a merchant would: a bank with an overdraft product, a payer
    with a funded account, a merchant with a payout account, a partner with a profile and webhook."""

    def __init__(self, stack, receiver):
        http = stack.http()
        self.stack = stack
        admin = http.login(stack.info["admin_username"], stack.info["admin_password"], stack.info["consumer_key"])
        admin_id = admin.get("/obp/v5.1.0/users/current").body["user_id"]
        self.bank = f"e2e-{uuid.uuid4().hex[:6]}"
        assert admin.post("/obp/v5.1.0/banks", {"id": self.bank, "bank_code": "E2EPAY", "full_name": "E2E Pay Bank"}).status == 201
        for role in ("CanCreateProduct", "CanCreateProductAttribute", "CanCreateAccount"):
            assert admin.post(f"/obp/v5.1.0/users/{admin_id}/entitlements", {"bank_id": self.bank, "role_name": role}).status == 201
        assert admin.put(f"/obp/v5.1.0/banks/{self.bank}/products/CURRENT", {"parent_product_code": "", "name": "Current"}).status == 201
        assert admin.post(f"/obp/v5.1.0/banks/{self.bank}/products/CURRENT/attribute",
                          {"name": "OVERDRAFT_LIMIT", "type": "DOUBLE", "value": "10000"}).status == 201
        # The bank's own funding account (may run into its overdraft) and the merchant's payout account.
        for account in ("funding", "merchant-payout"):
            assert admin.put(f"/obp/v5.1.0/banks/{self.bank}/accounts/{account}", {
                "label": account, "product_code": "CURRENT", "balance": {"currency": "EUR", "amount": "0"}}).status == 201
        self.payer_name = f"payer-{uuid.uuid4().hex[:6]}"
        self.payer_email = f"{self.payer_name}@example.com"
        payer_id = admin.post("/obp/v5.1.0/users", {"email": self.payer_email, "username": self.payer_name,
                                                    "password": PASSWORD, "first_name": "Pat", "last_name": "Payer"}).body["user_id"]
        assert admin.post(f"/obp/v5.1.0/users/{payer_id}/entitlements", {"bank_id": self.bank, "role_name": "CanCreateAccount"}).status == 201
        self.payer = http.login(self.payer_name, PASSWORD, stack.info["consumer_key"])
        self.payer_account = "pat-current"
        assert self.payer.put(f"/obp/v5.1.0/banks/{self.bank}/accounts/{self.payer_account}", {
            "label": "Pat's current account", "product_code": "CURRENT", "balance": {"currency": "EUR", "amount": "0"}}).status == 201
        r = admin.post(f"/obp/v4.0.0/banks/{self.bank}/accounts/funding/owner/transaction-request-types/ACCOUNT/transaction-requests",
                       {"to": {"bank_id": self.bank, "account_id": self.payer_account},
                        "value": {"currency": "EUR", "amount": "250.00"}, "description": "salary"})
        assert (r.status, r.body["status"]) == (201, "COMPLETED"), r.body

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        client_id = admin.post("/v1/partners", {"name": "E2E Shop Partner", "public_key": pem, "kid": "k1"}).body["client_id"]
        self.merchant = Http(stack.url, {"Authorization": f"Bearer {_access_token(stack.url, client_id, 'k1', key)}"})
        r = self.merchant.post("/v1/profiles", {"name": "Bike Shop", "payout_account": {"bank_id": self.bank,
                                                                                        "account_id": "merchant-payout"}})
        assert r.status == 201, r.body
        self.profile = r.body["id"]
        hook = self.merchant.post(f"/v1/profiles/{self.profile}/webhooks", {
            "url": receiver.url, "events": ["payment.created", "payment.processing", "payment.succeeded", "payment.failed"]})
        assert hook.status == 201, hook.body
        self.secret = hook.body["secret"]
        self.return_url = receiver.url.replace("/hook", "/return")

    def create(self, method: str = "openbanking", amount: int = 4999) -> dict:
        body = {"method": method, "amount": amount, "currency": "EUR", "description": "A bell for a bike",
                "reference": str(uuid.uuid4()), "session": {"redirect_url": self.return_url}}
        if method == "creditcard":
            body["billing"] = {"first_name": "Pat", "last_name": "Payer", "email": self.payer_email, "address": {"country": "NL"}}
            body["shipping"] = {"first_name": "Pat", "address": {"country": "NL", "locality": "Utrecht"}}
        r = self.merchant.post(f"/v1/profiles/{self.profile}/payments", body)
        assert (r.status, r.body["state"]) == (201, "created"), r.body
        return r.body

    def payment(self, payment_id: str) -> dict:
        return self.merchant.get(f"/v1/profiles/{self.profile}/payments/{payment_id}").body

    def payer_balance(self) -> str:
        return self.payer.get(f"/obp/v5.1.0/banks/{self.bank}/accounts/{self.payer_account}/owner/account").body["balance"]["amount"]

    def code_for(self, email: str, seen: set) -> str:
        mail = self.stack.wait_for_outbox(lambda d: d["channel"] == "email" and d["to"] == email
                                          and " is your code to pay " in d["body"] and d["body"] not in seen)
        seen.add(mail["body"])
        return mail["body"][:6]


def _consent_code(world, email: str) -> str:
    mail = world.stack.wait_for_outbox(lambda d: d["channel"] == "email" and d["to"] == email
                                       and "Your consent challenge : " in d["body"])
    return re.search(r"Your consent challenge : (\d{8})", mail["body"]).group(1)


def _webhook(receiver, secret: str, event_type: str, payment_id: str, timeout: float = 30):
    """The signed delivery of `event_type` for the resource, verified with the webhook's secret
    (the receiver also gets other webhooks' deliveries, signed with their own secrets)."""
    verifier, deadline = Webhook(secret), time.monotonic() + timeout
    while time.monotonic() < deadline:
        for call in list(receiver.calls):
            if call.method != "POST":
                continue
            try:
                body = verifier.verify(call.body, call.headers)
            except WebhookVerificationError:
                continue  # another webhook's delivery
            if body["type"] == event_type and body["id"] == payment_id:
                assert parse_qs(urlsplit(call.path).query)["id"] == [payment_id]
                return call
        time.sleep(0.1)
    raise AssertionError(f"no signed {event_type} webhook for {payment_id} within {timeout} s")


def _wait_for(browser, condition, what: str, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(browser, timeout).until(lambda d: condition(d))
    except Exception as err:
        raise AssertionError(f"{what}; the browser is at {browser.current_url}:\n{browser.page_source[:2000]}") from err


def _text(browser, element_id: str) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, element_id).text


def _to_the_code(browser, world) -> None:
    """The openbanking steps: the bank, the payer's sign-in, the account; the code is sent."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.CSS_SELECTOR, f"input[name=bank_id][value='{world.bank}']").click()
    browser.find_element(By.ID, "continue").click()
    browser.find_element(By.ID, "username").send_keys(world.payer_name)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in").click()
    browser.find_element(By.CSS_SELECTOR, f"input[name=account_id][value='{world.payer_account}']").click()
    browser.find_element(By.ID, "continue").click()
    assert "We sent a one-time code to" in _text(browser, "sent-to")


def _card(browser, number: str, expiry: str, cvc: str) -> None:
    from selenium.webdriver.common.by import By

    for field, value in (("number", number), ("expiry", expiry), ("cvc", cvc), ("holder", "Pat Payer")):
        browser.find_element(By.ID, field).send_keys(value)
    browser.find_element(By.ID, "pay").click()


def _landed(browser, world, payment_id: str) -> None:
    """The result page returns the payer to the merchant's redirect_url with the payment id."""
    _wait_for(browser, lambda d: d.current_url.startswith(world.return_url), "the payer did not return to the merchant")
    assert parse_qs(urlsplit(browser.current_url).query)["payment_id"] == [payment_id]


def test_a_payer_pays_by_bank_then_cards_decline_and_need_3d_secure(stack, browser, receiver):
    from selenium.webdriver.common.by import By

    world = World(stack, receiver)
    seen: set = set()
    before = world.payer_balance()

    # 1. Open banking: bank, sign-in, account, one-time password, back to the merchant.
    started = time.time()
    payment = world.create("openbanking", 4999)
    browser.get(payment["next"]["redirect"])
    assert (_text(browser, "merchant"), _text(browser, "amount")) == ("Bike Shop", "49.99 EUR")
    assert "A bell for a bike" in browser.page_source
    _to_the_code(browser, world)
    browser.find_element(By.ID, "code").send_keys(world.code_for(world.payer_email, seen))
    confirmed = time.time()
    browser.find_element(By.ID, "confirm").click()
    assert _text(browser, "state") == "Payment successful"
    _landed(browser, world, payment["id"])
    assert browser.find_element(By.TAG_NAME, "body").text == "ok"  # the merchant's page

    assert world.payment(payment["id"])["state"] == "succeeded"
    after = world.payer_balance()
    assert (before, after) == ("250.00", "200.01")
    arrived = _webhook(receiver, world.secret, "payment.succeeded", payment["id"]).at
    print(f"\n[latency] create -> payment.succeeded webhook: {arrived - started:.2f} s (browser steps included); "
          f"confirm click -> webhook: {arrived - confirmed:.2f} s")

    # 2. A card the acquirer declines: the payment fails, the payer is told and returns.
    declined = world.create("creditcard", 1500)
    browser.get(declined["next"]["redirect"])
    _card(browser, "4000 0000 0000 0002", "12/39", "123")
    assert (_text(browser, "state"), _text(browser, "reason")) == ("Payment failed", "Your card was declined.")
    _landed(browser, world, declined["id"])
    got = world.payment(declined["id"])
    assert (got["state"], got["failure_reason"], got["creditcard"]["card"]["last4"]) == ("failed", "card_declined", "0002")
    _webhook(receiver, world.secret, "payment.failed", declined["id"])

    # 3. The 3-D Secure card: a one-time password to the cardholder, then success.
    secure = world.create("creditcard", 2500)
    browser.get(secure["next"]["redirect"])
    _card(browser, "4000000000003220", "01/38", "737")
    assert "We sent a one-time code to" in _text(browser, "sent-to")
    browser.find_element(By.ID, "code").send_keys(world.code_for(world.payer_email, seen))
    browser.find_element(By.ID, "confirm").click()
    assert _text(browser, "state") == "Payment successful"
    _landed(browser, world, secure["id"])
    got = world.payment(secure["id"])
    assert (got["state"], got["creditcard"]["card"]["scheme"], got["creditcard"]["card"]["last4"]) == ("succeeded", "visa", "3220")
    _webhook(receiver, world.secret, "payment.succeeded", secure["id"])
    assert world.payer_balance() == "200.01"  # cards settle from the acquirer's funds, not the payer's account
    returned = [c for c in receiver.calls if c.method == "GET" and c.path.startswith("/return")]
    assert len(returned) == 3 and json.dumps(returned[0].headers).find("referer") == -1  # no Referer leaks the link


def test_a_payer_authorises_a_mandate_charged_twice_by_the_scheduled_function(stack, browser, receiver):
    from selenium.webdriver.common.by import By

    world = World(stack, receiver)
    hook = world.merchant.post(f"/v1/profiles/{world.profile}/webhooks", {
        "url": receiver.url, "events": ["payment_method.succeeded", "payment.succeeded", "settlement.created"]})
    assert hook.status == 201, hook.body
    customer = world.merchant.post(f"/v1/profiles/{world.profile}/customers", {"first_name": "Pat"}).body["id"]
    methods = f"/v1/profiles/{world.profile}/customers/{customer}/payment-methods"
    r = world.merchant.post(methods, {
        "method": "openbanking", "description": "Bike club", "reference": str(uuid.uuid4()),
        "openbanking": {"recurring": {"amount": 1500, "currency": "EUR", "frequency": "daily"}},
        "session": {"redirect_url": world.return_url}})
    assert (r.status, r.body["state"]) == (201, "created"), r.body
    method = r.body

    # The payer authorises the mandate in the browser: an OBP VRP consent with its code.
    browser.get(method["next"]["redirect"])
    assert (_text(browser, "merchant"), _text(browser, "amount")) == ("Bike Shop", "15.00 EUR")
    assert _text(browser, "schedule").startswith("daily, from ")
    _to_the_code(browser, world)
    browser.find_element(By.ID, "code").send_keys(_consent_code(world, world.payer_email))
    browser.find_element(By.ID, "confirm").click()
    assert _text(browser, "state") == "Recurring payments authorised"
    _wait_for(browser, lambda d: d.current_url.startswith(world.return_url), "the payer did not return to the merchant")
    assert parse_qs(urlsplit(browser.current_url).query)["payment_method_id"] == [method["id"]]
    got = world.merchant.get(f"{methods}/{method['id']}").body
    today = datetime.now(timezone.utc).date()
    # Today's, or tomorrow's if the stack's own run of the scheduled function charged today already.
    assert got["state"] == "succeeded" and got["next_charge_date"] in (today.isoformat(),
                                                                        (today + timedelta(days=1)).isoformat())
    _webhook(receiver, hook.body["secret"], "payment_method.succeeded", method["id"])
    consents = world.payer.get("/obp/v5.1.0/my/consents").body["consents"]
    assert [c["status"] for c in consents] == ["ACCEPTED"]  # the payer sees (and may revoke) the mandate at the bank

    # The scheduled function charges today's period by itself (the stack runs it every few seconds),
    # then tomorrow's when it runs for tomorrow: two payments, once each.
    def charges() -> list[dict]:
        return world.merchant.get(f"/v1/profiles/{world.profile}/payments?customer_id={customer}").body["data"]

    deadline = time.monotonic() + 30
    while not charges() and time.monotonic() < deadline:
        time.sleep(0.5)
    [first] = charges()
    tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
    assert stack.run_schedule("recurring_charges", tomorrow) == {"charged": 1, "failed": 0, "expired": 0}
    assert stack.run_schedule("recurring_charges", tomorrow) == {"charged": 0, "failed": 0, "expired": 0}
    paid = charges()
    assert len(paid) == 2 and {p["state"] for p in paid} == {"succeeded"} and first["id"] in {p["id"] for p in paid}
    assert {p["payment_method"] for p in paid} == {method["id"]} and world.payer_balance() == "220.00"
    for payment in paid:
        _webhook(receiver, hook.body["secret"], "payment.succeeded", payment["id"])

    # The daily settlement pays the merchant: 30.00 less two charges of 0.18.
    settled = stack.run_schedule("settlements", tomorrow + timedelta(hours=1))
    assert settled["pending"] == 0 and settled["settlements"] >= 1, settled  # the other test's shop settles too
    [settlement] = world.merchant.get(f"/v1/profiles/{world.profile}/settlements").body
    assert (settlement["payout"]["payments"], settlement["charges_total"], settlement["amount"]) == (
        {"count": 2, "sum": 3000}, 36, 2964)
    _webhook(receiver, hook.body["secret"], "settlement.created", settlement["id"])
