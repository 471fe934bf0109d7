"""Idempotency-Key on POST: the first response replayed, 422 for another body, 409 while in
flight, scoped per partner, kept 24 hours, and committed with the write it answers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.services import idempotency
from chalicelib.store import idempotency as idempotency_store
from chalicelib.store.enterprise import customers as customer_store
from tests.api.enterprise.conftest import new_profile


def test_a_retry_gets_the_first_response_and_creates_nothing(ent):
    client = ent.session()
    profile_id = new_profile(client)
    path = f"/v1/profiles/{profile_id}/customers"
    first = client.post(path, {"first_name": "Ann"}, headers={"Idempotency-Key": "k-1"})
    again = client.post(path, {"first_name": "Ann"}, headers={"Idempotency-Key": "k-1"})
    assert (first.status, again.status) == (200, 200)
    assert again.body == first.body and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert client.get(path).body["count"] == 1
    client.put(f"{path}/{first.body['id']}", {"first_name": "Changed"})
    assert client.post(path, {"first_name": "Ann"}, headers={"Idempotency-Key": "k-1"}).body == first.body  # the first response, verbatim
    other = client.post(path, {"first_name": "Ann"}, headers={"Idempotency-Key": "k-2"})
    assert other.body["id"] != first.body["id"] and client.get(path).body["count"] == 2

    profile = client.post("/v1/profiles", {"name": "P"}, headers={"Idempotency-Key": "k-1"})  # another operation
    assert profile.status == 422
    shop = client.post("/v1/profiles", {"name": "P"}, headers={"Idempotency-Key": "p-1"})
    assert shop.status == 201 and client.post("/v1/profiles", {"name": "P"}, headers={"Idempotency-Key": "p-1"}).body == shop.body


def test_the_same_key_with_another_body_is_422(ent):
    client = ent.session()
    path = f"/v1/profiles/{new_profile(client)}/customers"
    assert client.post(path, {"first_name": "Ann"}, headers={"Idempotency-Key": "k"}).status == 200
    r = client.post(path, {"first_name": "Bob"}, headers={"Idempotency-Key": "k"})
    assert r.status == 422 and r.body["error"] == "idempotency_key_reused"
    assert client.get(path).body["count"] == 1


def test_a_key_in_flight_is_409_until_its_lease_runs_out(ent, monkeypatch):
    partner = ent.register()
    client = ent.client(partner)
    path = f"/v1/profiles/{new_profile(client)}/customers"
    body = {"first_name": "Ann"}
    operation = path.replace("/v1/profiles/", "create-customer ").replace("/customers", "")
    held = idempotency.begin(partner.client_id, "k", idempotency.fingerprint(operation, body), 200, dict)
    assert isinstance(held, idempotency.Claim)
    r = client.post(path, body, headers={"Idempotency-Key": "k"})
    assert r.status == 409 and r.body["error"] == "conflict"
    assert client.get(path).body["count"] == 0
    # The holder died without committing: once its lease is over a retry runs.
    monkeypatch.setattr(idempotency, "LEASE", timedelta(seconds=-1))
    idempotency_store.release(held.key_hash, held.owner)
    dead = idempotency.begin(partner.client_id, "k", idempotency.fingerprint(operation, body), 200, dict)
    assert isinstance(dead, idempotency.Claim)
    retry = client.post(path, body, headers={"Idempotency-Key": "k"})
    assert retry.status == 200 and client.get(path).body["count"] == 1


def test_keys_are_scoped_per_partner(ent):
    alice, bob = ent.session("a"), ent.session("b")
    a = alice.post("/v1/profiles", {"name": "Same"}, headers={"Idempotency-Key": "shared"})
    b = bob.post("/v1/profiles", {"name": "Same"}, headers={"Idempotency-Key": "shared"})
    assert (a.status, b.status) == (201, 201) and a.body["id"] != b.body["id"]
    assert "idempotent-replayed" not in b.headers
    assert bob.get(f"/v1/profiles/{a.body['id']}").status == 404


def test_a_failed_request_leaves_the_key_free(ent, monkeypatch):
    client = ent.session()
    path = f"/v1/profiles/{new_profile(client)}/customers"
    bad = client.post(path, {"email": "nope"}, headers={"Idempotency-Key": "k"})  # validation: nothing stored
    assert bad.status == 400
    real = customer_store.create_customer
    monkeypatch.setattr(customer_store, "create_customer", lambda *a, **kw: 1 / 0)
    crashed = client.post(path, {"first_name": "Ann"}, headers={"Idempotency-Key": "k"})
    assert crashed.status == 500 and crashed.body == {"error": "server_error", "error_description": "Internal server error"}
    monkeypatch.setattr(customer_store, "create_customer", real)
    ok = client.post(path, {"first_name": "Ann"}, headers={"Idempotency-Key": "k"})
    assert ok.status == 200 and client.get(path).body["count"] == 1
    assert client.post(path, {}, headers={"Idempotency-Key": "x" * 256}).body["fields"][0]["field"] == "Idempotency-Key"


def test_the_response_is_committed_with_the_customer(ent, monkeypatch):
    """If the claim is taken over before the write commits, the write does not happen at all."""
    partner = ent.register()
    client = ent.client(partner)
    path = f"/v1/profiles/{new_profile(client)}/customers"
    real_begin = idempotency.begin

    def begin_then_lose(*args, **kwargs):
        claim = real_begin(*args, **kwargs)
        claim.owner = "someone-else"  # as if another request had taken the key over
        return claim

    monkeypatch.setattr(idempotency, "begin", begin_then_lose)
    r = client.post(path, {"first_name": "Ann"}, headers={"Idempotency-Key": "k"})
    assert r.status == 409
    assert client.get(path).body["count"] == 0


def test_keys_live_24_hours_and_responses_are_sealed(ent):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.settings import get_settings

    partner = ent.register()
    client = ent.client(partner)
    created = client.post(f"/v1/profiles/{new_profile(client)}/customers", {"last_name": "Zebedee"}, headers={"Idempotency-Key": "k"})
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables[get_settings().table_name]
    [record] = [i.to_json()["Attributes"] for i in table.all_items() if i.to_json()["Attributes"]["pk"]["S"].startswith("IDEMPOTENCY#")]
    assert record["state"]["S"] == "COMPLETE" and record["response_status"]["N"] == "200"
    expires = datetime.fromtimestamp(int(record["ttl"]["N"]), timezone.utc)
    assert abs(expires - datetime.now(timezone.utc) - timedelta(hours=24)) < timedelta(minutes=1)
    assert "Zebedee" not in str(record) and created.body["id"] not in str(record)


def test_a_webhook_registration_retried_with_its_key_registers_once(ent):
    client = ent.session()
    base = f"/v1/profiles/{new_profile(client)}/webhooks"
    body = {"url": "https://93.184.215.14/hooks", "events": ["customer.created"]}
    first = client.post(base, body, headers={"Idempotency-Key": "w"})
    again = client.post(base, body, headers={"Idempotency-Key": "w"})
    assert (first.status, again.status) == (201, 201) and again.body == first.body  # the secret too: same partner
    assert [h["id"] for h in client.get(base).body] == [first.body["id"]]
    assert client.post(base, {**body, "events": ["customer.deleted"]}, headers={"Idempotency-Key": "w"}).status == 422
