"""DirectLogin (reference §2.2): every header spelling real clients send, OBP's error codes,
token storage, expiry and lockout."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import crypto
from chalicelib.services import directlogin
from chalicelib.store import users as user_store
from tests.support import Api

LOGIN = "/my/logins/direct"


@pytest.fixture
def user(admin):
    return admin.create_user()


@pytest.mark.parametrize("header_name,template", [
    ("Authorization", 'DirectLogin username="{u}", password="{p}", consumer_key="{k}"'),
    ("Authorization", 'DirectLogin username="{u}",password="{p}",consumer_key="{k}"'),
    ("Authorization", "DirectLogin username={u}, password={p}, consumer_key={k}"),
    ("DirectLogin", "username={u}, password={p}, consumer_key={k}"),
])
def test_every_header_spelling_logs_in_and_the_token_works(api, admin, user, header_name, template):
    header = template.format(u=user["username"], p=user["password"], k=admin.consumer_key)
    r = api.post(LOGIN, headers={header_name: header})
    assert r.status == 201
    token = r.body["token"]
    assert set(r.body) == {"token"} and len(token) >= 40

    for spelling in ({"Authorization": f'DirectLogin token="{token}"'},
                     {"Authorization": f"DirectLogin token={token}"},
                     {"DirectLogin": f"token={token}"}):
        me = api.get("/obp/v5.1.0/users/current", headers=spelling)
        assert me.status == 200, spelling
        assert me.body["user_id"] == user["user_id"]


def test_login_is_also_served_under_a_version_prefix(api, admin, user):
    r = api.post("/obp/v5.1.0" + LOGIN, headers={
        "DirectLogin": f"username={user['username']}, password={user['password']}, consumer_key={admin.consumer_key}"})
    assert r.status == 201 and r.body["token"]


def test_token_is_stored_only_as_its_hash(api, admin, user):
    session = api.login(user["username"], user["password"], admin.consumer_key)
    record = user_store.get_token(user["user_id"], crypto.hash_token(session.token))
    assert record is not None and record.user_id == user["user_id"]
    assert user_store.get_token(user["user_id"], session.token) is None  # the clear token is not a key
    assert session.token not in str(record.attribute_values)
    assert session.token.rsplit(".", 1)[1] not in str(record.attribute_values)


def test_a_token_names_its_user_and_consumer_and_a_changed_name_is_no_token(api, admin, user):
    session = api.login(user["username"], user["password"], admin.consumer_key)
    user_id, consumer_id, secret = session.token.split(".")
    assert user_id == user["user_id"] and len(secret) >= 43
    assert directlogin.token_record(session.token).consumer_id == consumer_id
    other = admin.create_user()
    for forged in (f"{other['user_id']}.{consumer_id}.{secret}", f"{user_id}.{admin.user_id}.{secret}",
                   "legacy-opaque-token-of-the-earlier-format"):
        r = api.get("/obp/v5.1.0/users/current", headers={"DirectLogin": f"token={forged}"})
        assert (r.status, r.code) == (401, "OBP-20003")


def test_missing_header_and_header_without_the_word(api):
    r = api.post(LOGIN)
    assert (r.status, r.message) == (400, "OBP-20082: Missing DirectLogin or Authorization header.")
    r = api.post(LOGIN, headers={"Authorization": "Basic abc"})
    assert (r.status, r.message) == (400, "OBP-20083: Missing DirectLogin word at the value of Authorization header.")


def test_missing_parameters_are_named(api):
    r = api.post(LOGIN, headers={"DirectLogin": "username=bob"})
    assert r.status == 400
    assert r.message == "OBP-20002: These DirectLogin parameters are missing:password, consumer_key"


def test_bad_characters_and_lengths(api, admin, user):
    r = api.post(LOGIN, headers={"DirectLogin": f"username=bob<script>, password=x, consumer_key={admin.consumer_key}"})
    assert (r.status, r.message) == (400, "OBP-20011: Value contains invalid characters")
    r = api.post(LOGIN, headers={"DirectLogin": f"username={'a' * 513}, password=x, consumer_key={admin.consumer_key}"})
    assert (r.status, r.message) == (400, "OBP-20010: Value too long")
    r = api.post(LOGIN, headers={"DirectLogin": f"username={user['username']}, password=x, consumer_key=bad_key!"})
    assert (r.status, r.code) == (400, "OBP-35030")


def test_unknown_and_disabled_consumer_keys(api, admin, user):
    r = api.post(LOGIN, headers={"DirectLogin": f"username={user['username']}, password={user['password']}, consumer_key=unknownkey"})
    assert (r.status, r.message) == (401, "OBP-20008: Invalid Consumer Key.")

    created = admin.post("/obp/v5.1.0/management/consumers", {
        "app_name": "soon disabled", "app_type": "Web", "description": "d", "developer_email": "d@example.com",
        "redirect_url": "https://example.com"})
    assert created.status == 201
    assert admin.put(f"/obp/v5.1.0/management/consumers/{created.body['consumer_id']}", {"enabled": False}).status == 200
    r = api.post(LOGIN, headers={"DirectLogin": f"username={user['username']}, password={user['password']}, consumer_key={created.body['key']}"})
    assert (r.status, r.code) == (401, "OBP-20008")


def test_wrong_password_and_unknown_user_look_the_same(api, admin, user):
    wrong = api.post(LOGIN, headers={"DirectLogin": f"username={user['username']}, password=Wrong-Passw0rd!, consumer_key={admin.consumer_key}"})
    unknown = api.post(LOGIN, headers={"DirectLogin": f"username=nobody-here, password=Wrong-Passw0rd!, consumer_key={admin.consumer_key}"})
    assert (wrong.status, wrong.body) == (unknown.status, unknown.body) == (401, {
        "code": 401, "message": "OBP-20004: Invalid login credentials. Check username/password."})


def test_five_bad_logins_lock_the_user_until_an_admin_unlocks(api, admin, user):
    bad = {"DirectLogin": f"username={user['username']}, password=Wrong-Passw0rd!, consumer_key={admin.consumer_key}"}
    good = {"DirectLogin": f"username={user['username']}, password={user['password']}, consumer_key={admin.consumer_key}"}
    for _ in range(5):
        assert api.post(LOGIN, headers=bad).code == "OBP-20004"
    locked = api.post(LOGIN, headers=good)
    assert (locked.status, locked.message) == (401, "OBP-20013: The account has been locked, please contact an administrator!")

    status = admin.get(f"/obp/v5.1.0/users/{_quote(user['provider'])}/{user['username']}/lock-status")
    assert status.status == 200 and status.body["bad_attempts_since_last_success_or_reset"] == 5
    unlocked = admin.put(f"/obp/v3.1.0/users/{user['username']}/lock-status")
    assert unlocked.status == 200 and unlocked.body["bad_attempts_since_last_success_or_reset"] == 0
    assert api.post(LOGIN, headers=good).status == 201


def test_a_successful_login_resets_the_bad_login_count(api, admin, user):
    bad = {"DirectLogin": f"username={user['username']}, password=Wrong-Passw0rd!, consumer_key={admin.consumer_key}"}
    for _ in range(4):
        api.post(LOGIN, headers=bad)
    api.login(user["username"], user["password"], admin.consumer_key)
    for _ in range(4):
        api.post(LOGIN, headers=bad)
    assert api.login(user["username"], user["password"], admin.consumer_key).token


def test_unlocking_needs_the_role(api, admin, user):
    session = api.login(user["username"], user["password"], admin.consumer_key)
    r = session.put(f"/obp/v3.1.0/users/{user['username']}/lock-status")
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanUnlockUser")


def test_invalid_and_expired_tokens(api, admin, user):
    r = api.get("/obp/v5.1.0/users/current", headers={"DirectLogin": "token=not-a-real-token"})
    assert (r.status, r.message) == (401, "OBP-20003: This DirectLogin token is invalid or expired:")

    session = api.login(user["username"], user["password"], admin.consumer_key)
    record = directlogin.token_record(session.token)
    record.update(actions=[user_store.TokenRecord.expires.set(datetime.now(timezone.utc) - timedelta(seconds=1))])
    r = session.get("/obp/v5.1.0/users/current")
    assert (r.status, r.code) == (401, "OBP-20003")


def test_token_lifetime_follows_the_setting(api, admin, user, monkeypatch):
    from chalicelib.settings import reload_settings

    monkeypatch.setenv("OBP_TOKEN_TTL_SECONDS", "60")
    reload_settings()
    session = api.login(user["username"], user["password"], admin.consumer_key)
    record = directlogin.token_record(session.token)
    remaining = (record.expires - datetime.now(timezone.utc)).total_seconds()
    assert 50 < remaining <= 60


def test_no_credentials_on_an_authenticated_endpoint(api):
    r = api.get("/obp/v5.1.0/users/current")
    assert (r.status, r.message) == (401, "OBP-20001: User not logged in. Authentication is required!")
    assert "www-authenticate" in r.headers


def test_login_costs_few_round_trips(api, admin, user, dynamo_calls):
    dynamo_calls.reset()
    Api(api.client).login(user["username"], user["password"], admin.consumer_key)
    # consumer key guard + consumer, username guard + user, token put
    assert dynamo_calls.count() <= 5, dynamo_calls.operations()


def test_the_current_user_costs_one_round_trip(api, admin, user, dynamo_calls):
    session = api.login(user["username"], user["password"], admin.consumer_key)
    dynamo_calls.reset()
    assert session.get("/obp/v5.1.0/users/current").status == 200
    # the token and its consumer (one BatchGetItem), the profile with roles and the user's views
    # (two Queries of the user's partition), all sent at once
    assert dynamo_calls.round_trips() == 1
    assert sorted(dynamo_calls.operations()) == ["BatchGetItem", "Query", "Query"]
    [batch] = [p for op, p in dynamo_calls.calls if op == "BatchGetItem"]
    keys = {(k["pk"]["S"], k["sk"]["S"]) for k in next(iter(batch["RequestItems"].values()))["Keys"]}
    assert {pk for pk, _ in keys} == {f"USER#{user['user_id']}", f"CONSUMER#{session.token.split('.')[1]}"}
    assert all(p["KeyConditionExpression"] for op, p in dynamo_calls.calls if op == "Query")

    dynamo_calls.reset()
    assert session.get("/obp/v2.0.0/users/current").status == 200  # no views in UserJsonV200
    assert (dynamo_calls.round_trips(), sorted(dynamo_calls.operations())) == (1, ["BatchGetItem", "Query"])


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
