"""OBP's webhook endpoints and the owner's /my/web-hooks endpoints, through chalice.test.Client."""
from __future__ import annotations

import boto3
import pytest

from tests.support import fake_dns, outside_the_local_stage

V310, V400, V510 = "/obp/v3.1.0", "/obp/v4.0.0", "/obp/v5.1.0"
PUBLIC_URL = "https://93.184.216.34/hooks"  # a literal public address: no DNS needed


@pytest.fixture
def bank(admin):
    return admin.create_bank()


def account_hook_body(**overrides) -> dict:
    return {"account_id": "acc-1", "trigger_name": "OnBalanceChange", "url": PUBLIC_URL, "http_method": "POST",
            "http_protocol": "HTTP/1.1", "is_active": "true", **overrides}


def notification_body(**overrides) -> dict:
    return {"url": PUBLIC_URL, "http_method": "POST", "http_protocol": "HTTP/1.1", **overrides}


# --- createAccountWebhook (v3.1.0) --------------------------------------------------------------

def test_create_account_webhook_returns_obps_json_and_the_secret_once(admin, bank):
    user = admin.new_user_session(("CanCreateWebhook", bank))
    r = user.post(f"{V310}/banks/{bank}/account-web-hooks", account_hook_body())
    assert r.status == 201, r.body
    secret = r.body.pop("secret")
    assert secret.startswith("whsec_") and len(secret) > 40
    assert r.body == {
        "account_webhook_id": r.body["account_webhook_id"], "bank_id": bank, "account_id": "acc-1",
        "trigger_name": "OnBalanceChange", "url": PUBLIC_URL, "http_method": "POST", "http_protocol": "HTTP/1.1",
        "created_by_user_id": user.user_id, "is_active": True,
    }
    mine = user.get(f"{V510}/my/web-hooks/{r.body['account_webhook_id']}")
    assert mine.status == 200 and "secret" not in mine.body and secret not in str(mine.body)


def test_the_secret_is_stored_sealed(admin, bank):
    user = admin.new_user_session(("CanCreateWebhook", bank))
    r = user.post(f"{V510}/banks/{bank}/account-web-hooks", account_hook_body())
    item = boto3.client("dynamodb").get_item(
        TableName="obp", Key={"pk": {"S": f"WEBHOOK#{r.body['account_webhook_id']}"}, "sk": {"S": "WEBHOOK"}})["Item"]
    raw = str(item)
    assert r.body["secret"] not in raw and r.body["secret"][len("whsec_"):] not in raw


BAD_ACCOUNT_WEBHOOK_VALUES = [
    ({"trigger_name": "OnCreateTransaction"}, "OBP-10039",
     "OBP-10039: Incorrect Trigger name:OnCreateTransaction. Possible values are OnBalanceChange, OnCreditTransaction, OnDebitTransaction"),
    ({"is_active": "yes"}, "OBP-10019",
     "OBP-10019: Invalid Boolean. Could not convert value to a boolean type. Possible values of the json field is_active are true or false."),
    ({"http_method": "PATCH"}, "OBP-10037", None),
    ({"url": "ftp://93.184.216.34/x"}, "OBP-10035", None),
    ({"url": "https://10.0.0.1/x"}, "OBP-10035", None),
    ({"account_id": "a#b"}, "OBP-30110", None),
]


def test_create_account_webhook_rejects_bad_values(admin, bank):
    user = admin.new_user_session(("CanCreateWebhook", bank))
    for body, code, text in BAD_ACCOUNT_WEBHOOK_VALUES:
        r = user.post(f"{V310}/banks/{bank}/account-web-hooks", account_hook_body(**body))
        assert (r.status, r.code) == (400, code), (body, r.body)
        if text:
            assert r.message == text
    assert user.get(f"{V510}/my/web-hooks").body == {"web_hooks": []}


def test_create_account_webhook_checks_login_bank_role_then_body(admin, api, bank):
    assert api.post(f"{V310}/banks/{bank}/account-web-hooks", account_hook_body()).code == "OBP-20001"
    user = admin.new_user_session()
    r = user.post(f"{V310}/banks/nope/account-web-hooks", account_hook_body())
    assert (r.status, r.code) == (404, "OBP-30001")
    r = user.post(f"{V310}/banks/{bank}/account-web-hooks", {})
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanCreateWebhook at Bank({bank})")
    elsewhere = admin.new_user_session(("CanCreateWebhook", admin.create_bank()))
    assert elsewhere.post(f"{V310}/banks/{bank}/account-web-hooks", account_hook_body()).status == 403
    allowed = admin.new_user_session(("CanCreateWebhook", bank))
    r = allowed.post(f"{V310}/banks/{bank}/account-web-hooks", {"url": PUBLIC_URL})
    assert (r.status, r.code) == (400, "OBP-10001") and "AccountWebhookPostJson" in r.message


# --- bank and system level (v4.0.0) -------------------------------------------------------------

def test_create_bank_level_notification_webhook(admin, bank):
    user = admin.new_user_session(("CanCreateAccountNotificationWebhookAtOneBank", bank))
    r = user.post(f"{V400}/banks/{bank}/web-hooks/account/notifications/on-create-transaction", notification_body())
    assert r.status == 201, r.body
    assert r.body.pop("secret").startswith("whsec_")
    assert r.body == {"webhook_id": r.body["webhook_id"], "bank_id": bank, "trigger_name": "OnCreateTransaction",
                      "url": PUBLIC_URL, "http_method": "POST", "http_protocol": "HTTP/1.1",
                      "created_by_user_id": user.user_id}
    assert user.post(f"{V310}/banks/{bank}/web-hooks/account/notifications/on-create-transaction",
                     notification_body()).code == "OBP-10404"


def test_bank_level_notification_webhook_errors(admin, bank):
    path = f"{V510}/banks/{bank}/web-hooks/account/notifications/on-create-transaction"
    r = admin.new_user_session().post(path, notification_body())
    assert (r.status, r.message) == (
        403, f"OBP-20006: User is missing one or more roles: CanCreateAccountNotificationWebhookAtOneBank for BankId({bank}).")
    user = admin.new_user_session(("CanCreateAccountNotificationWebhookAtOneBank", bank))
    assert user.post(path.replace(bank, "nope"), notification_body()).code == "OBP-30001"
    r = user.post(path, notification_body(http_method="PUT"))
    assert (r.status, r.message) == (400, "OBP-10037: Incorrect http_method. Only Support `POST` currently. Current value is (PUT)")
    r = user.post(path, notification_body(http_protocol="HTTP/2.0"))
    assert (r.status, r.code) == (400, "OBP-10038")
    r = user.post(path, notification_body(url="https://169.254.169.254/latest/meta-data/"))
    assert (r.status, r.code) == (400, "OBP-10035") and "169.254.169.254, a link-local address" in r.message


def test_create_system_level_notification_webhook(admin):
    path = f"{V400}/web-hooks/account/notifications/on-create-transaction"
    r = admin.new_user_session().post(path, notification_body())
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanCreateSystemAccountNotificationWebhook")
    user = admin.new_user_session("CanCreateSystemAccountNotificationWebhook")
    r = user.post(path, notification_body())
    assert r.status == 201, r.body
    assert set(r.body) == {"webhook_id", "trigger_name", "url", "http_method", "http_protocol", "created_by_user_id", "secret"}
    assert r.body["trigger_name"] == "OnCreateTransaction"


# --- getAccountWebhooks / enableDisableAccountWebhook (v3.1.0) ----------------------------------

def test_get_account_webhooks_lists_the_banks_account_webhooks_with_filters_and_paging(admin, bank):
    creator = admin.new_user_session(("CanCreateWebhook", bank), ("CanCreateAccountNotificationWebhookAtOneBank", bank))
    other = admin.new_user_session(("CanCreateWebhook", bank))
    ids = [creator.post(f"{V310}/banks/{bank}/account-web-hooks", account_hook_body(account_id=f"acc-{i}")).body["account_webhook_id"]
           for i in range(3)]
    other_id = other.post(f"{V310}/banks/{bank}/account-web-hooks", account_hook_body(account_id="acc-0")).body["account_webhook_id"]
    creator.post(f"{V400}/banks/{bank}/web-hooks/account/notifications/on-create-transaction", notification_body())
    another_bank = admin.create_bank()
    admin.new_user_session(("CanCreateWebhook", another_bank)).post(
        f"{V310}/banks/{another_bank}/account-web-hooks", account_hook_body())
    path = f"{V510}/management/banks/{bank}/account-web-hooks"

    assert admin.new_user_session(("CanGetWebhooks", another_bank)).get(path).status == 403
    reader = admin.new_user_session(("CanGetWebhooks", bank))
    r = reader.get(path)
    assert r.status == 200, r.body
    assert [w["account_webhook_id"] for w in r.body["web_hooks"]] == [other_id, *reversed(ids)]  # newest first
    assert "secret" not in str(r.body)
    assert [w["account_webhook_id"] for w in reader.get(f"{path}?account_id=acc-0").body["web_hooks"]] == [other_id, ids[0]]
    assert [w["account_webhook_id"] for w in reader.get(f"{path}?user_id={other.user_id}").body["web_hooks"]] == [other_id]
    assert [w["account_webhook_id"] for w in reader.get(f"{path}?limit=2&offset=1&sort_direction=ASC").body["web_hooks"]] == ids[1:]
    bad = reader.get(f"{path}?limit=0")
    assert (bad.status, bad.code) == (400, "OBP-10016") and "OBP-10025" in bad.message


def test_enable_disable_account_webhook(admin, bank):
    creator = admin.new_user_session(("CanCreateWebhook", bank))
    hook_id = creator.post(f"{V310}/banks/{bank}/account-web-hooks", account_hook_body()).body["account_webhook_id"]
    path = f"{V310}/banks/{bank}/account-web-hooks"
    r = creator.put(path, {"account_webhook_id": hook_id, "is_active": "false"})
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanUpdateWebhook at Bank({bank})")

    updater = admin.new_user_session(("CanUpdateWebhook", bank))
    r = updater.put(path, {"account_webhook_id": hook_id, "is_active": "false"})
    assert r.status == 200 and r.body["is_active"] is False and r.body["account_webhook_id"] == hook_id
    assert f"Disabled by user {updater.user_id}" in creator.get(f"{V510}/my/web-hooks/{hook_id}").body["disabled_reason"]
    r = updater.put(path, {"account_webhook_id": hook_id, "is_active": "TRUE"})
    assert r.status == 200 and r.body["is_active"] is True
    assert "disabled_reason" not in creator.get(f"{V510}/my/web-hooks/{hook_id}").body
    assert updater.put(path, {"account_webhook_id": "nope", "is_active": "true"}).code == "OBP-30050"
    other_bank = admin.create_bank()
    r = admin.new_user_session(("CanUpdateWebhook", other_bank)).put(
        f"{V310}/banks/{other_bank}/account-web-hooks", {"account_webhook_id": hook_id, "is_active": "false"})
    assert (r.status, r.code) == (400, "OBP-30050")  # another bank's webhook is not found there
    assert updater.put(path, {"account_webhook_id": hook_id, "is_active": "maybe"}).code == "OBP-10019"


# --- SSRF outside the local stage ---------------------------------------------------------------

@pytest.fixture
def production_rules(monkeypatch):
    """Outside the local stage: https only, no loopback. A name we choose resolves to 127.0.0.1."""
    fake_dns(monkeypatch)["innocent.example.com"] = "127.0.0.1"
    yield from outside_the_local_stage(monkeypatch)


INTERNAL_URLS = [
    ("https://10.0.0.1/hook", "resolves to 10.0.0.1, a private address"),
    ("https://169.254.169.254/latest/meta-data/iam/security-credentials/", "resolves to 169.254.169.254, a link-local address"),
    ("https://innocent.example.com/hook", "the host 'innocent.example.com' resolves to 127.0.0.1, a loopback address"),
    ("https://127.0.0.1:9001/hook", "a loopback address"),
    ("https://[::1]/hook", "a loopback address"),
    ("https://2130706433/hook", "resolves to 127.0.0.1, a loopback address"),
    ("http://93.184.216.34/hook", "the scheme must be https"),
]


def test_outside_the_local_stage_internal_addresses_are_refused(admin, bank, production_rules):
    user = admin.new_user_session(("CanCreateAccountNotificationWebhookAtOneBank", bank))
    for url, why in INTERNAL_URLS:
        r = user.post(f"{V400}/banks/{bank}/web-hooks/account/notifications/on-create-transaction", notification_body(url=url))
        assert (r.status, r.code) == (400, "OBP-10035"), (url, r.body)
        assert r.message.startswith("OBP-10035: Incorrect json value. Invalid webhook url: ") and why in r.message


def test_outside_the_local_stage_a_public_https_url_is_accepted(admin, bank, production_rules):
    user = admin.new_user_session(("CanCreateAccountNotificationWebhookAtOneBank", bank))
    r = user.post(f"{V400}/banks/{bank}/web-hooks/account/notifications/on-create-transaction", notification_body())
    assert r.status == 201, r.body


def test_in_the_local_stage_loopback_receivers_are_allowed(admin, bank):
    user = admin.new_user_session(("CanCreateAccountNotificationWebhookAtOneBank", bank))
    r = user.post(f"{V400}/banks/{bank}/web-hooks/account/notifications/on-create-transaction",
                  notification_body(url="http://127.0.0.1:9001/hook"))
    assert r.status == 201, r.body


# --- the owner's endpoints ----------------------------------------------------------------------

def test_an_owner_sees_and_manages_only_their_own_webhooks(admin, bank):
    owner = admin.new_user_session(("CanCreateWebhook", bank))
    stranger = admin.new_user_session(("CanCreateWebhook", bank))
    hook_id = owner.post(f"{V310}/banks/{bank}/account-web-hooks", account_hook_body()).body["account_webhook_id"]
    stranger.post(f"{V310}/banks/{bank}/account-web-hooks", account_hook_body())

    mine = owner.get(f"{V510}/my/web-hooks")
    assert [w["webhook_id"] for w in mine.body["web_hooks"]] == [hook_id]
    assert mine.body["web_hooks"][0]["scope"] == f"ACCOUNT#{bank}#acc-1"
    for method, suffix, body in [("GET", "", None), ("PUT", "", {"is_active": "false"}), ("POST", "/secret", {}),
                                 ("GET", "/deliveries", None), ("GET", "/deliveries/d-1", None),
                                 ("POST", "/deliveries/d-1/redelivery", {})]:
        r = stranger.call(method, f"{V510}/my/web-hooks/{hook_id}{suffix}", body)
        assert (r.status, r.code) == (404, "OBP-30050"), (method, suffix, r.body)
    assert owner.get(f"{V510}/my/web-hooks/{hook_id}/deliveries/d-1").code == "OBP-39001"

    r = owner.put(f"{V510}/my/web-hooks/{hook_id}", {"is_active": "false"})
    assert r.status == 200 and r.body["is_active"] is False and r.body["disabled_reason"].startswith("Disabled by its owner")
    r = owner.post(f"{V510}/my/web-hooks/{hook_id}/secret", {"overlap_seconds": 600})
    assert r.status == 201 and r.body["secret"].startswith("whsec_") and "previous_secret_valid_until" in r.body
    assert owner.post(f"{V510}/my/web-hooks/{hook_id}/secret", {"overlap_seconds": -1}).code == "OBP-10035"
    assert owner.get(f"{V510}/my/web-hooks/{hook_id}/deliveries").body == {"deliveries": []}
    assert owner.get(f"{V510}/my/web-hooks/{hook_id}/deliveries?limit=501").code == "OBP-10016"
    assert owner.get(f"{V400}/my/web-hooks").code == "OBP-10404"
