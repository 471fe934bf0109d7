"""Using a consent: Consent-JWT (or the consent id) with the Consumer-Key of the consent's
application runs a request as the consenting user, limited to the consent's views and roles;
every other case is 401 with OBP's code."""
import base64
import hashlib
import hmac
import json

from chalicelib.store import consents as consent_store
from chalicelib.store.users import list_entitlements
from tests.api.consents.conftest import CONSUMER, claims_of


def _account(cw, session, account_id=None, view_id="owner"):
    return session.get(f"/obp/v5.1.0/banks/{cw.bank_id}/accounts/{account_id or cw.w.alice_account}/{view_id}/account")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_consent_opens_its_views_and_nothing_else(cw):
    w = cw.w
    second = w.alice.put(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/alice-savings", {
        "label": "Savings", "product_code": w.product, "balance": {"currency": "EUR", "amount": "0"}})
    assert second.status == 201
    consent = cw.accepted()
    tpp = cw.as_tpp(consent["jwt"])

    r = _account(cw, tpp)
    assert r.status == 200 and r.body["id"] == w.alice_account
    assert _account(cw, w.alice).body == r.body  # the same as the user sees it

    refused = _account(cw, tpp, "alice-savings")  # alice's, but outside the consent
    assert (refused.status, refused.code) == (403, "OBP-20017")
    assert _account(cw, tpp, w.bob_account).status == 403  # never another user's

    me = tpp.get("/obp/v5.1.0/users/current")
    assert me.status == 200 and me.body["user_id"] == w.alice.user_id
    assert me.body["views"]["list"] == [cw.owner_view()]
    assert me.body["entitlements"]["list"] == []  # alice's CanCreateAccount is not in the consent
    accounts = tpp.get(f"/obp/v5.1.0/banks/{w.bank_id}/accounts")
    assert [a["id"] for a in accounts.body["accounts"]] == [w.alice_account]


def test_the_consent_id_and_the_legacy_header_work_as_the_jwt_does(cw):
    consent = cw.accepted()
    assert _account(cw, cw.as_tpp(consent["consent_id"])).status == 200
    assert _account(cw, cw.as_tpp(consent["jwt"], header="Consent-Id")).status == 200


def test_roles_in_a_consent_work_while_the_user_holds_them(cw, admin):
    w = cw.w
    grant = admin.grant(w.alice.user_id, "CanGetCustomer", w.bank_id)
    consent = cw.accepted(views=[], entitlements=[{"bank_id": w.bank_id, "role_name": "CanGetCustomer"}])
    tpp = cw.as_tpp(consent["jwt"])
    assert [e["role_name"] for e in tpp.get("/obp/v5.1.0/users/current").body["entitlements"]["list"]] == ["CanGetCustomer"]
    assert admin.delete(f"/obp/v5.1.0/users/{w.alice.user_id}/entitlement/{grant['entitlement_id']}").status == 204
    assert tpp.get("/obp/v5.1.0/users/current").body["entitlements"]["list"] == []
    assert list_entitlements(w.alice.user_id)  # using the consent added no role to the user


def _refused(cw, api, code):
    r = _account(cw, api)
    assert r.status == 401, r.body
    assert r.code == code, r.body
    return r


def test_every_broken_consent_is_refused_with_its_code(cw, admin):
    w = cw.w
    consent = cw.accepted()
    token = consent["jwt"]
    header, payload, signature = token.split(".")

    claims = claims_of(token)
    claims["views"].append(cw.owner_view(w.bob_account))
    tampered = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    _refused(cw, cw.as_tpp(tampered), "OBP-35004")

    none_header = _b64(json.dumps({"alg": "none"}).encode())
    unsigned = f"{none_header}.{payload}."
    _refused(cw, cw.as_tpp(unsigned), "OBP-35004")
    forged_input = f"{header}.{payload}"
    forged = f"{forged_input}.{_b64(hmac.new(b'guessed-key', forged_input.encode(), hashlib.sha256).digest())}"
    _refused(cw, cw.as_tpp(forged), "OBP-35004")

    r = _refused(cw, cw.as_tpp("INVALID_JWT_VALUE"), "OBP-35032")
    assert r.message == "OBP-35032: The Consent's Request Header value is not formatted as UUID or JWT."
    _refused(cw, cw.as_tpp("6f1a2b3c-0000-4000-8000-000000000000"), "OBP-35001")

    r = _refused(cw, cw.as_tpp(token, consumer_key=False), "OBP-35016")
    other = admin.post("/obp/v5.1.0/management/consumers", {**CONSUMER, "app_name": "Other"}).body
    _refused(cw, cw.as_tpp(token, consumer_key=other["key"]), "OBP-35015")
    _refused(cw, cw.as_tpp(token, consumer_key=admin.consumer_key), "OBP-35015")

    admin.put(f"/obp/v5.1.0/management/consumers/{cw.tpp['consumer_id']}", {"enabled": False})
    r = _refused(cw, cw.as_tpp(token), "OBP-35017")
    assert r.message == f"OBP-35017: The Consumer specified in this consent is disabled. aud: {cw.tpp['consumer_id']}"


def test_an_initiated_or_rejected_consent_opens_nothing(cw):
    made = cw.create(cw.w.alice).body
    r = _refused(cw, cw.as_tpp(made["jwt"]), "OBP-35005")
    assert r.message == "OBP-35005: Consent-Id is not in status ACCEPTED."
    cw.answer(cw.w.alice, made["consent_id"], "wrong")
    _refused(cw, cw.as_tpp(made["jwt"]), "OBP-35005")


def test_time_bounds(cw):
    future = cw.accepted(valid_from="2099-01-01T00:00:00Z")
    _refused(cw, cw.as_tpp(future["jwt"]), "OBP-35002")
    past = cw.accepted(valid_from="2020-01-01T00:00:00Z", time_to_live=60)
    r = _refused(cw, cw.as_tpp(past["jwt"]), "OBP-35003")
    assert r.message == "OBP-35003: Consent-Id is expired. "


def test_a_revoked_consent_fails_on_the_very_next_request(cw):
    consent = cw.accepted()
    tpp = cw.as_tpp(consent["jwt"])
    assert _account(cw, tpp).status == 200
    r = cw.w.alice.get(f"/obp/v3.1.0/banks/{cw.bank_id}/my/consents/{consent['consent_id']}/revoke")
    assert (r.status, r.body["status"]) == (200, "REVOKED")
    _refused(cw, tpp, "OBP-35005")


def test_a_consent_of_another_consumer_is_refused_even_with_the_users_own_app(cw):
    """The consent is for the TPP; the user's own consumer key (the DirectLogin app) is not it."""
    consent = cw.accepted()
    _refused(cw, cw.as_tpp(consent["jwt"], consumer_key=cw.w.alice.consumer_key), "OBP-35015")


def test_last_usage_is_recorded(cw):
    consent = cw.accepted()
    assert consent_store.get_consent(consent["consent_id"]).last_usage_at is None
    assert _account(cw, cw.as_tpp(consent["jwt"])).status == 200
    assert consent_store.get_consent(consent["consent_id"]).last_usage_at is not None


def test_a_consent_with_a_view_the_user_lost_opens_nothing(cw):
    w = cw.w
    w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant",
                 {"user_id": w.alice.user_id, "view_id": "auditor"})
    consent = cw.accepted(views=[cw.owner_view(view_id="auditor")])
    tpp = cw.as_tpp(consent["jwt"])
    assert _account(cw, tpp, view_id="auditor").status == 200
    r = w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/revoke",
                     {"user_id": w.alice.user_id, "view_id": "auditor"})
    assert r.status == 201
    assert _account(cw, tpp, view_id="auditor").status == 403


def test_a_call_under_a_consent_jwt_costs_one_round_trip_and_under_its_id_two(cw, dynamo_calls):
    consent = cw.accepted()
    tpp = cw.as_tpp(consent["jwt"])
    tpp.get("/obp/v5.1.0/users/current")  # the first use records the usage
    dynamo_calls.reset()
    assert tpp.get("/obp/v5.1.0/users/current").status == 200
    # the JWT names the consent, its consumer and its user: one batch and the user with roles, at
    # once (the views are the consent's, so the user's own views are not read)
    assert (dynamo_calls.round_trips(), sorted(dynamo_calls.operations())) == (1, ["BatchGetItem", "Query"])

    by_id = cw.as_tpp(consent["consent_id"], header="Consent-Id")
    dynamo_calls.reset()
    assert by_id.get("/obp/v5.1.0/users/current").status == 200
    # the consent id names only the consent: then its consumer and user, at once
    assert (dynamo_calls.round_trips(), sorted(dynamo_calls.operations())) == (2, ["GetItem", "GetItem", "Query"])
