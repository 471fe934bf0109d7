"""Issue 2's end-to-end walk: the stack as `make run` starts it, over HTTP."""
import uuid

import pytest

pytestmark = pytest.mark.e2e


def test_admin_sets_up_a_bank_consumer_and_user_who_then_sees_the_role(stack):
    http = stack.http()
    assert http.get("/obp/v5.1.0/root").status == 200
    admin = http.login(stack.info["admin_username"], stack.info["admin_password"], stack.info["consumer_key"])

    bank_id = f"e2e-{uuid.uuid4().hex[:6]}"
    r = admin.post("/obp/v5.1.0/banks", {"id": bank_id, "bank_code": "E2E", "full_name": "E2E Bank"})
    assert r.status == 201, r.body

    r = admin.post("/obp/v5.1.0/management/consumers", {
        "app_name": "e2e app", "app_type": "Confidential", "description": "e2e", "developer_email": "dev@example.com",
        "redirect_url": "https://example.com/cb", "enabled": True,
    })
    assert r.status == 201, r.body
    consumer_key = r.body["key"]

    username = f"e2e-{uuid.uuid4().hex[:8]}"
    r = admin.post("/obp/v5.1.0/users", {"email": f"{username}@example.com", "username": username,
                                         "password": "Str0ng-Passw0rd!", "first_name": "E", "last_name": "Two"})
    assert r.status == 201, r.body
    user_id = r.body["user_id"]

    r = admin.post(f"/obp/v5.1.0/users/{user_id}/entitlements", {"bank_id": bank_id, "role_name": "CanCreateCustomer"})
    assert r.status == 201, r.body

    user = http.login(username, "Str0ng-Passw0rd!", consumer_key)
    me = user.get("/obp/v5.1.0/users/current")
    assert me.status == 200
    assert {"role_name": "CanCreateCustomer", "bank_id": bank_id} in [
        {"role_name": e["role_name"], "bank_id": e["bank_id"]} for e in me.body["entitlements"]["list"]
    ]

    # The failures a client meets, with OBP's codes and statuses.
    bad = http.post("/my/logins/direct", headers={"DirectLogin": f"username={username}, password=wrong-Passw0rd1, consumer_key={consumer_key}"})
    assert (bad.status, bad.code) == (401, "OBP-20004")
    unknown_key = http.post("/my/logins/direct", headers={"DirectLogin": f"username={username}, password=Str0ng-Passw0rd!, consumer_key=nosuchkey"})
    assert (unknown_key.status, unknown_key.code) == (401, "OBP-20008")
    missing_role = user.post("/obp/v5.1.0/banks", {"id": "nope", "bank_code": "NOPE"})
    assert (missing_role.status, missing_role.code) == (403, "OBP-20006")
    unknown_path = user.get("/obp/v5.1.0/no/such/path")
    assert (unknown_path.status, unknown_path.code) == (404, "OBP-10404")
