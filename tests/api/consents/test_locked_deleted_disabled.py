"""A locked or deleted user, or a disabled application, is out at once on every credential
(issue 11): DirectLogin tokens issued before, consents by JWT and by id, Basic application
credentials; an administrator's unlock restores access; disabling an application ends its
sessions. Also OBP's lock, unlock and deletion endpoints with their roles."""
from urllib.parse import quote

import pytest

from tests.api.consents.conftest import CONSUMER
from tests.support import Api

LOGIN = "/my/logins/direct"
LOCKED = (401, "OBP-20013: The account has been locked, please contact an administrator!")
DELETED = (401, "OBP-20064: The user is deleted!")


def _account(cw, session):
    return session.get(f"/obp/v5.1.0/banks/{cw.bank_id}/accounts/{cw.w.alice_account}/owner/account")


def _every_credential_of_alice(cw) -> dict:
    """Alice's DirectLogin token (issued now), and an accepted consent by JWT and by id."""
    consent = cw.accepted()
    return {"token": cw.w.alice, "consent jwt": cw.as_tpp(consent["jwt"]),
            "consent id": cw.as_tpp(consent["consent_id"], header="Consent-Id")}


def _answers(cw, sessions: dict) -> dict:
    """Per credential: 200, or (status, message) of the refusal, the same for /users/current and
    an account read."""
    out = {}
    for name, session in sessions.items():
        got = {200 if r.status == 200 else (r.status, r.message)
               for r in (session.get("/obp/v5.1.0/users/current"), _account(cw, session))}
        assert len(got) == 1, (name, got)
        out[name] = got.pop()
    return out


def _lock_by_bad_logins(api, cw, username: str) -> None:
    bad = {"DirectLogin": f"username={username}, password=Wrong-Passw0rd!, consumer_key={cw.w.admin.consumer_key}"}
    for _ in range(5):
        assert api.post(LOGIN, headers=bad).code == "OBP-20004"


def _provider_path(cw) -> str:
    me = cw.w.alice.me
    return f"/obp/v5.1.0/users/{quote(me['provider'], safe='')}/{me['username']}"


def test_a_user_locked_by_bad_logins_is_out_at_once_and_back_after_an_unlock(api, cw):
    sessions = _every_credential_of_alice(cw)
    assert set(_answers(cw, sessions).values()) == {200}

    _lock_by_bad_logins(api, cw, cw.w.alice.me["username"])
    assert _answers(cw, sessions) == dict.fromkeys(sessions, LOCKED)

    r = cw.w.admin.put(_provider_path(cw) + "/lock-status")
    assert r.status == 200 and r.body["bad_attempts_since_last_success_or_reset"] == 0
    assert set(_answers(cw, sessions).values()) == {200}


@pytest.mark.parametrize("version", ["4.0.0", "5.1.0"])
def test_an_administrators_lock_refuses_every_credential_until_unlocked(api, cw, version):
    sessions = _every_credential_of_alice(cw)
    username = cw.w.alice.me["username"]
    path = (f"/obp/v4.0.0/users/{username}" if version == "4.0.0" else _provider_path(cw)) + "/locks"
    locked = cw.w.admin.post(path)
    assert locked.status == 200, locked.body
    assert locked.body["user_id"] == cw.w.alice.user_id and locked.body["type_of_lock"] == "lock_via_api"
    assert locked.body["last_lock_date"].endswith("Z")

    assert _answers(cw, sessions) == dict.fromkeys(sessions, LOCKED)
    login = api.post(LOGIN, headers={"DirectLogin": f"username={username}, password=Str0ng-Passw0rd!, "
                                                     f"consumer_key={cw.w.admin.consumer_key}"})
    assert (login.status, login.message) == LOCKED
    assert cw.w.admin.get(f"/obp/v4.0.0/users/user_id/{cw.w.alice.user_id}").body["is_locked"] is True

    unlock = f"/obp/v3.1.0/users/{username}/lock-status" if version == "4.0.0" else _provider_path(cw) + "/lock-status"
    assert cw.w.admin.put(unlock).status == 200
    assert set(_answers(cw, sessions).values()) == {200}
    assert cw.w.admin.get(f"/obp/v4.0.0/users/user_id/{cw.w.alice.user_id}").body["is_locked"] is False


def test_locking_and_reading_the_lock_status_need_their_roles(cw):
    username = cw.w.alice.me["username"]
    bob = cw.w.bob
    r = bob.post(_provider_path(cw) + "/locks")
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanLockUser")
    assert bob.post(f"/obp/v4.0.0/users/{username}/locks").code == "OBP-20006"
    r = bob.get(f"/obp/v3.1.0/users/{username}/lock-status")
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanReadUserLockedStatus")
    assert _answers(cw, {"token": cw.w.alice}) == {"token": 200}  # nothing changed

    unknown = cw.w.admin.post("/obp/v4.0.0/users/nobody-at-all/locks")
    assert (unknown.status, unknown.code) == (404, "OBP-20027")
    status = cw.w.admin.get(f"/obp/v3.1.0/users/{username}/lock-status")
    assert status.status == 200 and status.body["username"] == username
    # 5.1.0 serves only the PROVIDER/USERNAME forms (OBP's exclusions)
    assert cw.w.admin.post(f"/obp/v5.1.0/users/{username}/locks").code == "OBP-10404"


def test_a_deleted_user_is_out_on_every_credential_for_good(api, cw):
    sessions = _every_credential_of_alice(cw)
    alice = cw.w.alice.me
    r = cw.w.bob.delete(f"/obp/v4.0.0/users/{alice['user_id']}")
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanDeleteUser")
    assert cw.w.admin.delete("/obp/v4.0.0/users/no-such-user").code == "OBP-20005"

    r = cw.w.admin.delete(f"/obp/v4.0.0/users/{alice['user_id']}")
    assert (r.status, r.body) == (200, True)
    assert _answers(cw, sessions) == dict.fromkeys(sessions, DELETED)
    login = api.post(LOGIN, headers={"DirectLogin": f"username={alice['username']}, password=Str0ng-Passw0rd!, "
                                                     f"consumer_key={cw.w.admin.consumer_key}"})
    assert login.code == "OBP-20004"  # the username is no longer hers
    assert cw.w.admin.put(_provider_path(cw) + "/lock-status").code == "OBP-20027"  # nor an unlock's

    shown = cw.w.admin.get(f"/obp/v4.0.0/users/user_id/{alice['user_id']}").body
    assert shown["is_deleted"] is True and shown["username"].startswith("DELETED-") and shown["email"] == ""
    again = cw.w.admin.post("/obp/v5.1.0/users", {"email": "new@example.com", "username": alice["username"],
                                                  "password": "Str0ng-Passw0rd!", "first_name": "N", "last_name": "U"})
    assert again.status == 201 and again.body["user_id"] != alice["user_id"]  # the username is free again
    assert _answers(cw, sessions) == dict.fromkeys(sessions, DELETED)  # the new user opens none of them


def test_disabling_an_application_ends_its_sessions(api, cw):
    admin = cw.w.admin
    app = admin.post("/obp/v5.1.0/management/consumers", {**CONSUMER, "app_name": "Teller App"}).body
    user = admin.create_user()
    session = Api(api.client).login(user["username"], user["password"], app["key"])
    other_app_session = Api(api.client).login(user["username"], user["password"], admin.consumer_key)
    assert session.get("/obp/v5.1.0/users/current").status == 200

    assert admin.put(f"/obp/v5.1.0/management/consumers/{app['consumer_id']}", {"enabled": False}).status == 200
    r = session.get("/obp/v5.1.0/users/current")
    assert (r.status, r.message) == (401, "OBP-20058: Consumer is disabled.")
    assert other_app_session.get("/obp/v5.1.0/users/current").status == 200  # only that application's

    assert admin.put(f"/obp/v5.1.0/management/consumers/{app['consumer_id']}", {"enabled": True}).status == 200
    r = session.get("/obp/v5.1.0/users/current")
    assert (r.status, r.code) == (401, "OBP-20003")  # ended, not suspended
    again = Api(api.client).login(user["username"], user["password"], app["key"])
    assert again.get("/obp/v5.1.0/users/current").status == 200


def test_a_disabled_application_is_refused_under_its_consents_and_with_its_basic_credentials(cw):
    consent = cw.accepted()
    sessions = {"consent jwt": cw.as_tpp(consent["jwt"]),
                "consent id": cw.as_tpp(consent["consent_id"], header="Consent-Id")}
    application = cw.as_application()
    consent_path = f"/obp/v5.1.0/consumer/current/consents/{consent['consent_id']}"
    assert application.get(consent_path).status == 200

    assert cw.w.admin.put(f"/obp/v5.1.0/management/consumers/{cw.tpp['consumer_id']}", {"enabled": False}).status == 200
    for name, session in sessions.items():
        r = session.get("/obp/v5.1.0/users/current")
        assert (r.status, r.code) == (401, "OBP-35017"), name
    r = application.get(consent_path)
    assert (r.status, r.code) == (401, "OBP-20200")


def test_the_enterprise_partner_admin_refuses_a_locked_super_admin(api, cw):
    admin = cw.w.admin
    assert admin.get("/v1/partners/client_unknown").status == 404
    locked = admin.post(f"/obp/v4.0.0/users/{admin.me['username']}/locks")
    assert locked.status == 200
    r = admin.get("/v1/partners/client_unknown")
    assert r.status == 401 and r.body == {"error": "unauthorized", "error_description": LOCKED[1]}
