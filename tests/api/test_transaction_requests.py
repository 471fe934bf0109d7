"""Transaction requests of type ACCOUNT: immediate transfers below the threshold, every refusal
(nothing written), FX, webhook events in the outbox, reading requests back, Idempotency-Key."""
from decimal import Decimal


from chalicelib import aws, outbox
from chalicelib.settings import get_settings
from chalicelib.store import ledger
from chalicelib.store.accounts import get_account
from tests.support import banking_world, open_account, transfer  # noqa: F401



def _drain(queue: str) -> list[dict]:
    """Every message on a queue, opened: {"event_id", "channel", "payload"}."""
    sqs, url, out = aws.client("sqs"), aws.queue_url(queue), []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            event_id, channel, payload = outbox.open_envelope(m["Body"])
            out.append({"event_id": event_id, "channel": channel, "payload": payload})
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def _balance(w, account):
    return get_account(w.bank_id, account).balance


def _transactions(w, account) -> list:
    """The account's booked transactions, newest first."""
    return ledger.transactions_page(get_account(w.bank_id, account), offset=0, limit=100, descending=True)


def _requests(w, account) -> list:
    return ledger.requests_page(get_account(w.bank_id, account), offset=0, limit=100, descending=False)


def test_a_transfer_below_the_threshold_completes_at_once_with_its_events(admin, dynamo_calls):
    w = banking_world(admin)
    _drain(get_settings().webhook_queue)
    dynamo_calls.reset()
    r = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "50")
    assert r.status == 201
    # token + consumer, user+roles, bank, and the source account with the caller's access (checked
    # before the body is read, as OBP does) all at once; the destination account named in the body;
    # the transfer; then booking: what each account has pending (both read together), the
    # customer links of each account's holders (for the events' related_entities), both accounts
    # booked in one transaction; then the 6 outbox records cleared in one batch.
    assert dynamo_calls.round_trips() == 8
    assert sorted(dynamo_calls.operations()) == sorted([
        "BatchGetItem", "Query", "GetItem", "BatchGetItem", "BatchGetItem", "TransactWriteItems",
        "Query", "Query", "Query", "Query", "TransactWriteItems", "BatchWriteItem"])
    debit_id = r.body["transaction_ids"][0]
    assert r.body == {
        "id": r.body["id"], "type": "ACCOUNT", "from": {"bank_id": w.bank_id, "account_id": w.alice_account},
        "details": {"to_sandbox_tan": {"bank_id": w.bank_id, "account_id": w.bob_account},
                    "value": {"currency": "EUR", "amount": "50"}, "description": "test transfer"},
        "transaction_ids": [debit_id], "status": "COMPLETED", "start_date": r.body["start_date"],
        "end_date": r.body["end_date"], "challenges": [],
        "charge": {"summary": "Total charges for completed transaction", "value": {"currency": "EUR", "amount": "2.0"}},
    }
    assert (_balance(w, w.alice_account), _balance(w, w.bob_account)) == (Decimal("-50"), Decimal("50"))
    debit = ledger.get_transaction(w.bank_id, w.alice_account, debit_id)
    assert (debit.amount, debit.new_balance, debit.other_account_id) == (Decimal("-50"), Decimal("-50"), w.bob_account)
    credit = _transactions(w, w.bob_account)
    assert [(t.amount, t.new_balance, t.sequence) for t in credit] == [(Decimal("50"), Decimal("50"), 1)]

    events = [m["payload"] for m in _drain(get_settings().webhook_queue)]
    by_type = {(e["event_type"], e["body"]["account_id"]): e for e in events}
    assert sorted(by_type) == sorted([
        ("OnBalanceChange", w.alice_account), ("OnDebitTransaction", w.alice_account),
        ("OnCreateTransaction", w.alice_account), ("OnBalanceChange", w.bob_account),
        ("OnCreditTransaction", w.bob_account), ("OnCreateTransaction", w.bob_account)])
    created = by_type[("OnCreateTransaction", w.alice_account)]
    assert created["scopes"] == [f"BANK#{w.bank_id}", "SYSTEM"]
    assert created["body"] == {"event_name": "OnCreateTransaction", "event_id": created["body"]["event_id"],
                               "bank_id": w.bank_id, "account_id": w.alice_account, "transaction_id": debit_id,
                               "related_entities": []}
    debit_change = by_type[("OnDebitTransaction", w.alice_account)]
    assert debit_change["scopes"] == [f"ACCOUNT#{w.bank_id}#{w.alice_account}"]
    assert debit_change["body"] == {"event_name": "OnDebitTransaction", "event_id": debit_change["body"]["event_id"],
                                    "bank_id": w.bank_id, "account_id": w.alice_account, "amount": "-50.00 EUR",
                                    "balance": "-50.00 EUR"}
    assert by_type[("OnCreditTransaction", w.bob_account)]["body"]["amount"] == "50.00 EUR"
    # Each message's id is its event's id (the delivery's webhook-id).
    assert {m["body"]["event_id"] for m in events} == {e["body"]["event_id"] for e in by_type.values()}


def test_every_refusal_writes_nothing(admin, api):
    w = banking_world(admin)
    poor = open_account(w.alice, w.bank_id, "")  # no product: no overdraft
    cases = [
        (dict(amount="abc"), 400, "OBP-10002: Invalid Number. Could not convert value to a number. Current input is  abc "),
        (dict(amount="0"), 400, "OBP-40008: Can't send a payment with a value of 0 or less. Current input is: '0'"),
        (dict(amount="-5"), 400, "OBP-40008: Can't send a payment with a value of 0 or less. Current input is: '-5'"),
        (dict(amount="5", currency="ZZZ"), 400, "OBP-10003"),
        (dict(amount="5", currency="GBP"), 400, "OBP-40003"),
        (dict(amount="5.001"), 400, "OBP-10035"),
        (dict(amount="100001"), 400, "OBP-10035: Incorrect json value. the payment amount is over the payment limit(100000)"),
        (dict(amount="5", to_account="no-such-account"), 404, "OBP-30003"),
        (dict(amount="5", to_account=None), 400, "OBP-10035: Incorrect json value. The to account must not be the from account."),
    ]
    for case, status, message in cases:
        to = case.get("to_account", w.bob_account) or w.alice_account
        r = transfer(w.alice, w.bank_id, w.alice_account, to, case["amount"], currency=case.get("currency", "EUR"))
        assert r.status == status and r.message.startswith(message), (case, r.body)
    r = transfer(w.alice, w.bank_id, poor, w.bob_account, "0.01")
    assert (r.status, r.message) == (400, "OBP-10035: Incorrect json value. Insufficient funds: the amount exceeds "
                                          "what the from account may pay.")
    r = transfer(w.bob, w.bank_id, w.alice_account, w.bob_account, "5")  # bob has no view on alice's account
    assert (r.status, r.message) == (400, "OBP-40002: Insufficient authorisation to create TransactionRequest. The "
        "Transaction Request could not be created because the login user doesn't have access to the view of the from "
        "account or the consumer doesn't have the access to the view of the from account or the login user does not "
        "have the `CanCreateAnyTransactionRequest` role or the view does not have the permission "
        "can_add_transaction_request_to_any_account or the view does not have the permission "
        f"can_add_transaction_request_to_beneficiary. Current ViewId(owner),current UserId({w.bob.user_id})current "
        f"ConsumerId({r.message.rsplit('ConsumerId(', 1)[1][:-1]})")
    w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant",
                 {"user_id": w.bob.user_id, "view_id": "auditor"})
    assert transfer(w.bob, w.bank_id, w.alice_account, w.bob_account, "5", view_id="auditor").code == "OBP-40002"
    r = w.alice.post(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transaction-request-types/SEPA/"
                     "transaction-requests", {"to": {"bank_id": w.bank_id, "account_id": w.bob_account},
                                              "value": {"currency": "EUR", "amount": "5"}, "description": "x"})
    assert (r.status, r.message) == (400, "OBP-40001: Invalid value for TRANSACTION_REQUEST_TYPE: 'SEPA'. Current "
                                          "Sandbox does not support it. ")
    r = w.alice.post(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transaction-request-types/"
                     "ACCOUNT/transaction-requests", {"to": {"bank_id": w.bank_id}, "value": {"currency": "EUR"}})
    assert (r.status, r.code) == (400, "OBP-10001")
    assert transfer(w.alice, "no-such-bank", w.alice_account, w.bob_account, "5").status == 404
    assert transfer(w.alice, w.bank_id, "no-such-account", w.bob_account, "5").code == "OBP-30018"
    assert transfer(api, w.bank_id, w.alice_account, w.bob_account, "5").code == "OBP-20001"

    for account in (w.alice_account, w.bob_account, poor):
        assert _balance(w, account) == 0 and _transactions(w, account) == []
        found = ledger.unbooked(w.bank_id, account, 10)  # nothing pending either
        assert (found.transactions, found.requests, int(found.account.request_count)) == ([], [], 0)


def test_threshold_is_1000_eur_converted_and_transfers_cross_currencies(admin):
    w = banking_world(admin)
    gbp = open_account(w.alice, w.bank_id, w.product, currency="GBP")
    gbp_bob = open_account(w.bob, w.bank_id, w.product, currency="GBP")
    # 1 GBP = 1.16 EUR at the static rates: 862 GBP is 999.92 EUR, 863 GBP 1001.08 EUR.
    assert transfer(w.alice, w.bank_id, gbp, gbp_bob, "862", currency="GBP").body["status"] == "COMPLETED"
    assert transfer(w.alice, w.bank_id, gbp, gbp_bob, "863", currency="GBP").body["status"] == "INITIATED"
    assert transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "999.99").body["status"] == "COMPLETED"
    assert transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1000").body["status"] == "INITIATED"
    # EUR -> GBP account: debited in EUR, credited in GBP at the static rate (100 / 1.16, rounded).
    r = transfer(w.alice, w.bank_id, w.alice_account, gbp_bob, "100")
    assert r.status == 201 and r.body["details"]["value"] == {"currency": "EUR", "amount": "100"}
    assert _balance(w, gbp_bob) == Decimal("862") + Decimal("86.21")
    assert _balance(w, w.alice_account) == Decimal("-1099.99")


def test_read_transaction_requests_back_through_a_view(admin):
    w = banking_world(admin)
    done = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "10").body
    pending = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "2000").body
    r = w.alice.get(w.account_path(w.alice_account) + "/transaction-requests")
    assert r.status == 200
    listed = {tr["id"]: tr for tr in r.body["transaction_requests_with_charges"]}
    assert set(listed) == {done["id"], pending["id"]}
    assert listed[done["id"]]["transaction_ids"] == done["transaction_ids"] and listed[done["id"]]["challenge"] is None
    assert listed[pending["id"]]["status"] == "INITIATED"
    assert listed[pending["id"]]["challenge"] == {"id": pending["challenges"][0]["id"], "allowed_attempts": 3,
                                                  "challenge_type": "OBP_TRANSACTION_REQUEST_CHALLENGE"}
    one = w.alice.get(w.account_path(w.alice_account) + f"/transaction-requests/{done['id']}")
    assert one.status == 200 and one.body == listed[done["id"]]
    # Through bob's own account the request is not found; bob cannot read alice's.
    r = w.bob.get(w.account_path(w.bob_account) + f"/transaction-requests/{done['id']}")
    assert (r.status, r.code) == (404, "OBP-40004")
    assert w.bob.get(w.account_path(w.alice_account) + "/transaction-requests").code == "OBP-20017"
    w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant",
                 {"user_id": w.bob.user_id, "view_id": "auditor"})
    r = w.bob.get(w.account_path(w.alice_account, "auditor") + "/transaction-requests")
    assert (r.status, r.code) == (400, "OBP-20022")


def test_the_role_can_create_any_transaction_request_replaces_the_view(admin):
    w = banking_world(admin)
    clerk = admin.new_user_session(("CanCreateAnyTransactionRequest", w.bank_id))
    r = transfer(clerk, w.bank_id, w.alice_account, w.bob_account, "25")
    assert r.status == 201 and r.body["status"] == "COMPLETED"
    assert _balance(w, w.bob_account) == Decimal("25")


def test_an_idempotency_key_replays_the_first_response_and_moves_money_once(admin):
    w = banking_world(admin)
    key = {"Idempotency-Key": "7f1c1a42-3a4e-4c1e-9b8e-2b3c4d5e6f70"}
    first = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "40", headers=key)
    again = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "40", headers=key)
    assert first.status == again.status == 201 and again.body == first.body
    assert _balance(w, w.alice_account) == Decimal("-40")
    assert len(_requests(w, w.alice_account)) == 1
    r = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "41", headers=key)
    assert (r.status, r.message) == (422, "OBP-10035: Incorrect json value. This Idempotency-Key was already used "
                                          "with a different request.")
    # The key is the caller's: the same key from bob is a different request.
    assert transfer(w.bob, w.bank_id, w.bob_account, w.alice_account, "40", headers=key).body["id"] != first.body["id"]
    # A challenged request is replayed too, challenges included, and not challenged twice.
    big = {"Idempotency-Key": "big-transfer-1"}
    initiated = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500", headers=big)
    assert transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500", headers=big).body == initiated.body
    assert len(_requests(w, w.alice_account)) == 2
    r = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1", headers={"Idempotency-Key": "x" * 256})
    assert (r.status, r.code) == (400, "OBP-10035")
    assert _balance(w, w.alice_account) == Decimal("0")  # -40 + 40 back from bob
