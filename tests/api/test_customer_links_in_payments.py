"""Payments use the user-customer links: OnCreateTransaction names the holders' customers
(related_entities) and an SMS one-time password goes to the linked customers' mobile numbers."""
from chalicelib import aws, outbox
from chalicelib.settings import get_settings
from tests.support import banking_world, transfer


def _linked_customer(admin, bank_id: str, user_id: str, phone: str) -> str:
    admin.grant(admin.user_id, "CanCreateCustomer", bank_id)
    admin.grant(admin.user_id, "CanCreateUserCustomerLink", bank_id)
    r = admin.post(f"/obp/v5.0.0/banks/{bank_id}/customers", {"legal_name": "Alice A", "mobile_phone_number": phone})
    assert r.status == 201, r.body
    link = admin.post(f"/obp/v4.0.0/banks/{bank_id}/user_customer_links",
                      {"user_id": user_id, "customer_id": r.body["customer_id"]})
    assert link.status == 201, link.body
    return r.body["customer_id"]


def _queued(queue: str) -> list[tuple[str, dict]]:
    sqs, url, out = aws.client("sqs"), aws.queue_url(queue), []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in batch:
            event_id, channel, payload = outbox.open_envelope(m["Body"])
            out.append((channel, payload))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def test_on_create_transaction_names_the_holders_customers(admin):
    w = banking_world(admin)
    customer_id = _linked_customer(admin, w.bank_id, w.alice.user_id, "+4917011122233")
    assert transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "20").status == 201
    created = [p["body"] for _, p in _queued(get_settings().webhook_queue) if p["event_type"] == "OnCreateTransaction"]
    by_account = {body["account_id"]: body["related_entities"] for body in created}
    assert by_account == {
        w.alice_account: [{"user_id": w.alice.user_id, "customer_ids": [customer_id]}],
        w.bob_account: [],  # bob is linked to no customer at the bank
    }


def test_an_sms_one_time_password_goes_to_the_linked_customers_mobile(admin, monkeypatch):
    from chalicelib.settings import reload_settings

    monkeypatch.setenv("OBP_OTP_TRANSPORT", "SMS")
    reload_settings()
    w = banking_world(admin)
    _linked_customer(admin, w.bank_id, w.alice.user_id, "+4917044455566")
    r = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "1500")
    assert r.status == 201 and r.body["status"] == "INITIATED"
    sms = [p for channel, p in _queued(get_settings().sms_queue) if channel == "sms"]
    assert [m["to"] for m in sms] == ["+4917044455566"]
    assert sms[0]["body"].startswith("Your OTP challenge : ")
