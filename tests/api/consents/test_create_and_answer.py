"""Create Consent (EMAIL, SMS, IMPLICIT) and Answer Consent Challenge: the JWT, the OTP through
the outbox, the single evaluation of an answer, and every refusal of a consent the user may not
give."""
import base64
import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import jwt as pyjwt
import pytest

from chalicelib import crypto
from chalicelib.services import consents as consent_service
from chalicelib.services import directlogin
from chalicelib.settings import reload_settings
from chalicelib.store import consents as consent_store
from tests.api.consents.conftest import claims_of, otp_from_outbox, outbox_messages
from tests.support import serialized_aws_calls


def test_an_email_consent_is_initiated_with_obp_claims_and_its_otp_goes_out_by_email(cw):
    w = cw.w
    before = int(datetime.now(timezone.utc).timestamp())
    r = cw.create(w.alice, entitlements=[], time_to_live=1800)
    assert r.status == 201
    assert set(r.body) == {"consent_id", "jwt", "status"} and r.body["status"] == "INITIATED"
    consent_id, token = r.body["consent_id"], r.body["jwt"]

    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "HS256"}
    claims = claims_of(token)
    assert list(claims) == ["createdByUserId", "sub", "iss", "aud", "jti", "iat", "nbf", "exp", "entitlements", "views"]
    assert claims["createdByUserId"] == w.alice.user_id and claims["sub"] != w.alice.user_id
    assert (claims["iss"], claims["aud"], claims["jti"]) == ("http://127.0.0.1:8000", cw.tpp["consumer_id"], consent_id)
    assert before <= claims["iat"] == claims["nbf"] and claims["exp"] == claims["nbf"] + 1800
    assert claims["views"] == [cw.owner_view()] and claims["entitlements"] == []

    # Signed HS256 with the consent's own secret (sealed in the store), which verifies it.
    stored = consent_store.get_consent(consent_id)
    secret = crypto.unseal(stored.secret_sealed, "consent-secret")
    assert pyjwt.decode(token, secret, algorithms=["HS256"], audience=cw.tpp["consumer_id"])["jti"] == consent_id
    with pytest.raises(pyjwt.InvalidSignatureError):
        pyjwt.decode(token, os.urandom(32), algorithms=["HS256"], audience=cw.tpp["consumer_id"])

    [mail] = outbox_messages()
    assert (mail["to"], mail["subject"]) == ("alice@example.com", "OBP Consent Challenge")
    otp = mail["body"].split(" : ")[1].split(",")[0]
    assert mail["body"] == f"Your consent challenge : {otp}, Application: Budget App by TPP Ltd"
    assert len(otp) == 8 and otp.isdigit()
    assert otp not in json.dumps(stored.attribute_values, default=str)  # only its keyed hash is kept
    assert stored.otp_hash == crypto.keyed_hash("consent-challenge", consent_id, otp)

    done = cw.answer(w.alice, consent_id, otp)
    assert (done.status, done.body) == (201, {"consent_id": consent_id, "jwt": token, "status": "ACCEPTED"})
    assert consent_store.get_consent(consent_id).otp_hash is None  # used once
    again = cw.answer(w.alice, consent_id, otp)  # an answered consent is returned unchanged
    assert (again.status, again.body["status"]) == (201, "ACCEPTED")


def test_a_wrong_answer_rejects_the_consent_for_good(cw):
    made = cw.create(cw.w.alice).body
    otp = otp_from_outbox()
    wrong = "0" * 8 if otp != "0" * 8 else "1" * 8
    assert cw.answer(cw.w.alice, made["consent_id"], wrong).body["status"] == "REJECTED"
    assert cw.answer(cw.w.alice, made["consent_id"], otp).body["status"] == "REJECTED"
    assert consent_store.get_consent(made["consent_id"]).status == "REJECTED"


def test_an_otp_answered_after_its_lifetime_is_refused_and_rejects_the_consent(cw):
    made = cw.create(cw.w.alice).body
    otp = otp_from_outbox()
    stored = consent_store.get_consent(made["consent_id"])
    stored.update(actions=[consent_store.ConsentRecord.otp_valid_until.set(datetime.now(timezone.utc) - timedelta(seconds=1))])
    r = cw.answer(cw.w.alice, made["consent_id"], otp)
    assert (r.status, r.message) == (400, "OBP-20211: The One Time Password (OTP) has expired. Current expiration time is 600 seconds")
    assert consent_store.get_consent(made["consent_id"]).status == "REJECTED"


def test_the_otp_lifetime_is_a_setting(cw, monkeypatch):
    monkeypatch.setenv("OBP_CONSENT_OTP_TTL_SECONDS", "120")
    reload_settings()
    made = cw.create(cw.w.alice).body
    stored = consent_store.get_consent(made["consent_id"])
    assert 115 <= (stored.otp_valid_until - stored.created_at).total_seconds() <= 120


def test_parallel_answers_are_evaluated_once(cw, monkeypatch):
    made = cw.create(cw.w.alice).body
    otp = otp_from_outbox()
    caller = directlogin.authenticate(f"token={cw.w.alice.token}", None)
    wins = []
    real = consent_store.set_status

    def counting(*args, **kwargs):
        won = real(*args, **kwargs)
        wins.append(won)
        return won

    monkeypatch.setattr(consent_store, "set_status", counting)
    answers = [otp] + [f"{n:08d}" for n in range(7) if f"{n:08d}" != otp]
    # Threads call the service (the Chalice test client serves one request at a time).
    with serialized_aws_calls(), ThreadPoolExecutor(len(answers)) as pool:
        outcomes = list(pool.map(lambda a: consent_service.answer_challenge(caller, made["consent_id"], a).status, answers))
    final = consent_store.get_consent(made["consent_id"]).status
    assert final in ("ACCEPTED", "REJECTED")
    assert wins.count(True) == 1  # one answer decided the consent; the others found it decided
    assert set(outcomes) == {final}  # no caller was told anything but the one outcome


def test_sms_consents_text_the_phone_number_and_implicit_ones_mail_the_user(cw):
    w = cw.w
    r = cw.create(w.alice, "SMS")
    assert r.status == 201
    [sms] = outbox_messages("sms")
    assert sms["to"] == "+44 07972 444 876" and sms["body"].startswith("Your consent challenge : ")
    assert outbox_messages("email") == []

    r = cw.create(w.alice, "IMPLICIT")
    assert r.status == 201
    [mail] = outbox_messages()
    assert mail["to"] == w.alice.me["email"]

    # The bank-less form (v5.1.0 only) takes every method.
    r = cw.create(w.alice, "IMPLICIT", bank=False, version="5.1.0")
    assert r.status == 201 and r.body["status"] == "INITIATED"
    assert cw.create(w.alice, "IMPLICIT", bank=False, version="5.0.0").code == "OBP-10404"
    assert cw.create(w.alice, "EMAIL", bank=False, version="5.1.0").status == 201


def test_the_answer_is_the_creators_alone(cw):
    made = cw.create(cw.w.alice).body
    otp = otp_from_outbox()
    r = cw.answer(cw.w.bob, made["consent_id"], otp)
    assert (r.status, r.message) == (
        400, f"OBP-50200: Connector cannot return the data we requested. <- OBP-35001: Consent not found by CONSENT_ID. ({made['consent_id']})")
    assert consent_store.get_consent(made["consent_id"]).status == "INITIATED"
    assert cw.answer(cw.w.bob, "no-such-consent", "1").message.startswith("OBP-50200: Connector cannot return")


@pytest.mark.parametrize("method, missing", [("EMAIL", "email"), ("SMS", "phone_number")])
def test_each_method_needs_its_destination(cw, method, missing):
    r = cw.create(cw.w.alice, method, **{missing: None})
    assert r.status == 400 and r.code == "OBP-10001" and missing in r.message
    assert consent_store.list_of_user(cw.w.alice.user_id, limit=10) == []


def test_refusals_change_nothing(cw, admin):
    w = cw.w
    alice = w.alice
    cases = [
        (cw.create(alice, "PUSH"), 400, "OBP-35009: Only SMS, EMAIL and IMPLICIT are supported as SCA methods. "),
        (cw.create(alice, time_to_live=3601), 400, "OBP-35020: You exceeded max value of time to live of consents. (3600)"),
        (cw.create(alice, entitlements=[{"bank_id": "", "role_name": "CanGetAnyUser"}]), 400,
         "OBP-35013: Consents can only contain Roles that you already have access to."),
        (cw.create(alice, views=[cw.owner_view(w.bob_account)]), 400,
         "OBP-35014: Consents can only contain Views that you already have access to."),
        (cw.create(alice, views=[cw.owner_view(view_id="auditor")]), 400,
         "OBP-35014: Consents can only contain Views that you already have access to."),
        (cw.create(alice, entitlements=[{"bank_id": "", "role_name": "CanCreateEntitlementAtAnyBank"}]), 400,
         "OBP-35033: Consents cannot contain the following Roles: CanCreateEntitlementAtOneBank and CanCreateEntitlementAtAnyBank."),
        (cw.create(alice, consumer_id="no-such-consumer"), 404,
         "OBP-30019: Consumer not found. Please specify a valid value for CONSUMER_ID. Current ConsumerId(no-such-consumer)"),
    ]
    for r, status, message in cases:
        assert (r.status, r.message) == (status, message)
    assert consent_store.list_of_user(alice.user_id, limit=10) == []
    assert outbox_messages() == []

    admin.put(f"/obp/v5.1.0/management/consumers/{cw.tpp['consumer_id']}", {"enabled": False})
    r = cw.create(alice)
    assert (r.status, r.message) == (400, "OBP-20058: Consumer is disabled.")


def test_the_entitlement_granting_roles_are_refused_even_to_a_super_admin(cw, admin):
    r = cw.create(admin, views=[], entitlements=[{"bank_id": cw.bank_id, "role_name": "CanCreateEntitlementAtOneBank"}])
    assert r.code == "OBP-35033"
    r = cw.create(admin, views=[], everything=True)
    assert r.status == 201
    roles = {e["role_name"] for e in claims_of(r.body["jwt"])["entitlements"]}
    assert "CanCreateEntitlementAtAnyBank" not in roles and "CanCreateBank" in roles


def test_everything_gives_every_view_and_role_the_user_holds(cw, admin):
    w = cw.w
    admin.grant(w.alice.user_id, "CanGetCustomer", w.bank_id)
    r = cw.create(w.alice, views=[], everything=True)
    claims = claims_of(r.body["jwt"])
    assert claims["views"] == [cw.owner_view()]
    assert sorted((e["bank_id"], e["role_name"]) for e in claims["entitlements"]) == [
        (w.bank_id, "CanCreateAccount"), (w.bank_id, "CanGetCustomer")]


def test_the_lifetime_of_a_consent_is_configurable_and_starts_at_valid_from(cw, monkeypatch):
    monkeypatch.setenv("OBP_CONSENT_MAX_TTL_SECONDS", "86400")
    reload_settings()
    r = cw.create(cw.w.alice, time_to_live=86400, valid_from="2030-01-01T00:00:00Z")
    claims = claims_of(r.body["jwt"])
    start = int(datetime(2030, 1, 1, tzinfo=timezone.utc).timestamp())
    assert (claims["nbf"], claims["exp"]) == (start, start + 86400)
    assert cw.create(cw.w.alice, time_to_live=86401).message.endswith("(86400)")


def test_bad_input_and_bad_callers(cw):
    w = cw.w
    r = w.alice.post(f"/obp/v3.1.0/banks/{w.bank_id}/my/consents/EMAIL", {"everything": "yes", "views": [], "entitlements": []})
    assert (r.status, r.code) == (400, "OBP-10001")
    r = w.alice.post(f"/obp/v3.1.0/banks/{w.bank_id}/my/consents/EMAIL", {"everything": False, "entitlements": []})
    assert (r.status, r.code) == (400, "OBP-10001")
    r = cw.anonymous.post(f"/obp/v3.1.0/banks/{w.bank_id}/my/consents/EMAIL", {"everything": False})
    assert (r.status, r.code) == (401, "OBP-20001")
    r = w.alice.post("/obp/v3.1.0/banks/no-such-bank/my/consents/EMAIL", {})
    assert (r.status, r.code) == (404, "OBP-30001")
    r = cw.answer(w.alice, "x", None)
    assert (r.status, r.code) == (400, "OBP-10001")


def test_the_consent_keeps_its_secret_and_jwt_out_of_clear_storage(cw):
    made = cw.accepted()
    stored = consent_store.get_consent(made["consent_id"]).attribute_values
    text = json.dumps(stored, default=str)
    assert made["jwt"] not in text and made["jwt"].split(".")[2] not in text
    assert consent_service.jwt_of(consent_store.get_consent(made["consent_id"])) == made["jwt"]
