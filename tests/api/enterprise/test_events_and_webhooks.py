"""Customer events into the outbox (for the webhook engine) and a profile's webhook registrations."""
from __future__ import annotations

from datetime import timedelta

import boto3

from chalicelib import aws, outbox
from chalicelib.settings import get_settings
from chalicelib.store import outbox as outbox_store
from chalicelib.store import webhooks as registry
from tests.api.enterprise.conftest import new_customer, new_profile


def _webhook_messages() -> list[tuple[str, dict]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().webhook_queue)["QueueUrl"]
    out = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return out
        for m in batch:
            event_id, channel, payload = outbox.open_envelope(m["Body"])
            assert channel == "webhook"
            out.append((event_id, payload))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_customer_changes_announce_thin_events_to_the_profiles_webhooks(ent):
    client = ent.session()
    profile_id = new_profile(client)
    customer = new_customer(client, profile_id, first_name="Ann", email="ann@example.com")
    path = f"/v1/profiles/{profile_id}/customers/{customer['id']}"
    client.put(path, {"first_name": "Anne"})
    client.delete(path)
    client.delete(path)  # 404: no event
    messages = _webhook_messages()
    assert [p["event_type"] for _, p in messages] == ["customer.created", "customer.updated", "customer.deleted"]
    for (_, payload), kind in zip(messages, ("customer.created", "customer.updated", "customer.deleted")):
        assert payload == {"kind": "event", "event_type": kind, "scopes": [f"PROFILE#{profile_id}"],
                           "body": {"type": kind, "id": customer["id"], "profile_id": profile_id}}
    assert len({event_id for event_id, _ in messages}) == 3
    assert outbox_store.pending_older_than(timedelta(seconds=-60)) == []  # all handed over


def test_the_event_commits_with_the_change_even_if_sqs_is_down(ent, monkeypatch):
    client = ent.session()
    profile_id = new_profile(client)

    class DownSqs:
        def send_message(self, **_):
            raise ConnectionError("sqs is down")

    real_client = aws.client
    monkeypatch.setattr(aws, "client", lambda service: DownSqs() if service == "sqs" else real_client(service))
    customer = new_customer(client, profile_id)
    [pending] = outbox_store.pending_older_than(timedelta(seconds=-60))
    _, _, payload = outbox.open_envelope(pending.envelope)
    assert payload["event_type"] == "customer.created" and payload["body"]["id"] == customer["id"]
    monkeypatch.setattr(aws, "client", real_client)
    assert outbox.sweep(min_age_seconds=0) == 1
    assert [p["body"]["id"] for _, p in _webhook_messages()] == [customer["id"]]


def test_a_profile_registers_lists_reads_and_deletes_webhooks(ent):
    partner = ent.register()
    client = ent.client(partner)
    profile_id = new_profile(client)
    base = f"/v1/profiles/{profile_id}/webhooks"
    r = client.post(base, {"url": "https://93.184.215.14/hooks", "events": ["customer.created", "customer.deleted"]})
    assert r.status == 201, r.body
    assert r.body["secret"].startswith("whsec_") and r.body["active"] is True
    assert r.body["events"] == ["customer.created", "customer.deleted"] and r.body["url"] == "https://93.184.215.14/hooks"
    record = registry.get_webhook(r.body["id"])
    assert (record.scope, record.owner_id, record.profile_id) == (f"PROFILE#{profile_id}", partner.client_id, profile_id)
    assert record.triggers == ["customer.created", "customer.deleted"]
    listed = client.get(base)
    assert listed.status == 200 and listed.body == [{k: v for k, v in r.body.items() if k != "secret"}]
    got = client.get(f"{base}/{r.body['id']}")
    assert got.status == 200 and "secret" not in got.body
    deleted = client.delete(f"{base}/{r.body['id']}")
    assert deleted.status == 200 and deleted.body["id"] == r.body["id"]
    assert client.get(f"{base}/{r.body['id']}").status == 404 and client.get(base).body == []
    assert registry.get_webhook(r.body["id"]) is None


def test_webhook_registration_errors_and_isolation(ent):
    alice, bob = ent.session("a"), ent.session("b")
    profile_id = new_profile(alice)
    base = f"/v1/profiles/{profile_id}/webhooks"
    for body, field in (({"url": "https://93.184.215.14/h", "events": ["payment.refunded"]}, "events"),
                        ({"url": "https://93.184.215.14/h", "events": []}, "events"),
                        ({"url": "https://10.0.0.8/h", "events": ["customer.created"]}, "url"),
                        ({"events": ["customer.created"]}, "url")):
        r = alice.post(base, body)
        assert r.status == 400 and r.body["fields"][0]["field"] == field, body
    hook = alice.post(base, {"url": "https://93.184.215.14/h", "events": ["customer.updated"]}).body
    for r in (bob.get(base), bob.post(base, {"url": "https://93.184.215.14/b", "events": ["customer.created"]}),
              bob.get(f"{base}/{hook['id']}"), bob.delete(f"{base}/{hook['id']}")):
        assert r.status == 404 and r.body["error"] == "not_found"
    other = new_profile(alice)
    assert alice.get(f"/v1/profiles/{other}/webhooks/{hook['id']}").status == 404  # only under its own profile
    assert [h["id"] for h in alice.get(base).body] == [hook["id"]]
