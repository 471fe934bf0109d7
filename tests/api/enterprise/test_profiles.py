"""Profiles: create, get, list (paged, newest first), update; a partner sees only its own."""
from __future__ import annotations

import re

from tests.api.enterprise.conftest import new_profile

CREATED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_create_get_and_update_a_profile(ent):
    client = ent.session()
    r = client.post("/v1/profiles", {"name": "Shop", "email": "shop@example.com", "website": "https://shop.example"})
    assert r.status == 201, r.body
    assert re.match(r"^profile_[0-9a-f]{32}$", r.body["id"]) and CREATED.match(r.body["created"])
    assert r.body == {"id": r.body["id"], "name": "Shop", "email": "shop@example.com", "website": "https://shop.example",
                      "phone": None, "payout_account": None, "created": r.body["created"]}
    assert client.get(f"/v1/profiles/{r.body['id']}").body == r.body

    updated = client.put(f"/v1/profiles/{r.body['id']}", {"phone": "318000201068", "website": None})
    assert updated.status == 200, updated.body
    assert (updated.body["name"], updated.body["phone"], updated.body["website"]) == ("Shop", "318000201068", None)
    assert client.get(f"/v1/profiles/{r.body['id']}").body == updated.body
    echoed = client.put(f"/v1/profiles/{r.body['id']}", updated.body)  # a GET body can be sent back
    assert echoed.status == 200 and echoed.body == updated.body


def test_a_profile_names_its_payout_account_at_one_of_our_banks(ent, admin):
    from tests.support import banking_world

    world = banking_world(admin)
    client = ent.session()
    payout = {"bank_id": world.bank_id, "account_id": world.bob_account}
    r = client.post("/v1/profiles", {"name": "Shop", "payout_account": payout})
    assert r.status == 201 and r.body["payout_account"] == payout
    path = f"/v1/profiles/{r.body['id']}"
    for wrong in ({"bank_id": world.bank_id, "account_id": "no-such-account"}, {"bank_id": "no-bank", "account_id": world.bob_account},
                  {"bank_id": world.bank_id, "account_id": "../x"}):
        bad = client.put(path, {"payout_account": wrong})
        assert bad.status == 400 and bad.body["fields"] == [{"field": "payout_account", "reason": "no such account at one of our banks"}]
    assert client.put(path, {"payout_account": {"bank_id": world.bank_id}}).body["fields"] == [
        {"field": "payout_account.account_id", "reason": "is required"}]
    assert client.get(path).body["payout_account"] == payout
    other = {"bank_id": world.bank_id, "account_id": world.alice_account}
    assert client.put(path, {"payout_account": other}).body["payout_account"] == other
    assert client.put(path, {"payout_account": None}).body["payout_account"] is None
    assert client.get(path).body["payout_account"] is None


def test_profile_validation(ent):
    client = ent.session()
    missing = client.post("/v1/profiles", {})
    assert missing.status == 400 and missing.body["fields"] == [{"field": "name", "reason": "is required"}]
    bad = client.post("/v1/profiles", {"name": "x" * 201, "email": "nope", "website": "ftp://x", "colour": "red"})
    assert bad.status == 400
    assert {f["field"]: f["reason"] for f in bad.body["fields"]} == {
        "name": "must be at most 200 characters", "email": "must be an email address such as john.doe@example.com",
        "website": "must be an http(s) URL", "colour": "is not a known field"}
    profile_id = new_profile(client)
    cleared = client.put(f"/v1/profiles/{profile_id}", {"name": None})
    assert cleared.status == 400 and cleared.body["fields"] == [{"field": "name", "reason": "is required and cannot be removed"}]
    not_json = client.call("POST", "/v1/profiles", raw=b"{nope")
    assert not_json.status == 400 and not_json.body["fields"] == [{"field": "body", "reason": "is not valid JSON"}]
    a_list = client.post("/v1/profiles", [1])
    assert a_list.status == 400 and a_list.body["fields"] == [{"field": "body", "reason": "must be a JSON object"}]


def test_profiles_list_newest_first_in_pages(ent):
    client = ent.session()
    ids = [new_profile(client, f"Shop {n}") for n in range(5)]
    first = client.get("/v1/profiles?size=2")
    assert first.status == 200
    assert {k: first.body[k] for k in ("page", "pages", "size", "count")} == {"page": 0, "pages": 3, "size": 2, "count": 5}
    pages = [client.get(f"/v1/profiles?size=2&page={p}").body["data"] for p in range(3)]
    assert [p["id"] for page in pages for p in page] == ids[::-1]
    assert client.get("/v1/profiles?size=2&page=3").body["data"] == []
    assert client.get("/v1/profiles").body["size"] == 20


def test_a_partner_reaches_only_its_own_profiles(ent):
    alice, bob = ent.session("a"), ent.session("b")
    mine = new_profile(alice, "Alice's")
    new_profile(bob, "Bob's")
    for r in (bob.get(f"/v1/profiles/{mine}"), bob.put(f"/v1/profiles/{mine}", {"name": "Mallory"})):
        assert r.status == 404 and r.body == {"error": "not_found", "error_description": "Resource not found"}
    assert [p["name"] for p in bob.get("/v1/profiles").body["data"]] == ["Bob's"]
    assert alice.get(f"/v1/profiles/{mine}").body["name"] == "Alice's"
