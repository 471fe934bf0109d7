"""Challenges of transaction requests at or above the threshold: OTP delivery by transport, keyed
hash storage, counted attempts (also under concurrency), expiry, single use, REJECT, and
multi-party NEXT_CHALLENGE_PENDING."""
import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from chalicelib import aws, outbox
from chalicelib.errors import ApiError
from chalicelib.services import customer_links, directlogin, transaction_requests
from chalicelib.settings import get_settings, reload_settings
from chalicelib.store import ledger
from chalicelib.store.accounts import get_account
from tests.support import banking_world, serialized_aws_calls, transfer  # noqa: F401


INVALID_ANSWER = (
    "OBP-40016: Invalid Challenge Answer. Please specify a valid value for answer in Json body. The challenge answer "
    "may be expired (600 seconds).Or you've used up your allowed attempts (3 times).Or if connector = mapped and "
    "transactionRequestType_OTP_INSTRUCTION_TRANSPORT = DUMMY and suggested_default_sca_method=DUMMY, the answer must "
    "be `123`. Or if connector = others, the challenge answer can be got by phone message or other security ways."
)


@pytest.fixture
def transport(monkeypatch):
    def use(name: str):
        monkeypatch.setenv("OBP_OTP_TRANSPORT", name)
        reload_settings()

    yield use
    os.environ.pop("OBP_OTP_TRANSPORT", None)
    reload_settings()


def _answer(session, w, account, tr_id, challenge_id, answer, view="owner", request_type="ACCOUNT"):
    return session.post(
        f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{account}/{view}/transaction-request-types/{request_type}/"
        f"transaction-requests/{tr_id}/challenge", {"id": challenge_id, "answer": answer})


def _messages(queue: str) -> list[dict]:
    sqs, url = aws.client("sqs"), aws.queue_url(queue)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [outbox.open_envelope(m["Body"])[2] for m in got]


def test_wrong_answers_count_and_the_right_one_completes(admin, transport):
    transport("DUMMY")
    w = banking_world(admin)
    r = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500")
    assert r.status == 201 and r.body["status"] == "INITIATED" and r.body["transaction_ids"] == [""]
    tr_id = r.body["id"]
    [challenge] = r.body["challenges"]
    assert challenge == {
        "id": challenge["id"], "user_id": w.alice.user_id, "allowed_attempts": 3,
        "challenge_type": "OBP_TRANSACTION_REQUEST_CHALLENGE",
        "link": f"http://127.0.0.1:8000/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/"
                f"transaction-request-types/ACCOUNT/transaction-requests/{tr_id}/challenge",
    }
    assert get_account(w.bank_id, w.alice_account).balance == 0

    for wrong in ("999", "124"):
        r = _answer(w.alice, w, w.alice_account, tr_id, challenge["id"], wrong)
        assert (r.status, r.message) == (400, INVALID_ANSWER)
    r = _answer(w.alice, w, w.alice_account, tr_id, challenge["id"], "123")
    assert r.status == 202
    assert r.body["status"] == "COMPLETED" and r.body["transaction_ids"][0]
    assert r.body["challenges"][0]["id"] == challenge["id"]
    assert get_account(w.bank_id, w.alice_account).balance == Decimal("-1500")
    assert get_account(w.bank_id, w.bob_account).balance == Decimal("1500")
    stored = ledger.load_request(tr_id)
    assert stored.request.status == "COMPLETED" and stored.request.transaction_id == r.body["transaction_ids"][0]
    assert (int(stored.challenges[challenge["id"]].attempts), stored.challenges[challenge["id"]].successful) == (3, True)
    # Used once: answering again finds the request completed.
    r = _answer(w.alice, w, w.alice_account, tr_id, challenge["id"], "123")
    assert (r.status, r.code) == (400, "OBP-40020")


def test_allowed_attempts_used_up_even_for_the_right_answer(admin, transport):
    transport("DUMMY")
    w = banking_world(admin)
    body = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500").body
    for _ in range(3):
        assert _answer(w.alice, w, w.alice_account, body["id"], body["challenges"][0]["id"], "0").code == "OBP-40016"
    r = _answer(w.alice, w, w.alice_account, body["id"], body["challenges"][0]["id"], "123")
    assert (r.status, r.message) == (400, INVALID_ANSWER)
    assert ledger.load_request(body["id"]).request.status == "INITIATED"
    assert get_account(w.bank_id, w.alice_account).balance == 0


def test_concurrent_wrong_answers_are_counted_atomically(admin, transport):
    """OBP's RACE-1: limit+2 wrong answers at once; exactly `limit` are evaluated."""
    transport("DUMMY")
    w = banking_world(admin)
    body = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500").body
    caller = directlogin.authenticate(f"token={w.alice.token}", None)
    limit = get_settings().challenge_allowed_attempts

    def answer(_):
        try:
            transaction_requests.answer(caller, w.bank_id, w.alice_account, "owner", "ACCOUNT", body["id"],
                                        body["challenges"][0]["id"], "000")
        except ApiError as err:
            return err.code
        return "accepted"

    with serialized_aws_calls(), ThreadPoolExecutor(limit + 2) as pool:
        outcomes = list(pool.map(answer, range(limit + 2)))
    assert outcomes == ["OBP-40016"] * (limit + 2)
    assert int(ledger.load_request(body["id"]).challenges[body["challenges"][0]["id"]].attempts) == limit


def test_an_expired_challenge_is_refused(admin, transport):
    transport("DUMMY")
    w = banking_world(admin)
    body = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500").body
    challenge = ledger.load_request(body["id"]).challenges[body["challenges"][0]["id"]]
    challenge.update(actions=[ledger.ChallengeRecord.valid_until.set(datetime.now(timezone.utc) - timedelta(seconds=1))])
    r = _answer(w.alice, w, w.alice_account, body["id"], challenge.challenge_id, "123")
    assert (r.status, r.message) == (400, INVALID_ANSWER)
    assert get_account(w.bank_id, w.alice_account).balance == 0


def test_email_otp_is_sent_through_the_outbox_and_stored_only_as_a_keyed_hash(admin, transport):
    transport("EMAIL")
    w = banking_world(admin)
    _messages(get_settings().email_queue)  # the queue starts empty of OTPs
    r = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "2500")
    [mail] = _messages(get_settings().email_queue)
    assert mail["to"] == w.alice.me["email"] and mail["body"].startswith("Your OTP challenge : ")
    otp = mail["body"].rsplit(" ", 1)[1]
    assert len(otp) == 6 and otp.isdigit()
    assert otp not in json.dumps(r.body)
    challenge = ledger.load_request(r.body["id"]).challenges[r.body["challenges"][0]["id"]]
    assert otp not in json.dumps(challenge.attribute_values, default=str)
    assert _answer(w.alice, w, w.alice_account, r.body["id"], challenge.challenge_id, "123").code == "OBP-40016"
    done = _answer(w.alice, w, w.alice_account, r.body["id"], challenge.challenge_id, otp)
    assert done.status == 202 and done.body["status"] == "COMPLETED"


def test_sms_otp_goes_to_the_linked_customers_phones_and_dummy_only_in_the_local_stage(admin, transport, monkeypatch):
    transport("SMS")
    w = banking_world(admin)
    monkeypatch.setattr(customer_links, "mobile_phone_numbers", lambda bank_id, user_id: ["+44 07972 444 876"])
    r = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500")
    [sms] = _messages(get_settings().sms_queue)
    assert sms["to"] == "+44 07972 444 876" and sms["body"].startswith("Your OTP challenge : ")
    assert _answer(w.alice, w, w.alice_account, r.body["id"], r.body["challenges"][0]["id"],
                   sms["body"].rsplit(" ", 1)[1]).status == 202
    # A user linked to no customer with a mobile number could never answer: refused at once,
    # nothing written or sent (OBP would wait for an answer nobody can give)...
    monkeypatch.setattr(customer_links, "mobile_phone_numbers", lambda bank_id, user_id: [])
    monkeypatch.setenv("OBP_OTP_EMAIL_FALLBACK", "false")
    reload_settings()
    requests_path = f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transaction-requests"
    before = w.alice.get(requests_path).body["transaction_requests_with_charges"]
    r = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500")
    assert (r.status, r.message) == (400, (
        "OBP-35010: SMS server is not working or SMS server can not send the message to the phone number: none. "
        f"User {w.alice.user_id} is linked to no customer with a mobile phone number at bank {w.bank_id}: link the "
        "user to a customer with a mobile_phone_number, or answer challenges by EMAIL."))
    assert _messages(get_settings().sms_queue) == [] and _messages(get_settings().email_queue) == []
    assert w.alice.get(requests_path).body["transaction_requests_with_charges"] == before
    # ... unless the e-mail fallback is on (the local stage's default): then the OTP goes by e-mail.
    monkeypatch.delenv("OBP_OTP_EMAIL_FALLBACK")
    reload_settings()
    r = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500")
    assert r.status == 201 and r.body["status"] == "INITIATED" and _messages(get_settings().sms_queue) == []
    [mail] = _messages(get_settings().email_queue)
    assert mail["to"] == w.alice.me["email"] and mail["body"].startswith("Your OTP challenge : ")
    assert _answer(w.alice, w, w.alice_account, r.body["id"], r.body["challenges"][0]["id"],
                   mail["body"].rsplit(" ", 1)[1]).status == 202
    # DUMMY is a local convenience only.
    transport("DUMMY")
    monkeypatch.setenv("OBP_STAGE", "prod")
    monkeypatch.setenv("OBP_DATA_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
    reload_settings()
    assert transaction_requests._transport() == "SMS"
    monkeypatch.setenv("OBP_STAGE", "test")
    reload_settings()
    assert transaction_requests._transport() == "DUMMY"


def test_reject_and_answer_checks(admin, api, transport):
    transport("DUMMY")
    w = banking_world(admin)
    body = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500").body
    cid = body["challenges"][0]["id"]
    assert _answer(w.alice, w, w.alice_account, body["id"], cid, "123", request_type="SEPA").message == \
        "OBP-40009: The TRANSACTION_REQUEST_TYPE has changed. It should be :'ACCOUNT', but current value (SEPA) "
    r = _answer(w.alice, w, w.alice_account, "no-such-request", cid, "123")
    assert (r.status, r.code) == (404, "OBP-40004")
    assert _answer(w.alice, w, w.alice_account, body["id"], "no-such-challenge", "123").code == "OBP-40016"
    assert _answer(w.bob, w, w.alice_account, body["id"], cid, "123").code == "OBP-40002"
    assert _answer(api, w, w.alice_account, body["id"], cid, "123").code == "OBP-20001"
    r = w.alice.post(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transaction-request-types/"
                     f"ACCOUNT/transaction-requests/{body['id']}/challenge", {"answer": "123"})
    assert (r.status, r.code) == (400, "OBP-10001")
    r = _answer(w.alice, w, w.alice_account, body["id"], cid, "REJECT")
    assert r.status == 202 and r.body["status"] == "REJECTED"
    assert _answer(w.alice, w, w.alice_account, body["id"], cid, "123").code == "OBP-40020"
    assert get_account(w.bank_id, w.alice_account).balance == 0


def test_two_required_answers_pass_through_next_challenge_pending(admin, transport):
    transport("DUMMY")
    w = banking_world(admin, attributes={"OVERDRAFT_LIMIT": ("DOUBLE", "10000"), "REQUIRED_CHALLENGE_ANSWERS": ("INTEGER", "2")})
    w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant",
                 {"user_id": w.bob.user_id, "view_id": "owner"})
    body = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500").body
    by_user = {c["user_id"]: c["id"] for c in body["challenges"]}
    assert set(by_user) == {w.alice.user_id, w.bob.user_id}
    # A challenge is bound to its user.
    assert _answer(w.bob, w, w.alice_account, body["id"], by_user[w.alice.user_id], "123").code == "OBP-40016"
    r = _answer(w.alice, w, w.alice_account, body["id"], by_user[w.alice.user_id], "123")
    assert (r.status, r.message) == (400, "OBP-40019: Cannot create transaction due to transaction request is in "
                                          "status: NEXT_CHALLENGE_PENDING.")
    assert ledger.load_request(body["id"]).request.status == "NEXT_CHALLENGE_PENDING"
    assert get_account(w.bank_id, w.alice_account).balance == 0
    r = _answer(w.bob, w, w.alice_account, body["id"], by_user[w.bob.user_id], "123")
    assert r.status == 202 and r.body["status"] == "COMPLETED"
    assert get_account(w.bank_id, w.alice_account).balance == Decimal("-1500")


def test_a_challenged_transfer_the_account_can_no_longer_pay_fails(admin, transport):
    transport("DUMMY")
    w = banking_world(admin, attributes={"OVERDRAFT_LIMIT": ("DOUBLE", "2000")})
    body = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500").body
    assert transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "900").body["status"] == "COMPLETED"
    r = _answer(w.alice, w, w.alice_account, body["id"], body["challenges"][0]["id"], "123")
    assert (r.status, r.code) == (400, "OBP-10035")
    assert ledger.load_request(body["id"]).request.status == "FAILED"
    assert get_account(w.bank_id, w.alice_account).balance == Decimal("-900")
    # No challenge is created for a transfer that cannot be paid now.
    assert transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500").code == "OBP-10035"
