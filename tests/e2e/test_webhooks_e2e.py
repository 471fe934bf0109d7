"""Webhooks end to end against the local stack of `make run`: a webhook registered over HTTP, an
OnCreateTransaction emitted the way a committed transfer emits it, and receivers on 127.0.0.1.

The producer (tests/e2e/produce_webhook_event.py) commits and dispatches events exactly as a
transfer does, against the stack's moto, so these tests control how many events go out and when;
a real transfer's events reaching a receiver signed is tests/e2e/test_accounts_payments_e2e.py."""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import uuid

import boto3
import pytest
from standardwebhooks import Webhook

from chalicelib import outbox
from scripts.local_stack import local_environment
from tests.e2e.conftest import ROOT, LocalStack
from tests.support import Receiver

pytestmark = pytest.mark.e2e

ATTEMPTS = 5  # the schedule below: one immediate attempt, then four more a second apart
FAST_RETRIES = {"OBP_WEBHOOK_RETRY_SCHEDULE": "1,1,1,1", "OBP_WEBHOOK_RETRY_JITTER_PERCENT": "0"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = LocalStack(tmp_path_factory.mktemp("outbox"), extra_env=FAST_RETRIES)
    s.wait()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def admin(stack):
    return stack.http().login(stack.info["admin_username"], stack.info["admin_password"], stack.info["consumer_key"])


def register_bank_webhook(stack, admin, url: str) -> tuple:
    """A bank, a user allowed to register its webhooks, and a bank-level OnCreateTransaction webhook."""
    bank_id = f"e2e-{uuid.uuid4().hex[:8]}"
    assert admin.post("/obp/v5.1.0/banks", {"id": bank_id, "bank_code": "E2E", "full_name": "Webhook Bank"}).status == 201
    username = f"hooks-{uuid.uuid4().hex[:8]}"
    user = admin.post("/obp/v5.1.0/users", {"email": f"{username}@example.com", "username": username,
                                            "password": "Str0ng-Passw0rd!", "first_name": "W", "last_name": "H"}).body
    granted = admin.post(f"/obp/v5.1.0/users/{user['user_id']}/entitlements",
                         {"bank_id": bank_id, "role_name": "CanCreateAccountNotificationWebhookAtOneBank"})
    assert granted.status == 201, granted.body
    owner = stack.http().login(username, "Str0ng-Passw0rd!", stack.info["consumer_key"])
    r = owner.post(f"/obp/v4.0.0/banks/{bank_id}/web-hooks/account/notifications/on-create-transaction",
                   {"url": url, "http_method": "POST", "http_protocol": "HTTP/1.1"})
    assert r.status == 201, r.body
    return bank_id, owner, r.body["webhook_id"], r.body["secret"]


def produce(stack, bank_id: str, count: int = 1, interval: float = 0.0) -> list[dict]:
    """Commit and dispatch `count` events in a process of its own, against the stack's moto."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.produce_webhook_event", bank_id, "acc-e2e", str(count), str(interval)],
        cwd=ROOT, env=local_environment(stack.moto_port, stack.port), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def deliveries(owner, webhook_id: str) -> list[dict]:
    listed = owner.get(f"/obp/v5.1.0/my/web-hooks/{webhook_id}/deliveries")
    assert listed.status == 200, listed.body
    return [owner.get(f"/obp/v5.1.0/my/web-hooks/{webhook_id}/deliveries/{d['delivery_id']}").body
            for d in listed.body["deliveries"]]


def test_on_create_transaction_events_arrive_signed_and_verify_and_how_fast(stack, admin):
    with Receiver() as receiver:
        bank_id, owner, webhook_id, secret = register_bank_webhook(stack, admin, receiver.url)

        events = produce(stack, bank_id, count=3, interval=0.5)  # one at a time: each meets an idle poller
        receiver.wait_for(lambda: len(receiver.calls) >= 3)

        latencies = []
        for event in events:
            [call] = receiver.calls_for(event["event_id"])
            assert Webhook(secret).verify(call.body, call.headers) == event["body"]
            latencies.append(call.at - event["committed_at"])
        print(f"\ncommit -> first delivery (s): {[round(x, 3) for x in latencies]}; "
              f"median {statistics.median(latencies):.3f}, max {max(latencies):.3f}")
        assert max(latencies) < 5.0  # typically 0.1-0.4 s warm, about 1 s for the first (cold) one
        assert {d["status"] for d in deliveries(owner, webhook_id)} == {"SUCCEEDED"}


def test_a_receiver_failing_three_times_gets_the_event_on_the_fourth_attempt(stack, admin):
    with Receiver(lambda n, call: 500 if n <= 3 else 200) as receiver:
        bank_id, owner, webhook_id, secret = register_bank_webhook(stack, admin, receiver.url)
        [event] = produce(stack, bank_id)
        receiver.wait_for(lambda: len(receiver.calls) == 4)

        assert [c.headers["webhook-id"] for c in receiver.calls] == [event["event_id"]] * 4
        assert all(Webhook(secret).verify(c.body, c.headers) == event["body"] for c in receiver.calls)
        assert 0.9 < receiver.calls[3].at - receiver.calls[2].at < 3.0  # the schedule's 1 s, via SQS delay
        [delivery] = deliveries(owner, webhook_id)
        assert delivery["status"] == "SUCCEEDED"
        assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500, 200]


def test_a_receiver_that_never_answers_2xx_ends_in_the_dead_letter_queue(stack, admin):
    with Receiver(lambda n, call: 500) as receiver:
        bank_id, owner, webhook_id, _ = register_bank_webhook(stack, admin, receiver.url)
        [event] = produce(stack, bank_id)
        receiver.wait_for(lambda: len(receiver.calls) == ATTEMPTS)
        sqs = boto3.client("sqs", endpoint_url=stack.info["moto_endpoint"], region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local")
        dlq = sqs.get_queue_url(QueueName="obp-webhooks-dlq")["QueueUrl"]

        dead = []
        for _ in range(50):
            dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                       WaitTimeSeconds=1).get("Messages", [])
            dead = [m for m in dead if m["MessageAttributes"]["event_id"]["StringValue"] == event["event_id"]]
            if dead:
                break

        [message] = dead
        assert message["MessageAttributes"]["reason"]["StringValue"] == "attempts-exhausted"
        _, _, payload = outbox.open_envelope(message["Body"])
        assert (payload["kind"], payload["attempt"]) == ("attempt", ATTEMPTS)
        [delivery] = deliveries(owner, webhook_id)
        assert (delivery["status"], delivery["attempt_count"]) == ("FAILED", ATTEMPTS)
        assert [a["status_code"] for a in delivery["attempts"]] == [500] * ATTEMPTS
        assert len(receiver.calls) == ATTEMPTS
