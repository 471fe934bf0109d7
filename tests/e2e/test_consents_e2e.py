"""Issue 5 end to end, over HTTP against the stack `make run` starts: a user consents by e-mail to
one account's owner view, reads the OTP from the local outbox and answers it; a second client (a
TPP with its own consumer key) reads that account with Consent-JWT + Consumer-Key, is refused on
the user's other account, and is refused right after the user revokes. Then the same through a
consent request the TPP files for itself."""
import base64
import uuid

import pytest

from tests.e2e.http import Http

pytestmark = pytest.mark.e2e

PASSWORD = "Str0ng-Passw0rd!"


def _otp(stack, email: str, seen: set) -> str:
    mail = stack.wait_for_outbox(lambda d: d["channel"] == "email" and d["to"] == email
                                 and d["body"].startswith("Your consent challenge") and d["body"] not in seen)
    seen.add(mail["body"])
    return mail["body"].split(" : ", 1)[1].split(",", 1)[0]


def test_consent_by_email_then_through_a_consent_request(stack):
    http = stack.http()
    admin = http.login(stack.info["admin_username"], stack.info["admin_password"], stack.info["consumer_key"])
    admin_id = admin.get("/obp/v5.1.0/users/current").body["user_id"]
    bank = f"e2e-{uuid.uuid4().hex[:6]}"
    assert admin.post("/obp/v5.1.0/banks", {"id": bank, "bank_code": "E2E", "full_name": "E2E Bank"}).status == 201

    tpp = admin.post("/obp/v5.1.0/management/consumers", {
        "app_name": "TPP", "app_type": "Confidential", "description": "A budgeting TPP", "developer_email": "dev@tpp.example",
        "redirect_url": "https://tpp.example/cb", "enabled": True}).body
    username = f"alice-{uuid.uuid4().hex[:6]}"
    email = f"{username}@example.com"
    alice_id = admin.post("/obp/v5.1.0/users", {"email": email, "username": username, "password": PASSWORD,
                                                "first_name": "Alice", "last_name": "E2E"}).body["user_id"]
    assert admin.post(f"/obp/v5.1.0/users/{alice_id}/entitlements", {"bank_id": bank, "role_name": "CanCreateAccount"}).status == 201
    alice = http.login(username, PASSWORD, stack.info["consumer_key"])
    for account in ("current", "savings"):
        r = alice.put(f"/obp/v5.1.0/banks/{bank}/accounts/{account}", {
            "label": account, "product_code": "", "balance": {"currency": "EUR", "amount": "0"}})
        assert r.status == 201, r.body
    seen: set = set()

    # 1. A consent by e-mail for the current account's owner view.
    made = alice.post(f"/obp/v5.1.0/banks/{bank}/my/consents/EMAIL", {
        "everything": False, "views": [{"bank_id": bank, "account_id": "current", "view_id": "owner"}],
        "entitlements": [], "consumer_id": tpp["consumer_id"], "email": email, "time_to_live": 3600})
    assert (made.status, made.body["status"]) == (201, "INITIATED")
    done = alice.post(f"/obp/v5.1.0/banks/{bank}/consents/{made.body['consent_id']}/challenge",
                      {"answer": _otp(stack, email, seen)})
    assert (done.status, done.body["status"]) == (201, "ACCEPTED")

    as_tpp = Http(stack.url, {"Consent-JWT": done.body["jwt"], "Consumer-Key": tpp["key"]})
    r = as_tpp.get(f"/obp/v5.1.0/banks/{bank}/accounts/current/owner/account")
    assert (r.status, r.body["id"]) == (200, "current")
    outside = as_tpp.get(f"/obp/v5.1.0/banks/{bank}/accounts/savings/owner/account")
    assert (outside.status, outside.code) == (403, "OBP-20017")

    assert alice.delete(f"/obp/v5.1.0/my/consents/{made.body['consent_id']}").body["status"] == "REVOKED"
    revoked = as_tpp.get(f"/obp/v5.1.0/banks/{bank}/accounts/current/owner/account")
    assert (revoked.status, revoked.code) == (401, "OBP-35005")

    # 2. The same through a consent request the TPP files as an application (no user).
    app = Http(stack.url, {
        "Authorization": "Basic " + base64.b64encode(f"{tpp['key']}:{tpp['secret']}".encode()).decode()})
    request = app.post("/obp/v5.1.0/consumer/consent-requests", {
        "everything": False, "bank_id": bank, "email": email, "time_to_live": 3600,
        "account_access": [{"account_routing": {"scheme": "OBP", "address": "current"}, "view_id": "owner"}]})
    assert request.status == 201, request.body
    request_id = request.body["consent_request_id"]
    made = alice.post(f"/obp/v5.1.0/consumer/consent-requests/{request_id}/EMAIL/consents", {})
    assert (made.status, made.body["consent_request_id"]) == (201, request_id)
    answer = _otp(stack, email, seen)
    assert alice.post(f"/obp/v5.1.0/banks/{bank}/consents/{made.body['consent_id']}/challenge",
                      {"answer": answer}).body["status"] == "ACCEPTED"
    fetched = app.get(f"/obp/v5.1.0/consumer/consent-requests/{request_id}/consents")
    assert (fetched.status, fetched.body["status"]) == (200, "ACCEPTED")

    as_tpp = Http(stack.url, {"Consent-JWT": fetched.body["jwt"], "Consumer-Key": tpp["key"]})
    assert as_tpp.get(f"/obp/v5.1.0/banks/{bank}/accounts/current/owner/account").status == 200
    assert as_tpp.get(f"/obp/v5.1.0/banks/{bank}/accounts/savings/owner/account").status == 403
    assert as_tpp.delete("/obp/v5.1.0/my/consent/current").body["status"] == "REVOKED"
    assert as_tpp.get(f"/obp/v5.1.0/banks/{bank}/accounts/current/owner/account").code == "OBP-35005"
