"""Users, consumers, banks and entitlements: OBP shapes, roles and error codes."""
import uuid

import pytest

from chalicelib import crypto
from chalicelib.store import users as user_store


# --- users ---------------------------------------------------------------------------------------

def test_create_user_returns_userjsonv200_and_stores_a_scrypt_hash(api):
    name = f"alice-{uuid.uuid4().hex[:6]}"
    r = api.post("/obp/v5.1.0/users", {"email": f"{name}@example.com", "username": name, "password": "Sup3r-Secret!",
                                       "first_name": "Alice", "last_name": "Liddell"})
    assert r.status == 201
    assert r.body == {"user_id": r.body["user_id"], "email": f"{name}@example.com", "provider_id": name,
                      "provider": "http://127.0.0.1:8000", "username": name, "entitlements": {"list": []}}
    stored = user_store.get_user(r.body["user_id"])
    assert stored.password_hash.startswith("scrypt$") and "Sup3r-Secret!" not in stored.password_hash
    assert crypto.verify_password("Sup3r-Secret!", stored.password_hash)


@pytest.mark.parametrize("password", ["short1A!", "alllowercase1!", "NoDigitsHere!!", "NoSpecial123a", "x" * 513])
def test_weak_passwords_are_refused(api, password):
    r = api.post("/obp/v2.0.0/users", {"email": "w@example.com", "username": f"w-{uuid.uuid4().hex[:6]}",
                                       "password": password, "first_name": "W", "last_name": "P"})
    assert (r.status, r.code) == (400, "OBP-30207")


def test_long_passwords_need_no_mix(api):
    r = api.post("/obp/v2.0.0/users", {"email": "l@example.com", "username": f"l-{uuid.uuid4().hex[:6]}",
                                       "password": "a" * 17, "first_name": "L", "last_name": "P"})
    assert r.status == 201


def test_duplicate_username_is_409(api, admin):
    user = admin.create_user()
    r = api.post("/obp/v5.1.0/users", {"email": "x@example.com", "username": user["username"],
                                       "password": "Sup3r-Secret!", "first_name": "X", "last_name": "Y"})
    assert (r.status, r.message) == (409, "OBP-10001: Incorrect json format. User with the same username already exists.")


def test_create_user_validates_the_body(api):
    r = api.post("/obp/v5.1.0/users", {"username": "no-password"})
    assert (r.status, r.code) == (400, "OBP-10001")
    assert "CreateUserJson" in r.message
    r = api.post("/obp/v5.1.0/users", raw=b"{not json")
    assert (r.status, r.message) == (400, "OBP-10001: Incorrect json format.")


def test_current_user_by_version(admin):
    v2 = admin.get("/obp/v2.0.0/users/current")
    v3 = admin.get("/obp/v3.0.0/users/current")
    assert v2.status == v3.status == 200
    assert "views" not in v2.body
    assert v3.body["views"] == {"list": []}
    assert {e["role_name"] for e in v3.body["entitlements"]["list"]} >= {"CanCreateBank", "CanCreateConsumer"}


def test_user_by_id_needs_can_get_any_user(api, admin):
    target = admin.create_user()
    r = admin.get(f"/obp/v5.1.0/users/user_id/{target['user_id']}")
    assert r.status == 200
    assert r.body["user_id"] == target["user_id"] and r.body["is_locked"] is False and r.body["is_deleted"] is False
    assert admin.get("/obp/v5.1.0/users/user_id/no-such-user").code == "OBP-20057"
    plain = admin.new_user_session()
    r = plain.get(f"/obp/v5.1.0/users/user_id/{target['user_id']}")
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanGetAnyUser")


# --- consumers -----------------------------------------------------------------------------------

CONSUMER = {"app_name": "My App", "app_type": "Confidential", "description": "an app",
            "developer_email": "dev@example.com", "redirect_url": "https://example.com/cb", "enabled": True}


def test_create_consumer_returns_key_and_secret_once(admin):
    r = admin.post("/obp/v5.1.0/management/consumers", CONSUMER)
    assert r.status == 201
    body = r.body
    assert len(body["key"]) == 40 and len(body["secret"]) == 40 and body["enabled"] is True
    assert body["created_by_user"]["user_id"] == admin.user_id
    again = admin.get(f"/obp/v5.1.0/management/consumers/{body['consumer_id']}")
    assert again.status == 200 and "key" not in again.body and "secret" not in again.body
    from chalicelib.store import consumers as consumer_store

    stored = consumer_store.get_consumer(body["consumer_id"])
    assert stored.secret_hash == crypto.hash_token(body["secret"])


def test_create_consumer_needs_the_role(admin):
    plain = admin.new_user_session()
    r = plain.post("/obp/v5.1.0/management/consumers", CONSUMER)
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanCreateConsumer")


def test_consumer_created_with_a_new_key_can_be_used_to_log_in(api, admin):
    key = admin.post("/obp/v5.1.0/management/consumers", CONSUMER).body["key"]
    user = admin.create_user()
    assert api.login(user["username"], user["password"], key).token


# --- banks ---------------------------------------------------------------------------------------

def test_create_bank_v500_and_read_it_back(api, admin):
    bank_id = f"gh.{uuid.uuid4().hex[:6]}.uk"
    body = {"id": bank_id, "bank_code": "CGHZ", "full_name": "Bank", "logo": "https://l", "website": "https://w",
            "bank_routings": [{"scheme": "BIC", "address": "GENODEM1GLS"}]}
    r = admin.post("/obp/v5.1.0/banks", body)
    assert r.status == 201
    assert r.body == {"id": bank_id, "bank_code": "CGHZ", "full_name": "Bank", "logo": "https://l",
                      "website": "https://w", "bank_routings": [{"scheme": "BIC", "address": "GENODEM1GLS"}]}
    assert api.get(f"/obp/v5.1.0/banks/{bank_id}").body == r.body
    v4 = api.get(f"/obp/v4.0.0/banks/{bank_id}").body
    assert v4["short_name"] == "CGHZ" and "bank_code" not in v4
    listed = api.get("/obp/v3.1.0/banks")
    assert listed.status == 200 and bank_id in [b["id"] for b in listed.body["banks"]]
    # the creator may now manage the bank
    me = admin.get("/obp/v5.1.0/my/entitlements").body["list"]
    assert {"role_name": "CanCreateEntitlementAtOneBank", "bank_id": bank_id} in [
        {"role_name": e["role_name"], "bank_id": e["bank_id"]} for e in me]


def test_create_bank_v400_body(admin):
    bank_id = f"v4-{uuid.uuid4().hex[:6]}"
    r = admin.post("/obp/v4.0.0/banks", {"id": bank_id, "short_name": "V4", "full_name": "V4 Bank", "logo": "",
                                         "website": "", "bank_routings": []})
    assert r.status == 201 and r.body["short_name"] == "V4"


def test_bank_errors(api, admin):
    bank_id = admin.create_bank()
    dup = admin.post("/obp/v5.1.0/banks", {"id": bank_id, "bank_code": "DUP"})
    assert (dup.status, dup.code) == (400, "OBP-34000")
    # v5.0.0 is auto-validated: id fields of a POST body are checked before the endpoint runs
    bad = admin.post("/obp/v5.1.0/banks", {"id": "bad id!", "bank_code": "X"})
    assert (bad.status, bad.message) == (400, "OBP-10001: Incorrect json format. Here are all invalid values: List((id,bad id!))")
    missing = api.get("/obp/v5.1.0/banks/no-such-bank")
    assert (missing.status, missing.message) == (
        404, "OBP-30001: Bank not found. Please specify a valid value for BANK_ID. Current BankId is no-such-bank")
    malformed = api.get("/obp/v5.1.0/banks/bad$id")
    assert (malformed.status, malformed.code) == (400, "OBP-30111")
    plain = admin.new_user_session()
    r = plain.post("/obp/v5.1.0/banks", {"id": "x-bank", "bank_code": "X"})
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanCreateBank")
    assert api.post("/obp/v5.1.0/banks", {"id": "x-bank", "bank_code": "X"}).status == 401


# --- entitlements --------------------------------------------------------------------------------

def test_add_entitlement_bank_and_system_roles(admin):
    bank_id = admin.create_bank()
    user = admin.create_user()
    bank_role = admin.post(f"/obp/v2.0.0/users/{user['user_id']}/entitlements", {"bank_id": bank_id, "role_name": "CanCreateCustomer"})
    assert bank_role.status == 201
    assert set(bank_role.body) == {"entitlement_id", "role_name", "bank_id"}
    system_role = admin.post(f"/obp/v5.1.0/users/{user['user_id']}/entitlements", {"bank_id": "", "role_name": "CanGetAnyUser"})
    assert system_role.status == 201
    listed = admin.get(f"/obp/v5.1.0/users/{user['user_id']}/entitlements")
    assert listed.status == 200
    assert {(e["role_name"], e["bank_id"], e["user_id"]) for e in listed.body["list"]} == {
        ("CanCreateCustomer", bank_id, user["user_id"]), ("CanGetAnyUser", "", user["user_id"])}
    v2 = admin.get(f"/obp/v2.0.0/users/{user['user_id']}/entitlements")
    assert all("user_id" not in e for e in v2.body["list"])


def test_add_entitlement_errors(admin):
    bank_id = admin.create_bank()
    user = admin.create_user()
    path = f"/obp/v5.1.0/users/{user['user_id']}/entitlements"
    unknown_role = admin.post(path, {"bank_id": "", "role_name": "CanFly"})
    assert (unknown_role.status, unknown_role.code) == (400, "OBP-10007")
    assert unknown_role.message.startswith("OBP-10007: Incorrect Role name:CanFly. Possible roles are ")
    assert admin.post(path, {"bank_id": "", "role_name": "CanCreateCustomer"}).message == \
        "OBP-30205: This entitlement is a Bank Role. Please set bank_id to a valid bank id."
    assert admin.post(path, {"bank_id": bank_id, "role_name": "CanGetAnyUser"}).message == \
        "OBP-30206: This entitlement is a System Role. Please set bank_id to empty string."
    no_bank = admin.post(path, {"bank_id": "no-such-bank", "role_name": "CanCreateCustomer"})
    assert (no_bank.status, no_bank.code) == (400, "OBP-30001")
    assert admin.post(path, {"bank_id": bank_id, "role_name": "CanCreateCustomer"}).status == 201
    dup = admin.post(path, {"bank_id": bank_id, "role_name": "CanCreateCustomer"})
    assert (dup.status, dup.message) == (400, "OBP-30216: Entitlement already exists for the user.")
    no_user = admin.post("/obp/v5.1.0/users/nobody/entitlements", {"bank_id": "", "role_name": "CanGetAnyUser"})
    assert (no_user.status, no_user.code) == (404, "OBP-20005")
    bad_body = admin.post(path, {"bank_id": bank_id})
    assert (bad_body.status, bad_body.message) == (
        400, "OBP-10001: Incorrect json format. The Json body should be the CreateEntitlementJSON (role_name: Field required)")


def test_granting_needs_super_admin_or_an_entitlement_granting_role(admin):
    bank_id = admin.create_bank()
    other_bank = admin.create_bank()
    target = admin.create_user()
    plain = admin.new_user_session()
    r = plain.post(f"/obp/v5.1.0/users/{target['user_id']}/entitlements", {"bank_id": bank_id, "role_name": "CanCreateCustomer"})
    assert r.status == 403
    assert r.message == ("OBP-20050: Current User is not a Super Admin! orOBP-20006: User is missing one or more roles: "
                         f"CanCreateEntitlementAtOneBank BankId({bank_id}). orOBP-20006: User is missing one or more roles: "
                         "CanCreateEntitlementAtAnyBank")

    bank_admin = admin.new_user_session(("CanCreateEntitlementAtOneBank", bank_id))
    ok = bank_admin.post(f"/obp/v5.1.0/users/{target['user_id']}/entitlements", {"bank_id": bank_id, "role_name": "CanCreateCustomer"})
    assert ok.status == 201
    elsewhere = bank_admin.post(f"/obp/v5.1.0/users/{target['user_id']}/entitlements", {"bank_id": other_bank, "role_name": "CanCreateCustomer"})
    assert elsewhere.status == 403


def test_super_admin_by_user_id_setting(api, admin, monkeypatch):
    from chalicelib.settings import reload_settings

    user = admin.create_user()
    session = api.login(user["username"], user["password"], admin.consumer_key)
    denied = session.post(f"/obp/v5.1.0/users/{user['user_id']}/entitlements", {"bank_id": "", "role_name": "CanGetAnyUser"})
    assert denied.status == 403
    monkeypatch.setenv("OBP_SUPER_ADMIN_USER_IDS", f"someone-else, {user['user_id']}")
    reload_settings()
    allowed = session.post(f"/obp/v5.1.0/users/{user['user_id']}/entitlements", {"bank_id": "", "role_name": "CanGetAnyUser"})
    assert allowed.status == 201


def test_my_entitlements_and_delete(admin):
    bank_id = admin.create_bank()
    session = admin.new_user_session(("CanCreateCustomer", bank_id))
    mine = session.get("/obp/v3.0.0/my/entitlements")
    assert mine.status == 200 and [e["role_name"] for e in mine.body["list"]] == ["CanCreateCustomer"]
    ent_id = mine.body["list"][0]["entitlement_id"]

    denied = session.delete(f"/obp/v5.1.0/users/{session.user_id}/entitlement/{ent_id}")
    assert (denied.status, denied.message) == (403, "OBP-20006: User is missing one or more roles: CanDeleteEntitlementAtAnyBank")
    assert admin.delete(f"/obp/v5.1.0/users/{session.user_id}/entitlement/no-such").code == "OBP-30212"
    deleted = admin.delete(f"/obp/v5.1.0/users/{session.user_id}/entitlement/{ent_id}")
    assert deleted.status == 204 and deleted.body is None
    assert session.get("/obp/v5.1.0/my/entitlements").body == {"list": []}
    # and the role no longer authorises anything
    assert session.get("/obp/v5.1.0/users/current").body["entitlements"]["list"] == []


def test_user_entitlements_need_the_role(admin):
    plain = admin.new_user_session()
    r = plain.get(f"/obp/v5.1.0/users/{admin.user_id}/entitlements")
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanGetEntitlementsForAnyUserAtAnyBank")


def test_root_is_served_under_every_version(api):
    for version in ("1.4.0", "2.0.0", "2.1.0", "2.2.0", "3.0.0", "3.1.0", "4.0.0", "5.0.0", "5.1.0"):
        r = api.get(f"/obp/v{version}/root")
        assert r.status == 200 and r.body["version"] == f"v{version}"
    body = api.get("/obp/v5.1.0/root").body
    assert set(body) >= {"version", "git_commit", "hosted_by", "hosted_at", "connector"}
