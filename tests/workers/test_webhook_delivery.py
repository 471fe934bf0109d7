"""The webhook delivery engine (deliver_webhooks) against in-process moto and real receivers on
127.0.0.1: signing, retries, the dead-letter queue, idempotency, partial batches, health."""
from __future__ import annotations

import json
import random
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from standardwebhooks import Webhook

from chalicelib import outbox
from chalicelib.delivery import webhook_http
from chalicelib.services import webhook_deliveries, webhooks
from chalicelib.settings import reload_settings
from chalicelib.store import webhook_deliveries as delivery_store
from chalicelib.store import webhooks as webhook_store
from tests.support import Receiver, drain_queue, fake_dns, outside_the_local_stage, sqs_event

OWNER = "owner-user-id"
BANK = "bank-1"
WEBHOOK_QUEUE = "obp-webhooks"
DLQ = "obp-webhooks-dlq"


@pytest.fixture
def serialized_aws(monkeypatch):
    """moto's in-process backends are not thread-safe (AWS is); the handler runs records on threads."""
    import botocore.client

    lock = threading.Lock()
    original = botocore.client.BaseClient._make_api_call

    def locked(self, operation_name, api_params):
        with lock:
            return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", locked)


@pytest.fixture
def engine(aws, serialized_aws, monkeypatch):
    """Fast settings: no waiting between attempts, no jitter, 2 s timeout."""

    def configure(schedule: str = "0,0,0", timeout: int = 2, **extra):
        monkeypatch.setenv("OBP_WEBHOOK_RETRY_SCHEDULE", schedule)
        monkeypatch.setenv("OBP_WEBHOOK_RETRY_JITTER_PERCENT", "0")
        monkeypatch.setenv("OBP_WEBHOOK_TIMEOUT_SECONDS", str(timeout))
        for key, value in extra.items():
            monkeypatch.setenv(key, value)
        reload_settings()

    configure()
    yield configure
    monkeypatch.undo()
    reload_settings()


@pytest.fixture
def handler(chalice_app):
    from app import deliver_webhooks

    return deliver_webhooks


@pytest.fixture
def receiver():
    receivers = []

    def make(answer=None) -> Receiver:
        r = Receiver(answer)
        receivers.append(r)
        return r

    yield make
    for r in receivers:
        r.close()


def register(url: str, scope: str | None = None, triggers=("OnCreateTransaction",), owner: str = OWNER):
    return webhooks.create_webhook(owner, scope or webhooks.bank_scope(BANK), url, list(triggers), bank_id=BANK)


def obp_event(event_id: str | None = None, bank_id: str = BANK) -> tuple[str, dict]:
    """OBP's OnCreateTransaction payload (reference §7)."""
    event_id = event_id or str(uuid.uuid4())
    return event_id, {
        "event_name": "OnCreateTransaction", "event_id": event_id, "bank_id": bank_id, "account_id": "acc-1",
        "transaction_id": str(uuid.uuid4()), "related_entities": [{"user_id": "u-1", "customer_ids": ["c-1"]}],
    }


def emit(event_id: str, body: dict, scopes=None) -> None:
    outbox.send(webhooks.event_message("OnCreateTransaction", scopes or [webhooks.bank_scope(BANK), webhooks.system_scope()],
                                       body, event_id=event_id))


def deliver_an_event(handler, url: str):
    """Register a bank webhook to `url`, emit one OnCreateTransaction and run the engine until its
    delivery is finished. Returns (webhook, secret, event_id, body)."""
    record, secret = register(url)
    event_id, body = obp_event()
    emit(event_id, body)
    drain_queue(WEBHOOK_QUEUE, handler, until=finished(event_id, record.webhook_id))
    return record, secret, event_id, body


def delivery_of(event_id: str, webhook_id: str):
    return delivery_store.get_delivery_with_attempts(delivery_store.delivery_id_for(event_id, webhook_id))


def finished(event_id: str, webhook_id: str):
    def check() -> bool:
        delivery = delivery_of(event_id, webhook_id)[0]
        return delivery is not None and delivery.status in (delivery_store.SUCCEEDED, delivery_store.FAILED)
    return check


def dead_letters() -> list[dict]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=DLQ)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
    return got


def test_an_event_arrives_signed_and_verifies_with_the_standardwebhooks_package(engine, handler, receiver, caplog):
    caplog.set_level("DEBUG")
    hook = receiver()
    record, secret, event_id, body = deliver_an_event(handler, hook.url)
    delivery_id = delivery_store.delivery_id_for(event_id, record.webhook_id)
    # The engine's log lines were captured (one per attempt, naming the receiver)...
    assert f"webhook delivery {delivery_id} attempt 1 (OnCreateTransaction) to {hook.url}: status 200" in caplog.text
    assert secret not in caplog.text and secret[len("whsec_"):] not in caplog.text  # ...and carry no secret

    [call] = hook.calls
    assert call.method == "POST" and call.path == "/hook"
    assert call.headers["webhook-id"] == event_id
    assert call.headers["content-type"] == "application/json; charset=utf-8"
    assert abs(int(call.headers["webhook-timestamp"]) - time.time()) < 10
    assert Webhook(secret).verify(call.body, call.headers) == body
    assert call.body == json.dumps(body, separators=(",", ":")).encode()
    delivery, attempts = delivery_of(event_id, record.webhook_id)
    assert delivery.status == "SUCCEEDED" and delivery.attempt_count == 1
    assert [(a.attempt, a.status_code, a.error) for a in attempts] == [(1, 200, None)]
    assert attempts[0].response_body == "ok" and attempts[0].duration_ms >= 0


def test_a_receiver_answering_500_three_times_gets_the_event_on_the_fourth_attempt_with_the_same_id(engine, handler, receiver):
    hook = receiver(lambda n, call: 500 if n <= 3 else 204)
    record, secret, event_id, body = deliver_an_event(handler, hook.url)

    assert [c.status for c in hook.calls] == [500, 500, 500, 204]
    assert {c.headers["webhook-id"] for c in hook.calls} == {event_id}
    assert all(Webhook(secret).verify(c.body, c.headers) == body for c in hook.calls)
    delivery, attempts = delivery_of(event_id, record.webhook_id)
    assert delivery.status == "SUCCEEDED" and delivery.attempt_count == 4
    assert [(a.attempt, a.status_code) for a in attempts] == [(1, 500), (2, 500), (3, 500), (4, 204)]
    assert dead_letters() == []


def test_a_receiver_that_never_answers_2xx_ends_in_the_dead_letter_queue_with_every_attempt_recorded(engine, handler, receiver):
    engine(schedule="0,0,0,0")  # five attempts
    hook = receiver(lambda n, call: 503)
    record, _, event_id, body = deliver_an_event(handler, hook.url)

    assert len(hook.calls) == 5
    delivery, attempts = delivery_of(event_id, record.webhook_id)
    assert delivery.status == "FAILED" and delivery.attempt_count == 5 and delivery.last_status_code == 503
    assert [(a.attempt, a.status_code, a.trigger) for a in attempts] == [(n, 503, "scheduled") for n in range(1, 6)]
    [dead] = dead_letters()
    attributes = {k: v["StringValue"] for k, v in dead["MessageAttributes"].items()}
    assert attributes == {"reason": "attempts-exhausted", "delivery_id": delivery.delivery_id,
                          "event_id": event_id, "webhook_id": record.webhook_id}
    _, channel, payload = outbox.open_envelope(dead["Body"])
    assert (channel, payload["kind"], payload["delivery_id"], payload["attempt"]) == ("webhook", "attempt", delivery.delivery_id, 5)
    assert webhook_store.get_webhook(record.webhook_id).failing_since is not None


def test_fifty_events_to_a_receiver_failing_half_the_calls_at_random_all_arrive_once(engine, handler, receiver):
    engine(schedule="0,0,0,0,0,0,0")  # eight attempts, as the default schedule
    rng = random.Random(20240611)
    failures_in_a_row: dict[str, int] = {}

    def flaky(n, call):
        # Random, but never 8 failures in a row for one event: the test would otherwise fail by chance.
        event = call.headers["webhook-id"]
        if failures_in_a_row.get(event, 0) < 7 and rng.random() < 0.5:
            failures_in_a_row[event] = failures_in_a_row.get(event, 0) + 1
            return 500
        return 200

    hook = receiver(flaky)
    record, secret = register(hook.url)
    events = dict(obp_event() for _ in range(50))
    for event_id, body in events.items():
        emit(event_id, body)

    succeeded = lambda: {c.headers["webhook-id"] for c in list(hook.calls) if c.status == 200}  # noqa: E731
    drain_queue(WEBHOOK_QUEUE, handler, until=lambda: succeeded() == set(events), timeout=60)

    statuses = [c.status for c in hook.calls]
    assert 0.3 < statuses.count(500) / len(statuses) < 0.7, "the receiver should have failed about half the calls"
    for event_id, body in events.items():
        calls = hook.calls_for(event_id)
        assert [c.status for c in calls].count(200) == 1, f"{event_id} succeeded {[c.status for c in calls]}"
        assert calls[-1].status == 200, "nothing may follow the successful attempt"
        assert Webhook(secret).verify(calls[-1].body, calls[-1].headers) == body
        delivery, attempts = delivery_of(event_id, record.webhook_id)
        assert delivery.status == "SUCCEEDED"
        assert [a.status_code for a in attempts] == [c.status for c in calls]
    assert dead_letters() == []


def _queued_message_bodies() -> list[str]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=WEBHOOK_QUEUE)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for m in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return [m["Body"] for m in got]


def first_attempts(handler, expected: int) -> tuple[str, list[str]]:
    """Emit an event, fan it out by hand and take its first-attempt messages off the queue."""
    event_id, body = obp_event()
    emit(event_id, body)
    [event_body] = _queued_message_bodies()
    handler(sqs_event(event_body), None)
    attempts: list[str] = []
    while len(attempts) < expected:
        attempts += _queued_message_bodies()
    return event_id, attempts


def test_a_message_received_twice_is_delivered_once(engine, handler, receiver):
    hook = receiver(lambda n, call: (time.sleep(0.3), 200)[1])  # slow enough for the copies to overlap
    record, _ = register(hook.url)
    event_id, body = obp_event()
    emit(event_id, body)
    [event_body] = _queued_message_bodies()

    # The event announced twice in one batch: one delivery, one first-attempt message.
    assert handler(sqs_event(event_body, event_body), None) == {"batchItemFailures": []}
    [attempt_body] = _queued_message_bodies()

    # The attempt received twice at once: one request; the copy is deferred, then found done.
    result = handler(sqs_event(attempt_body, attempt_body), None)
    assert len(result["batchItemFailures"]) <= 1
    assert handler(sqs_event(attempt_body), None) == {"batchItemFailures": []}
    assert len(hook.calls) == 1
    assert delivery_of(event_id, record.webhook_id)[0].status == "SUCCEEDED"


def test_a_poisoned_record_fails_alone_and_the_others_are_delivered(engine, handler, receiver):
    hook = receiver()
    record, _ = register(hook.url)
    (first, first_body), (second, second_body) = obp_event(), obp_event()
    emit(first, first_body)
    emit(second, second_body)
    good = _queued_message_bodies()
    assert len(good) == 2

    event = sqs_event(good[0], "this is not an outbox envelope", good[1])
    result = handler(event, None)

    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    drain_queue(WEBHOOK_QUEUE, handler, until=lambda: finished(first, record.webhook_id)() and finished(second, record.webhook_id)())
    assert sorted(c.headers["webhook-id"] for c in hook.calls) == sorted([first, second])


def test_a_slow_endpoint_does_not_hold_up_the_others_in_its_batch(engine, handler, receiver):
    engine(timeout=2)
    slow = receiver(lambda n, call: (time.sleep(4), 200)[1])
    fast = receiver()
    slow_hook, _ = register(slow.url)
    fast_hook, _ = register(fast.url)
    event_id, attempts = first_attempts(handler, 2)

    started = time.time()
    result = handler(sqs_event(*attempts), None)

    assert result == {"batchItemFailures": []}  # a failed attempt is rescheduled, not failed back to SQS
    assert fast.calls[0].at - started < 1.5  # long before the slow one's 2 s timeout
    assert delivery_of(event_id, fast_hook.webhook_id)[0].status == "SUCCEEDED"
    slow_delivery, [slow_attempt] = delivery_of(event_id, slow_hook.webhook_id)
    assert slow_delivery.status == "RETRYING" and slow_attempt.error == "timed out after 2 s"
    assert 1900 <= slow_attempt.duration_ms < 3500


def test_410_gone_disables_the_webhook_and_stops_the_delivery(engine, handler, receiver):
    hook = receiver(lambda n, call: 410)
    record, _, event_id, body = deliver_an_event(handler, hook.url)

    assert len(hook.calls) == 1
    assert delivery_of(event_id, record.webhook_id)[0].status == "FAILED"
    webhook = webhook_store.get_webhook(record.webhook_id)
    assert webhook.is_active is False and "410 Gone" in webhook.disabled_reason
    assert dead_letters() == []
    later_id, later = obp_event()
    emit(later_id, later)
    drain_queue(WEBHOOK_QUEUE, handler, until=lambda: _queue_is_empty())
    assert len(hook.calls) == 1 and delivery_of(later_id, record.webhook_id)[0] is None


def _queue_is_empty() -> bool:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=WEBHOOK_QUEUE)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return all(attrs[k] == "0" for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                         "ApproximateNumberOfMessagesDelayed"))


def test_a_redirect_is_a_failure_and_is_not_followed(engine, handler, receiver):
    target = receiver()
    hook = receiver(lambda n, call: (302, {"Location": target.url}, b"") if n == 1 else 200)
    record, _, event_id, body = deliver_an_event(handler, hook.url)

    assert target.calls == []
    assert [a.status_code for a in delivery_of(event_id, record.webhook_id)[1]] == [302, 200]


def test_the_response_body_is_read_in_bounds_and_stored_truncated(engine, handler, receiver):
    hook = receiver(lambda n, call: (500 if n == 1 else 200, {}, b"x" * 300_000))
    record, _, event_id, body = deliver_an_event(handler, hook.url)

    attempts = delivery_of(event_id, record.webhook_id)[1]
    assert [len(a.response_body) for a in attempts] == [webhook_http.SNIPPET_BYTES] * 2


def test_retries_wait_as_the_schedule_says(engine, handler, receiver):
    engine(schedule="1,2")
    hook = receiver(lambda n, call: 500)
    record, _, event_id, body = deliver_an_event(handler, hook.url)

    times = [c.at for c in hook.calls]
    assert len(times) == 3
    assert 0.9 <= times[1] - times[0] < 2.5 and 1.9 <= times[2] - times[1] < 3.5


def test_a_retry_after_of_a_throttling_receiver_is_honoured(engine, handler, receiver):
    hook = receiver(lambda n, call: (429, {"Retry-After": "120"}, b"slow down"))
    record, _ = register(hook.url)
    event_id, body = obp_event()
    emit(event_id, body)

    drain_queue(WEBHOOK_QUEUE, handler, until=lambda: bool(delivery_of(event_id, record.webhook_id)[1]))

    delivery = delivery_of(event_id, record.webhook_id)[0]
    assert delivery.status == "RETRYING"
    wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert 119 <= wait <= 121


def test_an_attempt_due_later_than_sqs_can_delay_travels_as_a_chain_of_delayed_messages(engine, handler, receiver):
    hook = receiver()
    record, _ = register(hook.url)
    event_id, [first_attempt] = first_attempts(handler, 1)
    delivery_id = outbox.open_envelope(first_attempt)[2]["delivery_id"]
    due_at = time.time() + 2000
    later = webhooks.attempt_message(delivery_id, 1, due_at).envelope()

    assert handler(sqs_event(later), None) == {"batchItemFailures": []}

    assert hook.calls == [] and delivery_of(event_id, record.webhook_id)[1] == []
    sqs = boto3.client("sqs")
    attrs = sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName=WEBHOOK_QUEUE)["QueueUrl"],
                                     AttributeNames=["ApproximateNumberOfMessagesDelayed"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "1"  # sent again with a 15 minute delay
    assert webhooks.attempt_message(delivery_id, 1, due_at).delay_seconds == 900
    assert handler(sqs_event(first_attempt), None) == {"batchItemFailures": []}  # the one due now is sent
    assert len(hook.calls) == 1


def test_during_a_secret_rotation_both_secrets_sign_and_afterwards_only_the_new_one(engine, handler, receiver):
    hook = receiver()
    record, old_secret = register(hook.url)
    _, new_secret = webhooks.rotate_secret(OWNER, record.webhook_id, overlap_seconds=3600)
    event_id, body = obp_event()
    emit(event_id, body)
    drain_queue(WEBHOOK_QUEUE, handler, until=finished(event_id, record.webhook_id))

    [call] = hook.calls
    assert len(call.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new_secret).verify(call.body, call.headers) == body
    assert Webhook(old_secret).verify(call.body, call.headers) == body

    _, newest_secret = webhooks.rotate_secret(OWNER, record.webhook_id, overlap_seconds=0)
    second_id, second = obp_event()
    emit(second_id, second)
    drain_queue(WEBHOOK_QUEUE, handler, until=finished(second_id, record.webhook_id))
    last = hook.calls[-1]
    assert len(last.headers["webhook-signature"].split(" ")) == 1
    assert Webhook(newest_secret).verify(last.body, last.headers) == second
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(new_secret).verify(last.body, last.headers)


def test_the_owner_can_redeliver_a_failed_delivery_once(engine, handler, receiver):
    engine(schedule="0")
    up = {"yes": False}
    hook = receiver(lambda n, call: 200 if up["yes"] else 500)
    record, secret, event_id, body = deliver_an_event(handler, hook.url)
    assert delivery_of(event_id, record.webhook_id)[0].status == "FAILED"
    assert len(dead_letters()) == 1

    up["yes"] = True
    delivery_id = delivery_store.delivery_id_for(event_id, record.webhook_id)
    assert webhook_deliveries.redeliver(OWNER, record.webhook_id, delivery_id).status == "PENDING"
    drain_queue(WEBHOOK_QUEUE, handler, until=finished(event_id, record.webhook_id))

    assert [c.status for c in hook.calls] == [500, 500, 200]
    assert Webhook(secret).verify(hook.calls[-1].body, hook.calls[-1].headers) == body
    delivery, attempts = delivery_of(event_id, record.webhook_id)
    assert delivery.status == "SUCCEEDED"
    assert [(a.attempt, a.trigger, a.status_code) for a in attempts] == [(1, "scheduled", 500), (2, "scheduled", 500), (3, "manual", 200)]
    with pytest.raises(Exception, match="OBP-30050"):
        webhook_deliveries.redeliver("someone-else", record.webhook_id, delivery_id)


def test_a_webhook_failing_for_five_days_is_disabled_with_a_reason(engine, handler, receiver):
    hook = receiver(lambda n, call: 500)
    record, _ = register(hook.url)
    five_days_ago = datetime.now(timezone.utc) - timedelta(hours=120, minutes=1)
    record.update(actions=[webhook_store.WebhookRecord.failing_since.set(five_days_ago)])
    event_id, body = obp_event()
    emit(event_id, body)

    drain_queue(WEBHOOK_QUEUE, handler, until=finished(event_id, record.webhook_id))

    webhook = webhook_store.get_webhook(record.webhook_id)
    assert webhook.is_active is False
    assert "every delivery attempt failed since" in webhook.disabled_reason and "(120 hours)" in webhook.disabled_reason
    assert len(hook.calls) == 1, "the attempts after the disabling are not sent"
    delivery, attempts = delivery_of(event_id, record.webhook_id)
    assert delivery.status == "FAILED" and attempts[-1].error == "not sent: the webhook is disabled"
    assert dead_letters() == []


def test_a_success_ends_the_failure_streak(engine, handler, receiver):
    hook = receiver(lambda n, call: 500 if n == 1 else 200)
    record, _, event_id, body = deliver_an_event(handler, hook.url)
    assert webhook_store.get_webhook(record.webhook_id).failing_since is None


def test_only_active_webhooks_of_the_events_scopes_and_trigger_get_it(engine, handler, receiver):
    hook = receiver()
    bank_hook, _ = register(hook.url)
    system_hook, _ = register(hook.url, scope=webhooks.system_scope())
    inactive, _ = webhooks.create_webhook(OWNER, webhooks.bank_scope(BANK), hook.url, ["OnCreateTransaction"], is_active=False)
    other_bank, _ = webhooks.create_webhook(OWNER, webhooks.bank_scope("bank-2"), hook.url, ["OnCreateTransaction"])
    account_scope = webhooks.account_scope(BANK, "acc-1")
    other_trigger, _ = register(hook.url, scope=account_scope, triggers=["OnBalanceChange"])
    event_id, body = obp_event()
    emit(event_id, body, scopes=[webhooks.bank_scope(BANK), webhooks.system_scope(), account_scope])

    drain_queue(WEBHOOK_QUEUE, handler, until=lambda: finished(event_id, bank_hook.webhook_id)() and finished(event_id, system_hook.webhook_id)())

    assert len(hook.calls) == 2
    for quiet in (inactive, other_bank, other_trigger):
        assert delivery_of(event_id, quiet.webhook_id)[0] is None


@pytest.fixture
def non_local_stage(monkeypatch):
    yield from outside_the_local_stage(monkeypatch)


@pytest.fixture
def dns(monkeypatch):
    return fake_dns(monkeypatch)


def test_the_ssrf_guard_checks_again_at_delivery_and_blocks_a_name_now_pointing_inside(engine, handler, dns, non_local_stage, monkeypatch):
    engine(schedule="0")
    dns["hooks.example.com"] = "93.184.216.34"
    record, _ = register("https://hooks.example.com/webhook")
    dns["hooks.example.com"] = "10.0.0.1"  # DNS rebinding
    sent = []
    monkeypatch.setattr(webhook_http, "send", lambda *a, **kw: sent.append(a))
    event_id, body = obp_event()
    emit(event_id, body)

    drain_queue(WEBHOOK_QUEUE, handler, until=finished(event_id, record.webhook_id))

    assert sent == []
    delivery, attempts = delivery_of(event_id, record.webhook_id)
    assert [a.error for a in attempts] == [
        "blocked by the SSRF guard: the host 'hooks.example.com' resolves to 10.0.0.1, a private address; "
        "webhooks may only call public addresses"] * 2


def test_the_connection_goes_to_the_checked_address(engine, handler, receiver, dns, monkeypatch):
    """The name is resolved once, by the guard; the socket connects to that very address."""
    hook = receiver()
    dns["pinned.example"] = "127.0.0.1"
    record, _ = register(hook.url.replace("127.0.0.1", "pinned.example"))
    connected = []
    real_create_connection = socket.create_connection
    lookups = []

    def spy_connection(address, *args, **kwargs):
        connected.append(address[0])
        dns["pinned.example"] = "10.9.9.9"  # any later lookup would now go elsewhere
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", spy_connection)
    real_lookup = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **kw: (lookups.append(host), real_lookup(host, *a, **kw))[1])
    event_id, body = obp_event()
    emit(event_id, body)

    drain_queue(WEBHOOK_QUEUE, handler, until=finished(event_id, record.webhook_id))

    assert connected == ["127.0.0.1"] and lookups.count("pinned.example") == 1
    [call] = hook.calls
    assert call.headers["host"] == f"pinned.example:{hook.server.server_address[1]}"


def test_threads_share_one_batch_without_losing_results(engine, handler, receiver):
    """Ten records in one batch run at once; every one is accounted for."""
    hook = receiver(lambda n, call: (time.sleep(0.5), 200)[1])
    records = [register(hook.url)[0] for _ in range(10)]
    event_id, attempts = first_attempts(handler, 10)

    started = time.monotonic()
    assert handler(sqs_event(*attempts), None) == {"batchItemFailures": []}
    assert time.monotonic() - started < 3.0  # not 10 x 0.5 s one after the other
    assert len(hook.calls) == 10
    assert all(delivery_of(event_id, r.webhook_id)[0].status == "SUCCEEDED" for r in records)


def test_the_owner_reads_deliveries_attempts_and_why_the_webhook_was_disabled_then_redelivers(engine, handler, receiver, admin):
    engine(schedule="0,0,0")
    answers = {1: (500, {}, b"database down"), 2: 410}
    hook = receiver(lambda n, call: answers.get(n, 200))
    bank = admin.create_bank()
    owner = admin.new_user_session(("CanCreateAccountNotificationWebhookAtOneBank", bank))
    r = owner.post(f"/obp/v4.0.0/banks/{bank}/web-hooks/account/notifications/on-create-transaction",
                   {"url": hook.url, "http_method": "POST", "http_protocol": "HTTP/1.1"})
    assert r.status == 201, r.body
    webhook_id, secret = r.body["webhook_id"], r.body["secret"]
    event_id, body = obp_event(bank_id=bank)
    emit(event_id, body, scopes=[webhooks.bank_scope(bank)])
    drain_queue(WEBHOOK_QUEUE, handler, until=finished(event_id, webhook_id))
    mine = f"/obp/v5.1.0/my/web-hooks/{webhook_id}"

    listed = owner.get(f"{mine}/deliveries")
    [delivery] = listed.body["deliveries"]
    assert {k: delivery[k] for k in ("event_id", "event_type", "status", "attempt_count", "last_status_code")} == {
        "event_id": event_id, "event_type": "OnCreateTransaction", "status": "FAILED", "attempt_count": 2,
        "last_status_code": 410}
    detail = owner.get(f"{mine}/deliveries/{delivery['delivery_id']}")
    assert detail.status == 200 and json.loads(detail.body["body"]) == body
    assert [(a["attempt"], a["status_code"], a.get("response_body")) for a in detail.body["attempts"]] == [
        (1, 500, "database down"), (2, 410, "ok")]
    stranger = admin.new_user_session()
    assert stranger.get(f"{mine}/deliveries/{delivery['delivery_id']}").code == "OBP-30050"
    health = owner.get(mine).body
    assert health["is_active"] is False and "410 Gone" in health["disabled_reason"]

    refused = owner.post(f"{mine}/deliveries/{delivery['delivery_id']}/redelivery")
    assert (refused.status, refused.code) == (400, "OBP-39002") and "410 Gone" in refused.message
    assert owner.put(mine, {"is_active": "true"}).body["is_active"] is True
    again = owner.post(f"{mine}/deliveries/{delivery['delivery_id']}/redelivery")
    assert (again.status, again.body["status"]) == (202, "PENDING")
    drain_queue(WEBHOOK_QUEUE, handler, until=finished(event_id, webhook_id))

    assert [c.status for c in hook.calls] == [500, 410, 200]
    assert Webhook(secret).verify(hook.calls[-1].body, hook.calls[-1].headers) == body
    assert owner.get(f"{mine}/deliveries").body["deliveries"][0]["status"] == "SUCCEEDED"
