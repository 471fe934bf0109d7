"""Customers exactly as seed 003: list (paged), create, get, update, delete; errors; isolation."""
from __future__ import annotations

import re

from tests.api.enterprise.conftest import new_customer, new_profile

SEED_CUSTOMER = {
    "company": "text", "first_name": "John", "last_name": "Doe", "email": "john.doe@gmail.com", "phone": "318000201068",
    "address": {"premise": 58, "sub_premise": "A", "building": "text", "postal_code": "text", "thoroughfare": "text",
                "locality": "Hoofddorp", "state": "Noord-Holland", "country": "NL"},
}
CREATED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_the_seed_customer_round_trips(ent):
    client = ent.session()
    profile_id = new_profile(client)
    r = client.post(f"/v1/profiles/{profile_id}/customers", SEED_CUSTOMER)
    assert r.status == 200, r.body
    assert list(r.body) == ["id", "company", "first_name", "last_name", "email", "phone", "address", "created"]
    assert re.match(r"^customer_[0-9a-f]{32}$", r.body["id"]) and CREATED.match(r.body["created"])
    assert {k: v for k, v in r.body.items() if k not in ("id", "created")} == SEED_CUSTOMER
    got = client.get(f"/v1/profiles/{profile_id}/customers/{r.body['id']}")
    assert got.status == 200 and got.body == r.body


def test_every_field_is_optional(ent):
    client = ent.session()
    profile_id = new_profile(client)
    empty = new_customer(client, profile_id)
    assert {k: v for k, v in empty.items() if k not in ("id", "created")} == {
        "company": None, "first_name": None, "last_name": None, "email": None, "phone": None, "address": None}
    partial = new_customer(client, profile_id, address={"country": "NL"}, first_name="  Ann  ", company="")
    assert partial["first_name"] == "Ann" and partial["company"] is None
    assert partial["address"] == {k: (None if k != "country" else "NL") for k in SEED_CUSTOMER["address"]}


def test_update_sets_what_is_sent_and_null_clears(ent):
    client = ent.session()
    profile_id = new_profile(client)
    customer = new_customer(client, profile_id, **SEED_CUSTOMER)
    path = f"/v1/profiles/{profile_id}/customers/{customer['id']}"
    r = client.put(path, {"email": "jd@example.com", "company": None, "address": {"locality": "Haarlem"}})
    assert r.status == 200, r.body
    assert (r.body["email"], r.body["company"], r.body["first_name"]) == ("jd@example.com", None, "John")
    assert r.body["address"]["locality"] == "Haarlem" and r.body["address"]["premise"] is None  # replaced whole
    assert (r.body["id"], r.body["created"]) == (customer["id"], customer["created"])
    assert client.get(path).body == r.body
    assert client.put(path, r.body).body == r.body  # what GET returns can be PUT back unchanged
    assert client.put(path, {"address": None}).body["address"] is None


def test_delete_returns_the_deleted_customer(ent):
    client = ent.session()
    profile_id = new_profile(client)
    keep = new_customer(client, profile_id, first_name="Keep")
    gone = new_customer(client, profile_id, **SEED_CUSTOMER)
    path = f"/v1/profiles/{profile_id}/customers/{gone['id']}"
    r = client.delete(path)
    assert r.status == 200 and r.body == gone
    for again in (client.get(path), client.delete(path), client.put(path, {"first_name": "x"})):
        assert again.status == 404 and again.body == {"error": "not_found", "error_description": "Resource not found"}
    listed = client.get(f"/v1/profiles/{profile_id}/customers").body
    assert (listed["count"], [c["id"] for c in listed["data"]]) == (1, [keep["id"]])


def test_list_is_paged_newest_first(ent):
    client = ent.session()
    profile_id = new_profile(client)
    ids = [new_customer(client, profile_id, first_name=f"N{n}")["id"] for n in range(7)]
    default = client.get(f"/v1/profiles/{profile_id}/customers")
    assert {k: default.body[k] for k in ("page", "pages", "size", "count")} == {"page": 0, "pages": 1, "size": 20, "count": 7}
    assert [c["id"] for c in default.body["data"]] == ids[::-1]
    pages = [client.get(f"/v1/profiles/{profile_id}/customers?page={p}&size=3").body for p in range(4)]
    assert [(p["page"], p["pages"], p["size"], p["count"]) for p in pages] == [(p, 3, 3, 7) for p in range(4)]
    assert [[c["id"] for c in p["data"]] for p in pages] == [ids[6:3:-1], ids[3:0:-1], ids[0:1], []]
    empty = client.get(f"/v1/profiles/{new_profile(client)}/customers").body
    assert (empty["count"], empty["pages"], empty["data"]) == (0, 0, [])


def test_customer_errors(ent):
    client = ent.session()
    profile_id = new_profile(client)
    base = f"/v1/profiles/{profile_id}/customers"
    bad = client.post(base, {"email": "john", "phone": "+31 6 1234", "first_name": 5,
                             "address": {"premise": "58", "country": "nl", "floor": 2}, "vip": True})
    assert bad.status == 400 and bad.body["error"] == "invalid_request"
    assert {f["field"]: f["reason"] for f in bad.body["fields"]} == {
        "email": "must be an email address such as john.doe@example.com",
        "phone": "must be 6 to 15 digits, country code first, no + or spaces (e.g. 318000201068)",
        "first_name": "must be a string",
        "address.premise": "must be a whole number",
        "address.country": "must be an ISO 3166-1 alpha-2 code in capitals (e.g. NL)",
        "address.floor": "is not a known field",
        "vip": "is not a known field",
    }
    assert bad.body["error_description"].startswith("Invalid request: ")
    for unassigned in ("ZZ", "XX", "UK", "EU"):  # user-assigned or reserved: not ISO 3166-1 countries
        r = client.post(base, {"address": {"country": unassigned}})
        assert r.status == 400 and r.body["fields"] == [
            {"field": "address.country", "reason": "must be an ISO 3166-1 alpha-2 code in capitals (e.g. NL)"}], unassigned
    assert client.post(base, {"address": {"country": "GB"}}).status == 200
    assert client.post(base, {"address": {"premise": -1}}).body["fields"] == [{"field": "address.premise", "reason": "must be at least 0"}]
    assert client.post(base, {"last_name": "x" * 256}).body["fields"] == [{"field": "last_name", "reason": "must be at most 255 characters"}]
    for query, field in (("page=-1", "page"), ("size=0", "size"), ("size=101", "size"), ("page=x", "page")):
        r = client.get(f"{base}?{query}")
        assert r.status == 400 and r.body["fields"][0]["field"] == field, query
    customer = new_customer(client, profile_id)
    other_profile = new_profile(client)
    for path in (f"{base}/customer_{'0' * 32}", f"{base}/nonsense", f"{base}/{customer['id'][:-1]}x",
                 f"/v1/profiles/{other_profile}/customers/{customer['id']}", "/v1/profiles/profile_nope/customers",
                 f"{base}/{customer['id'].upper()}"):
        r = client.get(path)
        assert r.status == 404 and r.body == {"error": "not_found", "error_description": "Resource not found"}, path
    assert client.post("/v1/profiles/profile_nope/customers", {}).status == 404
    assert client.call("PATCH", f"{base}/{customer['id']}").body["error"] == "not_found"  # unknown method: this API's shape
    assert client.get("/v1/no/such/thing").body == {"error": "not_found", "error_description": "Resource not found"}


def test_a_partner_reaches_no_customer_of_another(ent):
    alice, bob = ent.session("a"), ent.session("b")
    profile_id = new_profile(alice)
    customer = new_customer(alice, profile_id, **SEED_CUSTOMER)
    bobs_profile = new_profile(bob)
    path = f"/v1/profiles/{profile_id}/customers/{customer['id']}"
    attempts = [
        bob.get(f"/v1/profiles/{profile_id}/customers"), bob.post(f"/v1/profiles/{profile_id}/customers", {"first_name": "M"}),
        bob.get(path), bob.put(path, {"first_name": "Mallory"}), bob.delete(path),
        bob.get(f"/v1/profiles/{bobs_profile}/customers/{customer['id']}"),  # through his own profile
    ]
    for r in attempts:
        assert r.status == 404 and r.body == {"error": "not_found", "error_description": "Resource not found"}
    listed = alice.get(f"/v1/profiles/{profile_id}/customers").body
    assert listed["count"] == 1 and listed["data"] == [customer]  # nothing changed, nothing added
    assert bob.get(f"/v1/profiles/{bobs_profile}/customers").body["count"] == 0
