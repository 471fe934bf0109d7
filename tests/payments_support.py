"""Helpers of the Enterprise payment tests: a shop (partner, profile, payout account), payers with
OBP accounts, the hosted page driven as a browser without JavaScript would (cookies, forms, the
CSRF token of the page), and one-time passwords read from the outbox queues."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from html import unescape
from urllib.parse import urlencode, urlsplit

from chalicelib import aws, outbox
from chalicelib.settings import get_settings
from tests.support import STRONG_PASSWORD, Api, AuthedApi, BankingWorld, banking_world, open_account, transfer

REDIRECT = "https://shop.example/return?order=42"
TEST_CARDS = {"approved": "4242424242424242", "mastercard": "5555555555554444", "3ds": "4000000000003220",
              "declined": "4000000000000002", "no_funds": "4000000000009995"}
BILLING = {"first_name": "Ann", "last_name": "Payer", "email": "ann@example.com", "address": {"country": "NL"}}
SHIPPING = {"first_name": "Ann", "last_name": "Payer", "address": {"country": "NL", "locality": "Hoofddorp"}}


@dataclass
class Payer:
    username: str
    password: str
    user_id: str
    email: str
    session: AuthedApi
    accounts: list[str] = field(default_factory=list)


@dataclass
class Shop:
    world: BankingWorld
    client: Api  # the partner, with its access token
    profile_id: str
    payout_account: str
    partner: object  # services.enterprise.oauth.Partner, for calls to the services

    @property
    def bank_id(self) -> str:
        return self.world.bank_id

    def path(self, tail: str = "") -> str:
        return f"/v1/profiles/{self.profile_id}/payments{tail}"

    def create(self, amount: int = 8230, method: str = "openbanking", currency: str = "EUR", **fields):
        body = {"method": method, "amount": amount, "currency": currency, "description": "Order 42",
                "session": {"redirect_url": REDIRECT}, **fields}
        if method == "creditcard":
            body.setdefault("billing", BILLING)
            body.setdefault("shipping", SHIPPING)
        return self.client.post(self.path(), body)

    def payment(self, payment_id: str) -> dict:
        r = self.client.get(self.path(f"/{payment_id}"))
        assert r.status == 200, r.body
        return r.body


def new_shop(ent, admin, world: BankingWorld | None = None, name: str = "Shop") -> Shop:
    from chalicelib.services.enterprise.oauth import Partner
    from tests.enterprise_support import rsa_key

    world = world or banking_world(admin)
    keys = ent.register(rsa_key("a"), kid=f"kid-{uuid.uuid4().hex[:6]}", name=name)
    client = ent.client(keys)
    r = client.post("/v1/profiles", {"name": name, "payout_account": {"bank_id": world.bank_id,
                                                                      "account_id": world.bob_account}})
    assert r.status == 201, r.body
    return Shop(world, client, r.body["id"], world.bob_account, Partner(keys.client_id, keys.kid))


def new_payer(world: BankingWorld, *, funds: str | None = "500", product: str | None = None, currency: str = "EUR") -> Payer:
    """A user with one account at the world's bank; `funds` arrive from alice's account."""
    admin = world.admin
    username = f"payer-{uuid.uuid4().hex[:8]}"
    user = admin.create_user(username, email=f"{username}@example.com")
    admin.grant(user["user_id"], "CanCreateAccount", world.bank_id)
    session = Api(admin.client).login(username, STRONG_PASSWORD, admin.consumer_key)
    account = open_account(session, world.bank_id, world.product if product is None else product, currency=currency)
    if funds:
        r = transfer(world.alice, world.bank_id, world.alice_account, account, funds, currency=currency)
        assert r.status == 201, r.body
    return Payer(username, STRONG_PASSWORD, user["user_id"], f"{username}@example.com", session, [account])


def balance(world: BankingWorld, bank_id: str, account_id: str) -> Decimal:
    from chalicelib.store import accounts

    return accounts.get_account(bank_id, account_id).balance


def booked_transactions_sum(bank_id: str, account_id: str) -> tuple[Decimal, int]:
    """The sum and count of the account's booked transactions, after checking nothing of the
    account is left unbooked (transactions or requests) and each running balance follows from the
    one before (every Enterprise money movement goes through booking)."""
    from chalicelib.store import accounts, ledger

    account = accounts.get_account(bank_id, account_id)
    pending = ledger.unbooked(bank_id, account_id, 10)
    assert (pending.transactions, pending.requests) == ([], []), account_id
    found = ledger.transactions_page(account, offset=0, limit=10_000, descending=False)
    running = Decimal("0")
    for position, txn in enumerate(found, start=1):
        running += txn.amount
        assert (txn.sequence, txn.new_balance) == (position, running), account_id
    assert running == account.booked_balance, account_id
    return running, len(found)


# --- the hosted page --------------------------------------------------------------------------------

class Browser:
    """The hosted page over chalice's test client, as a browser without JavaScript uses it."""

    def __init__(self, client, next_redirect: str):
        self.http = client.http
        self.base = urlsplit(next_redirect).path
        self.cookies: dict[str, str] = {}
        self.status = 0
        self.html = ""
        self.headers: dict = {}

    def _request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers = {**({"Cookie": cookie} if cookie else {}), **(headers or {})}
        r = self.http.request(method, path, headers=all_headers, body=body)
        self.status, self.html = r.status_code, r.body.decode()
        self.headers = {k.lower(): v for k, v in r.headers.items()}
        set_cookie = self.headers.get("set-cookie")
        if set_cookie:
            name, _, rest = set_cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return self

    def open(self) -> "Browser":
        return self._request("GET", self.base)

    def submit(self, action: str, follow: bool = True, csrf: str | None = None, **fields) -> "Browser":
        """POST a form of the page (with the page's CSRF token), then follow the 303 back."""
        token = self.csrf if csrf is None else csrf
        data = urlencode({**({"csrf": token} if token else {}), **fields}).encode()
        self._request("POST", f"{self.base}/{action}", data, {"Content-Type": "application/x-www-form-urlencoded"})
        if follow and self.status == 303:
            assert self.headers["location"] == self.base
            return self.open()
        return self

    @property
    def csrf(self) -> str | None:
        found = re.search(r'name="csrf" value="([^"]+)"', self.html)
        return unescape(found.group(1)) if found else None

    def text_of(self, element_id: str) -> str | None:
        found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', self.html, re.S)
        return unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else None

    def options(self, name: str) -> list[str]:
        return [unescape(v) for v in re.findall(rf'name="{name}" value="([^"]+)"', self.html)]

    @property
    def return_link(self) -> str | None:
        found = re.search(r'id="return" href="([^"]+)"', self.html)
        return unescape(found.group(1)) if found else None


def outbox_messages() -> list[dict]:
    """Every e-mail and SMS waiting on their queues, opened (and taken off the queues)."""
    s = get_settings()
    sqs = aws.client("sqs")
    out = []
    for queue in (s.email_queue, s.sms_queue):
        url = aws.queue_url(queue)
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                break
            for m in got:
                out.append(outbox.open_envelope(m["Body"])[2])
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def otp_for(recipient: str) -> str:
    codes = [re.match(r"(\d{6}) is your code", m["body"]).group(1) for m in outbox_messages() if m["to"] == recipient]
    assert codes, f"no one-time password was sent to {recipient}"
    return codes[-1]


def to_the_code(client, payment: dict, payer: Payer, bank_id: str, account_id: str | None = None) -> Browser:
    """The openbanking steps up to the one-time password (sent to the payer, not read yet)."""
    page = Browser(client, payment["next"]["redirect"]).open()
    assert page.status == 200, page.html
    page.submit("bank", bank_id=bank_id)
    page.submit("sign-in", username=payer.username, password=payer.password)
    page.submit("account", account_id=account_id or payer.accounts[0])
    return page


def pay_by_bank(client, payment: dict, payer: Payer, bank_id: str, account_id: str | None = None,
                code: str | None = None) -> Browser:
    """The payer's whole openbanking flow on the hosted page."""
    page = to_the_code(client, payment, payer, bank_id, account_id)
    page.submit("confirm", code=code or otp_for(payer.email))
    return page


def pay_by_card(client, payment: dict, card: str = TEST_CARDS["approved"], expiry: str = "12/39") -> Browser:
    page = Browser(client, payment["next"]["redirect"]).open()
    assert page.status == 200, page.html
    page.submit("card", number=card, expiry=expiry, cvc="123", holder="Ann Payer")
    if card == TEST_CARDS["3ds"] and 'id="code"' in page.html:
        page.submit("confirm", code=otp_for(BILLING["email"]))
    return page


def webhook_events(kinds: tuple[str, ...] = ("payment.", "refund.")) -> list[tuple[str, dict]]:
    """(event_type, body) of the events waiting on the webhook queue (taken off it), oldest first,
    only those whose type starts with one of `kinds`."""
    s = get_settings()
    sqs, url = aws.client("sqs"), aws.queue_url(s.webhook_queue)
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return [(t, b) for t, b in out if t.startswith(kinds)]
        for m in got:
            _, _, payload = outbox.open_envelope(m["Body"])
            if payload.get("kind") == "event":
                out.append((payload["event_type"], payload["body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


# --- payment methods (recurring mandates) -----------------------------------------------------------

def new_customer(shop: Shop, **fields) -> str:
    r = shop.client.post(f"/v1/profiles/{shop.profile_id}/customers", {"first_name": "Ann", **fields})
    assert r.status == 200, r.body
    return r.body["id"]


def methods_path(shop: Shop, customer_id: str, tail: str = "") -> str:
    return f"/v1/profiles/{shop.profile_id}/customers/{customer_id}/payment-methods{tail}"


def create_method(shop: Shop, customer_id: str, amount: int = 999, frequency: str = "monthly", **fields):
    """POST a recurring openbanking payment method; `fields` may override body parts
    (`recurring` entries go under openbanking.recurring)."""
    recurring = {"amount": amount, "currency": "EUR", "frequency": frequency, **fields.pop("recurring", {})}
    body = {"method": "openbanking", "description": "Bike club membership", "openbanking": {"recurring": recurring},
            "session": {"redirect_url": REDIRECT}, **fields}
    return shop.client.post(methods_path(shop, customer_id), body)


def consent_code_for(recipient: str) -> str:
    """The code of the newest consent challenge sent to `recipient` (e-mail or phone)."""
    codes = [re.search(r"Your consent challenge : (\d{8})", m["body"]).group(1) for m in outbox_messages()
             if m["to"] == recipient and "Your consent challenge" in m["body"]]
    assert codes, f"no consent challenge was sent to {recipient}"
    return codes[-1]


def to_the_mandate_code(client, method: dict, payer: Payer, bank_id: str, account_id: str | None = None) -> Browser:
    page = Browser(client, method["next"]["redirect"]).open()
    assert page.status == 200, page.html
    page.submit("bank", bank_id=bank_id)
    page.submit("sign-in", username=payer.username, password=payer.password)
    page.submit("account", account_id=account_id or payer.accounts[0])
    return page


def authorise_mandate(client, method: dict, payer: Payer, bank_id: str, code: str | None = None) -> Browser:
    """The payer's whole flow on the hosted page: bank, sign-in, account, the consent's code."""
    page = to_the_mandate_code(client, method, payer, bank_id)
    page.submit("confirm", code=code or consent_code_for(payer.email))
    return page


def authorised_method(shop: Shop, client, payer: Payer, customer_id: str | None = None, **fields) -> dict:
    """A succeeded recurring payment method of a new (or the given) customer, paid by `payer`."""
    customer_id = customer_id or new_customer(shop)
    r = create_method(shop, customer_id, **fields)
    assert r.status == 201, r.body
    page = authorise_mandate(client, r.body, payer, shop.bank_id)
    assert page.text_of("state") == "Recurring payments authorised", page.html
    got = shop.client.get(methods_path(shop, customer_id, f"/{r.body['id']}"))
    assert got.body["state"] == "succeeded", got.body
    return got.body


def charge(shop: Shop, payment_method: dict, amount: int, **fields):
    """A payment through the payment method's mandate (no page)."""
    currency = payment_method["openbanking"]["recurring"]["currency"]
    return shop.client.post(shop.path(), {"method": "openbanking", "amount": amount, "currency": currency,
                                          "payment_method": payment_method["id"], "description": "Membership", **fields})
