"""Issue 4 end to end, over HTTP against the stack `make run` starts: a bank sets up a product,
two customers open accounts and share a view, pay each other (at once, and with an e-mailed
challenge), and annotate a transaction. The transfer's webhook events reach receivers on
127.0.0.1, signed (issue 6's engine): OnCreateTransaction through a bank-level webhook, the
balance change through alice's account-level webhook."""
import uuid

import pytest
from standardwebhooks import Webhook

from tests.e2e.conftest import LocalStack
from tests.support import Receiver

pytestmark = pytest.mark.e2e

PASSWORD = "Str0ng-Passw0rd!"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The conftest's stack, with one-time passwords sent by e-mail (to the local outbox files)."""
    s = LocalStack(tmp_path_factory.mktemp("outbox"), extra_env={"OBP_OTP_TRANSPORT": "EMAIL"})
    s.wait()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def receiver():
    with Receiver() as r:
        yield r


def _events(receiver, secret: str) -> list[dict]:
    """The deliveries received so far whose signature verifies with `secret`, as parsed bodies."""
    verifier, out = Webhook(secret), []
    for call in list(receiver.calls):
        try:
            out.append(verifier.verify(call.body, call.headers))
        except Exception:  # noqa: BLE001 - another webhook's delivery (other secret)
            continue
    return out


def test_bank_product_accounts_shared_view_payments_challenge_and_metadata(stack, receiver):
    http = stack.http()
    admin = http.login(stack.info["admin_username"], stack.info["admin_password"], stack.info["consumer_key"])
    admin_id = admin.get("/obp/v5.1.0/users/current").body["user_id"]
    bank = f"e2e-{uuid.uuid4().hex[:6]}"
    assert admin.post("/obp/v5.1.0/banks", {"id": bank, "bank_code": "E2E", "full_name": "E2E Bank"}).status == 201
    for role in ("CanCreateProduct", "CanCreateProductAttribute", "CanCreateProductFee",
                 "CanCreateAccountNotificationWebhookAtOneBank", "CanCreateWebhook"):
        assert admin.post(f"/obp/v5.1.0/users/{admin_id}/entitlements", {"bank_id": bank, "role_name": role}).status == 201

    # The product: attributes (an overdraft facility among them) and a fee.
    r = admin.put(f"/obp/v5.1.0/banks/{bank}/products/CURRENT1", {"parent_product_code": "", "name": "Current account"})
    assert r.status == 201
    for name, kind, value in (("OVERDRAFT_LIMIT", "DOUBLE", "5000"), ("OVERDRAFT_START_DATE", "DATE_WITH_DAY", "2026-01-01")):
        r = admin.post(f"/obp/v5.1.0/banks/{bank}/products/CURRENT1/attribute", {"name": name, "type": kind, "value": value})
        assert r.status == 201, r.body
    r = admin.post(f"/obp/v5.1.0/banks/{bank}/products/CURRENT1/fee", {
        "name": "ACCOUNT_MANAGEMENT_FEE", "is_active": True, "more_info": "monthly",
        "value": {"currency": "EUR", "amount": 2.5, "frequency": "MONTHLY", "type": ""}})
    assert r.status == 201 and r.body["value"]["amount"] == "2.5"

    # Two customers open accounts of that product.
    sessions, accounts = {}, {}
    for name in ("alice", "bob"):
        username = f"{name}-{uuid.uuid4().hex[:6]}"
        user = admin.post("/obp/v5.1.0/users", {"email": f"{username}@example.com", "username": username,
                                                "password": PASSWORD, "first_name": name, "last_name": "E2E"}).body
        admin.post(f"/obp/v5.1.0/users/{user['user_id']}/entitlements", {"bank_id": bank, "role_name": "CanCreateAccount"})
        sessions[name] = (http.login(username, PASSWORD, stack.info["consumer_key"]), user)
        accounts[name] = f"{name}-{uuid.uuid4().hex[:6]}"
        r = sessions[name][0].put(f"/obp/v5.1.0/banks/{bank}/accounts/{accounts[name]}",
                                  {"label": f"{name}'s account", "product_code": "CURRENT1",
                                   "balance": {"currency": "EUR", "amount": "0"}})
        assert r.status == 201, r.body
        assert {a["name"] for a in r.body["account_attributes"]} == {"OVERDRAFT_LIMIT", "OVERDRAFT_START_DATE"}
    (alice, alice_user), (bob, bob_user) = sessions["alice"], sessions["bob"]
    alice_path = f"/obp/v5.1.0/banks/{bank}/accounts/{accounts['alice']}"

    # alice lets bob audit her account.
    r = alice.post(f"{alice_path}/views/owner/account-access/grant", {"user_id": bob_user["user_id"], "view_id": "auditor"})
    assert r.status == 201 and r.body["id"] == "auditor"
    assert {"bank_id": bank, "account_id": accounts["alice"], "view_id": "auditor"} in \
        bob.get("/obp/v5.1.0/users/current").body["views"]["list"]

    # The bank watches every new transaction; alice's account its balance changes.
    r = admin.post(f"/obp/v4.0.0/banks/{bank}/web-hooks/account/notifications/on-create-transaction",
                   {"url": receiver.url, "http_method": "POST", "http_protocol": "HTTP/1.1"})
    assert r.status == 201, r.body
    bank_secret = r.body["secret"]
    r = admin.post(f"/obp/v3.1.0/banks/{bank}/account-web-hooks", {
        "account_id": accounts["alice"], "trigger_name": "OnBalanceChange", "url": receiver.url,
        "http_method": "POST", "http_protocol": "HTTP/1.1", "is_active": "true"})
    assert r.status == 201, r.body
    account_secret = r.body["secret"]

    # 50 EUR goes at once, and its events reach the receivers, signed.
    pay = f"/obp/v4.0.0/banks/{bank}/accounts/{accounts['alice']}/owner/transaction-request-types/ACCOUNT/transaction-requests"
    body = {"to": {"bank_id": bank, "account_id": accounts["bob"]}, "value": {"currency": "EUR", "amount": "50"},
            "description": "lunch"}
    r = alice.post(pay, body, headers={"Idempotency-Key": "e2e-lunch"})
    assert r.status == 201 and r.body["status"] == "COMPLETED", r.body
    small_tr = r.body
    debit_id = small_tr["transaction_ids"][0]
    assert alice.post(pay, body, headers={"Idempotency-Key": "e2e-lunch"}).body == small_tr
    receiver.wait_for(lambda: len(_events(receiver, bank_secret)) >= 2 and len(_events(receiver, account_secret)) >= 1)
    created = _events(receiver, bank_secret)
    assert {e["account_id"] for e in created} == {accounts["alice"], accounts["bob"]}
    mine = next(e for e in created if e["account_id"] == accounts["alice"])
    assert mine["event_name"] == "OnCreateTransaction" and mine["bank_id"] == bank
    assert mine["transaction_id"] == debit_id
    [balance_change] = _events(receiver, account_secret)
    assert (balance_change["event_name"], balance_change["account_id"], balance_change["amount"]) == (
        "OnBalanceChange", accounts["alice"], "-50.00 EUR")

    # 1500 EUR needs the challenge; the OTP arrives by e-mail; wrong answers count.
    r = alice.post(pay, {**body, "value": {"currency": "EUR", "amount": "1500"}, "description": "rent"})
    assert r.status == 201 and r.body["status"] == "INITIATED"
    tr_id, challenge_id = r.body["id"], r.body["challenges"][0]["id"]
    mail = stack.wait_for_outbox(lambda d: d["channel"] == "email" and d["to"] == alice_user["email"])
    otp = mail["body"].rsplit(" ", 1)[1]
    answer = f"{pay}/{tr_id}/challenge"
    wrong = "000000" if otp != "000000" else "111111"
    for _ in range(2):
        r = alice.post(answer, {"id": challenge_id, "answer": wrong})
        assert (r.status, r.code) == (400, "OBP-40016")
    r = alice.post(answer, {"id": challenge_id, "answer": otp})
    assert r.status == 202 and r.body["status"] == "COMPLETED", r.body
    balance = alice.get(f"{alice_path}/owner/account").body["balance"]
    assert balance == {"currency": "EUR", "amount": "-1550"}
    assert bob.get(f"/obp/v5.1.0/banks/{bank}/accounts/{accounts['bob']}/owner/account").body["balance"]["amount"] == "1550"

    # A comment and a tag through owner; refused through the auditor view.
    metadata = f"{alice_path}/owner/transactions/{debit_id}/metadata"
    assert alice.post(f"{metadata}/comments", {"value": "team lunch"}).status == 201
    assert alice.post(f"{metadata}/tags", {"value": "food"}).status == 201
    audited = metadata.replace("/owner/", "/auditor/")
    for kind in ("comments", "tags"):
        r = bob.post(f"{audited}/{kind}", {"value": "no"})
        assert (r.status, r.code) == (400, "OBP-30022")
    seen = bob.get(f"{alice_path}/auditor/transactions").body["transactions"]
    assert [t["details"]["value"]["amount"] for t in seen] == ["-1500", "-50"]
    owner_view = alice.get(f"{alice_path}/owner/transactions").body["transactions"]
    assert [c["value"] for c in owner_view[1]["metadata"]["comments"]] == ["team lunch"]
    assert [t["value"] for t in owner_view[1]["metadata"]["tags"]] == ["food"]
