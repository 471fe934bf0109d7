"""Historical transactions (v4.0.0): CanCreateHistoricalTransactionAtBank moves money between two
accounts of one bank through the payments ledger; and POST /banks at v2.2.0."""
from decimal import Decimal

from chalicelib import aws, outbox
from chalicelib.settings import get_settings
from chalicelib.store import ledger
from chalicelib.store.accounts import get_account
from chalicelib.store.banks import get_bank
from tests.support import banking_world


def _body(w, **changes) -> dict:
    return {"from_account_id": w.alice_account, "to_account_id": w.bob_account,
            "value": {"currency": "EUR", "amount": "1000.50"}, "description": "opening balance",
            "posted": "2017-09-19T02:31:05Z", "completed": "2017-09-19T02:31:05Z", "type": "SANDBOX_TAN",
            "charge_policy": "SHARED", **changes}


def _webhook_events() -> list[str]:
    sqs, url, out = aws.client("sqs"), aws.queue_url(get_settings().webhook_queue), []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in batch:
            out.append(outbox.open_envelope(m["Body"])[2]["event_type"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def test_a_historical_transaction_moves_money_through_the_ledger(admin):
    w = banking_world(admin)
    staff = admin.new_user_session(("CanCreateHistoricalTransactionAtBank", w.bank_id))
    _webhook_events()
    path = f"/obp/v4.0.0/banks/{w.bank_id}/management/historical/transactions"
    r = staff.post(path, _body(w))
    assert r.status == 201, r.body
    assert r.body == {
        "transaction_id": r.body["transaction_id"], "from": {"bank_id": w.bank_id, "account_id": w.alice_account},
        "to": {"bank_id": w.bank_id, "account_id": w.bob_account}, "value": {"currency": "EUR", "amount": "1000.50"},
        "description": "opening balance", "posted": "2017-09-19T02:31:05Z", "completed": "2017-09-19T02:31:05Z",
        "transaction_request_type": "SANDBOX_TAN", "charge_policy": "SHARED",
    }
    assert get_account(w.bank_id, w.alice_account).balance == Decimal("-1000.50")
    assert get_account(w.bank_id, w.bob_account).balance == Decimal("1000.50")
    debit = ledger.get_transaction(w.bank_id, w.alice_account, r.body["transaction_id"])
    assert (debit.amount, debit.transaction_type, debit.other_account_id) == (Decimal("-1000.50"), "SANDBOX_TAN", w.bob_account)
    assert sorted(_webhook_events()) == sorted(["OnBalanceChange", "OnDebitTransaction", "OnCreateTransaction",
                                                "OnBalanceChange", "OnCreditTransaction", "OnCreateTransaction"])
    # The holders see it like any payment; numbers in string fields are read as OBP reads them.
    r = staff.post(f"/obp/v5.1.0/banks/{w.bank_id}/management/historical/transactions", _body(w, value={"currency": "EUR", "amount": 20}))
    assert r.status == 201 and r.body["value"] == {"currency": "EUR", "amount": "20"}
    r = w.bob.get(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.bob_account}/owner/transactions")
    assert [t["details"]["value"]["amount"] for t in r.body["transactions"]] == ["20", "1000.50"]


def test_historical_transaction_errors_change_nothing(admin, api):
    w = banking_world(admin, attributes={})
    staff = admin.new_user_session(("CanCreateHistoricalTransactionAtBank", w.bank_id))
    path = f"/obp/v4.0.0/banks/{w.bank_id}/management/historical/transactions"
    assert api.post(path, _body(w)).code == "OBP-20001"
    r = w.alice.post(path, _body(w))
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: "
                                          f"CanCreateHistoricalTransactionAtBank for BankId({w.bank_id}).")
    # The role at another bank does not count, and the role comes before the body.
    other = admin.create_bank()
    elsewhere = admin.new_user_session(("CanCreateHistoricalTransactionAtBank", other))
    assert elsewhere.post(path, {"nonsense": True}).code == "OBP-20006"
    assert elsewhere.post(f"/obp/v4.0.0/banks/{other}/management/historical/transactions", _body(w)).code == "OBP-30018"
    assert staff.post(f"/obp/v4.0.0/banks/nowhere/management/historical/transactions", _body(w)).code == "OBP-30001"
    cases = [
        ({"posted": None}, 400, "OBP-10001"),
        ({"from_account_id": "nothing"}, 404, "OBP-30018"),
        ({"to_account_id": "nothing"}, 404, "OBP-30018"),
        ({"value": {"currency": "EUR", "amount": "ten"}}, 400, "OBP-10002"),
        ({"value": {"currency": "EUR", "amount": "0"}}, 400, "OBP-40008"),
        ({"posted": "2017-09-19"}, 400, "OBP-10005"),
        ({"completed": "yesterday"}, 400, "OBP-10005"),
        ({"value": {"currency": "EURO", "amount": "1"}}, 400, "OBP-10003"),
        ({"value": {"currency": "EUR", "amount": "1.001"}}, 400, "OBP-10035"),
        ({"value": {"currency": "GBP", "amount": "1"}}, 400, "OBP-40003"),
        ({"to_account_id": w.alice_account}, 400, "OBP-10035"),
        ({}, 400, "OBP-10035"),  # no overdraft on these accounts: the ledger refuses insufficient funds
    ]
    for change, status, code in cases:
        r = staff.post(path, _body(w, **change))
        assert (r.status, r.code) == (status, code), (change, r.body)
    assert get_account(w.bank_id, w.alice_account).balance == 0 and get_account(w.bank_id, w.bob_account).balance == 0
    for account_id in (w.alice_account, w.bob_account):  # nothing booked, nothing pending
        account = get_account(w.bank_id, account_id)
        assert ledger.transactions_page(account, offset=0, limit=10, descending=True) == []
        assert ledger.unbooked(w.bank_id, account_id, 10).transactions == []


def test_create_bank_v220_as_clients_call_it_under_v310(admin, api):
    creator = admin.new_user_session("CanCreateBank")
    body = {"id": "bank-v220", "full_name": "Bank Two Two", "short_name": "B220", "logo_url": "https://x/logo.png",
            "website_url": "https://bank.example", "swift_bic": "BANKDEFF", "national_identifier": "12345678",
            "bank_routing": {"scheme": "OBP", "address": "bank-v220"}}
    r = creator.post("/obp/v3.1.0/banks", body)
    assert (r.status, r.body) == (201, body)
    stored = get_bank("bank-v220")
    assert (stored.swift_bic, stored.national_identifier, stored.bank_code) == ("BANKDEFF", "12345678", "B220")
    # The creator may now grant roles at the bank (OBP's CanCreateEntitlementAtOneBank).
    r = creator.post(f"/obp/v2.0.0/users/{creator.user_id}/entitlements", {"bank_id": "bank-v220", "role_name": "CanCreateCustomer"})
    assert r.status == 201, r.body
    assert creator.post("/obp/v2.2.0/banks", {**body, "id": "bank-v220b", "bank_routing": {"scheme": "", "address": ""}}).status == 201
    assert get_bank("bank-v220b").bank_routings == []

    assert creator.post("/obp/v2.2.0/banks", {**body, "id": "bank-v220"}).code == "OBP-34000"
    r = creator.post("/obp/v3.1.0/banks", {**body, "id": "short"})
    assert (r.status, r.message) == (400, "OBP-10001: Incorrect json format. Min length of BANK_ID should be 5 characters.")
    assert creator.post("/obp/v3.1.0/banks", {**body, "id": "bank-with-a-long-id"}).message == "OBP-20010: Value too long."
    assert creator.post("/obp/v3.1.0/banks", {**body, "id": "bank v220"}).message == "OBP-20011: Value contains invalid characters."
    assert creator.post("/obp/v3.1.0/banks", {"id": "bank-missing-fields"}).code == "OBP-10001"
    # v2.2.0 reads the body before who is calling; then CanCreateBank.
    assert api.post("/obp/v3.1.0/banks", {**body, "id": "bank-anon"}).code == "OBP-20001"
    r = admin.new_user_session().post("/obp/v3.1.0/banks", {**body, "id": "bank-norole"})
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanCreateBank")
    assert get_bank("bank-norole") is None and get_bank("short") is None
    assert creator.post("/obp/v2.1.0/banks", body).code == "OBP-10404"
