"""Partner registration, key rotation and revocation, the token endpoint (RFC 6749 / RFC 7523)
and bearer tokens on /v1 calls."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from chalicelib import crypto
from chalicelib.settings import get_settings, reload_settings
from tests.enterprise_support import (
    ASSERTION_TYPE, FORM, PartnerKeys, assertion, ec_key, hs256_with_public_key, public_pem, rsa_key,
    token_form, unsigned_assertion,
)


def _stored_items() -> list[dict]:
    """Every item of the table, read from moto's memory (no Scan call)."""
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables[get_settings().table_name]
    return [item.to_json()["Attributes"] for item in table.all_items()]


# --- registration and keys ------------------------------------------------------------------------

def test_a_super_admin_registers_a_partner_with_its_public_key(ent):
    r = ent.admin.post("/v1/partners", {"name": "Acme", "public_key": public_pem(rsa_key("a")), "kid": "key-1"})
    assert r.status == 201, r.body
    assert r.body["client_id"].startswith("client_") and r.body["name"] == "Acme"
    [key] = r.body["keys"]
    assert (key["kid"], key["key_type"], key["status"]) == ("key-1", "RSA", "active")
    assert key["public_key"] == public_pem(rsa_key("a"))

    got = ent.admin.get(f"/v1/partners/{r.body['client_id']}")
    assert got.status == 200 and got.body == r.body


def test_partner_management_needs_a_super_admin(ent):
    body = {"name": "Acme", "public_key": public_pem(rsa_key("a")), "kid": "key-1"}
    nobody = ent.api.post("/v1/partners", body)
    assert nobody.status == 401 and nobody.body["error"] == "unauthorized"
    user = ent.admin.new_user_session("CanCreateBank")
    refused = user.post("/v1/partners", body)
    assert refused.status == 403 and refused.body == {
        "error": "forbidden", "error_description": "Managing partners needs an OBP super admin"}
    partner = ent.register()
    as_partner = ent.client(partner)  # a partner's access token is no admin credential either
    assert as_partner.post("/v1/partners", body).status == 401
    assert as_partner.post(f"/v1/partners/{partner.client_id}/keys", {"public_key": public_pem(rsa_key("b")), "kid": "x"}).status == 401
    assert user.get(f"/v1/partners/{partner.client_id}").status == 403
    assert user.delete(f"/v1/partners/{partner.client_id}/keys/{partner.kid}").status == 403


def test_registration_refuses_unusable_keys(ent):
    for public_key, reason in [
        ("not a key", "is not a PEM public key or certificate"),
        (public_pem(rsa_key("small", 1024)), "an RSA key must have at least 2048 bits"),
        (public_pem(ec_key("p384", "P-384")), "an EC key must be on the P-256 curve (ES256)"),
    ]:
        r = ent.admin.post("/v1/partners", {"name": "Acme", "public_key": public_key, "kid": "key-1"})
        assert r.status == 400, reason
        assert r.body["fields"] == [{"field": "public_key", "reason": reason}]


def test_registration_names_every_bad_field(ent):
    r = ent.admin.post("/v1/partners", {"public_key": public_pem(rsa_key("a")), "kid": "bad kid!", "extra": 1})
    assert r.status == 400 and r.body["error"] == "invalid_request"
    assert {f["field"] for f in r.body["fields"]} == {"name", "kid", "extra"}
    assert r.body["error_description"].startswith("Invalid request: ")


def test_a_certificate_and_an_ec_key_are_accepted(ent):
    key = rsa_key("cert")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "acme")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    r = ent.admin.post("/v1/partners", {"name": "Cert", "public_key": pem, "kid": "c1"})
    assert r.status == 201 and r.body["keys"][0]["public_key"] == public_pem(key)
    assert ent.token_call(assertion(key, r.body["client_id"], "c1", ent.audience)).status == 200

    partner = ent.register(ec_key("a"), kid="ec-1")
    token = ent.token_call(partner.assertion(ent.audience))
    assert token.status == 200, token.body


def test_keys_rotate_with_several_active_and_revocation_stops_assertions_and_tokens(ent):
    partner = ent.register(rsa_key("a"), kid="old")
    old_token = ent.token(partner)
    added = ent.admin.post(f"/v1/partners/{partner.client_id}/keys", {"public_key": public_pem(rsa_key("b")), "kid": "new"})
    assert added.status == 201 and added.body["kid"] == "new" and added.body["status"] == "active"
    new = PartnerKeys(partner.client_id, "new", rsa_key("b"))
    new_token = ent.token(new)  # both keys work during the rotation
    assert ent.token_call(partner.assertion(ent.audience)).status == 200
    listed = ent.admin.get(f"/v1/partners/{partner.client_id}/keys")
    assert sorted(k["kid"] for k in listed.body) == ["new", "old"]

    revoked = ent.admin.delete(f"/v1/partners/{partner.client_id}/keys/old")
    assert revoked.status == 200 and revoked.body["status"] == "revoked" and "revoked" in revoked.body
    refused = ent.token_call(partner.assertion(ent.audience))
    assert refused.status == 401 and refused.body["error"] == "invalid_client"
    assert "unknown kid 'old'" in refused.body["error_description"]
    old = ent.bearer(old_token).get("/v1/profiles")
    assert old.status == 401 and old.body["error"] == "invalid_token" and "revoked" in old.body["error_description"]
    assert ent.bearer(new_token).get("/v1/profiles").status == 200
    assert ent.admin.delete(f"/v1/partners/{partner.client_id}/keys/old").status == 200  # revoking twice is harmless


def test_key_errors(ent):
    partner = ent.register(kid="key-1")
    pem = public_pem(rsa_key("b"))
    taken = ent.admin.post(f"/v1/partners/{partner.client_id}/keys", {"public_key": pem, "kid": "key-1"})
    assert taken.status == 409 and taken.body["error"] == "conflict"
    for n in range(4):
        assert ent.admin.post(f"/v1/partners/{partner.client_id}/keys", {"public_key": pem, "kid": f"k{n}"}).status == 201
    limit = ent.admin.post(f"/v1/partners/{partner.client_id}/keys", {"public_key": pem, "kid": "k9"})
    assert limit.status == 409 and "at most 5 active keys" in limit.body["error_description"]
    assert ent.admin.delete(f"/v1/partners/{partner.client_id}/keys/k0").status == 200
    assert ent.admin.post(f"/v1/partners/{partner.client_id}/keys", {"public_key": pem, "kid": "k9"}).status == 201
    missing = ent.admin.post("/v1/partners/client_nope/keys", {"public_key": pem, "kid": "k"})
    assert missing.status == 404 and missing.body == {"error": "not_found", "error_description": "Resource not found"}
    assert ent.admin.delete(f"/v1/partners/{partner.client_id}/keys/none").status == 404
    assert ent.admin.get("/v1/partners/client_nope").status == 404


# --- the token endpoint ---------------------------------------------------------------------------

def test_a_signed_assertion_buys_an_access_token(ent):
    partner = ent.register()
    r = ent.token_call(partner.assertion(ent.audience))
    assert r.status == 200, r.body
    assert set(r.body) == {"access_token", "token_type", "expires_in"}
    assert r.body["token_type"] == "Bearer" and r.body["expires_in"] == get_settings().enterprise_token_ttl_seconds
    assert r.headers["cache-control"] == "no-store"
    me = ent.bearer(r.body["access_token"]).get("/v1/profiles")
    assert me.status == 200 and me.body["count"] == 0


def test_the_token_endpoint_takes_json_the_bearer_header_form_and_the_jwt_bearer_grant(ent):
    partner = ent.register()
    as_json = ent.api.post("/v1/oauth/token", {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                                               "client_assertion": partner.assertion(ent.audience)})
    assert as_json.status == 200, as_json.body
    # The provider's documented style: the JWT as `Authorization: Bearer` on the token request.
    as_header = ent.api.call("POST", "/v1/oauth/token", raw=b"grant_type=client_credentials",
                             headers={**FORM, "Authorization": f"Bearer {partner.assertion(ent.audience)}"})
    assert as_header.status == 200, as_header.body
    grant = ent.api.call("POST", "/v1/oauth/token", headers=FORM, raw=(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + partner.assertion(ent.audience)).encode())
    assert grant.status == 200, grant.body
    both = ent.api.call("POST", "/v1/oauth/token", raw=token_form(partner.assertion(ent.audience)),
                        headers={**FORM, "Authorization": f"Bearer {partner.assertion(ent.audience)}"})
    assert both.status == 400 and both.body["error"] == "invalid_request"
    bad_grant = ent.api.call("POST", "/v1/oauth/token", headers=FORM, raw=(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
        + partner.assertion("https://elsewhere/token")).encode())
    assert bad_grant.status == 400 and bad_grant.body["error"] == "invalid_grant"


def test_malformed_token_requests(ent):
    for raw, status, error in [
        (b"client_assertion=x", 400, "invalid_request"),
        (b"grant_type=password&username=a&password=b", 400, "unsupported_grant_type"),
        (b"grant_type=client_credentials", 401, "invalid_client"),
        (b"grant_type=client_credentials&client_assertion_type=urn%3Aother&client_assertion=x", 400, "invalid_request"),
        (b"grant_type=client_credentials&grant_type=client_credentials", 400, "invalid_request"),
        (b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer", 400, "invalid_request"),
    ]:
        r = ent.api.call("POST", "/v1/oauth/token", raw=raw, headers=FORM)
        assert (r.status, r.body["error"]) == (status, error), (raw, r.body)
        assert set(r.body) == {"error", "error_description"}
        assert r.headers["cache-control"] == "no-store"
    as_text = ent.api.call("POST", "/v1/oauth/token", raw=b"grant_type=client_credentials", headers={"Content-Type": "text/plain"})
    assert as_text.status == 404 and as_text.body["error"] == "not_found"


def _refusal(ent, client_assertion: str) -> str:
    r = ent.token_call(client_assertion)
    assert r.status == 401, r.body
    assert r.body["error"] == "invalid_client" and "www-authenticate" in r.headers
    return r.body["error_description"]


def test_a_replayed_assertion_is_refused(ent):
    partner = ent.register()
    once = partner.assertion(ent.audience)
    assert ent.token_call(once).status == 200
    assert "jti has been used before" in _refusal(ent, once)
    # The same jti in a freshly signed assertion is a replay too.
    jti = jwt.decode(once, options={"verify_signature": False})["jti"]
    assert "jti has been used before" in _refusal(ent, partner.assertion(ent.audience, jti=jti))


def test_the_jti_and_the_access_token_are_stored_only_hashed(ent):
    partner = ent.register()
    signed = partner.assertion(ent.audience, jti="my-unique-jti-value")
    token = ent.token_call(signed).body["access_token"]
    stored = json.dumps(_stored_items())
    assert "my-unique-jti-value" not in stored and token not in stored and signed not in stored
    assert token.rsplit(".", 1)[1] not in stored
    assert f"PARTNER_TOKEN#{crypto.hash_token(token)}" in stored
    assert f"ASSERTION#{crypto.hash_token(partner.client_id + chr(0x1f) + 'my-unique-jti-value')}" in stored


def test_assertion_claims_are_checked(ent):
    partner = ent.register()
    now = int(time.time())
    for case, claims, reason in [
        ("expired", {"iat": now - 400, "exp": now - 120}, "has expired"),
        ("wrong audience", {"aud": "https://api.example.com/v1/oauth/token"}, "aud must be the token endpoint"),
        ("lives too long", {"exp": now + 400}, "exp must be at most 300 seconds after iat"),
        ("issued in the future", {"iat": now + 200, "exp": now + 300}, "not valid yet"),
        ("sub is not the client", {"sub": "client_someoneelse"}, "sub must equal iss"),
        ("iss is not a client", {"iss": "someone"}, "iss must be your client_id"),
        ("no jti", {"jti": None}, "the claim jti is required"),
        ("no exp", {"exp": None}, "the claim exp is required"),
        ("no iat", {"iat": None}, "the claim iat is required"),
        ("no sub", {"sub": None}, "the claim sub is required"),
        ("jti not a string", {"jti": 12}, "JWT ID must be a string"),
    ]:
        assert reason in _refusal(ent, partner.assertion(ent.audience, **claims)), case
    assert ent.token_call(partner.assertion(ent.audience, aud=[ent.audience, "other"])).status == 200


def test_an_assertion_within_the_clock_leeway_passes(ent):
    partner = ent.register()
    now = int(time.time())
    r = ent.token_call(partner.assertion(ent.audience, iat=now - 250, exp=now - 10))
    assert r.status == 200, r.body


def test_the_key_is_chosen_by_kid_and_the_signature_must_verify(ent):
    partner = ent.register(rsa_key("a"), kid="key-1")
    unknown = assertion(rsa_key("a"), partner.client_id, "key-2", ent.audience)
    assert "unknown kid 'key-2'" in _refusal(ent, unknown)
    forged = assertion(rsa_key("b"), partner.client_id, "key-1", ent.audience)  # another private key
    assert "signature does not verify" in _refusal(ent, forged)
    other = ent.register(rsa_key("b"), kid="key-1")  # B's key cannot speak for A, nor A's for B
    assert "signature does not verify" in _refusal(ent, assertion(rsa_key("a"), other.client_id, "key-1", ent.audience))
    tampered = partner.assertion(ent.audience).split(".")
    tampered[1] = tampered[1][:-4] + ("AAAA" if tampered[1][-4:] != "AAAA" else "BBBB")
    assert _refusal(ent, ".".join(tampered))
    no_kid = jwt.encode({"iss": partner.client_id}, rsa_key("a"), algorithm="RS256")
    assert "must name the key (kid)" in _refusal(ent, no_kid)
    assert "not a well-formed JWT" in _refusal(ent, "not.a.jwt")


def test_algorithms_come_from_the_key_never_from_the_token(ent):
    partner = ent.register(rsa_key("a"), kid="key-1")
    assert "alg none" in _refusal(ent, unsigned_assertion(partner.client_id, "key-1", ent.audience))
    confused = hs256_with_public_key(public_pem(rsa_key("a")), partner.client_id, "key-1", ent.audience)
    assert "alg 'HS256' is not accepted" in _refusal(ent, confused)
    assert ent.token_call(partner.assertion(ent.audience, alg="PS256")).status == 200  # RSA: RS256 or PS256
    ec_partner = ent.register(ec_key("a"), kid="ec")
    assert "does not match key 'ec'" in _refusal(ent, assertion(rsa_key("a"), ec_partner.client_id, "ec", ent.audience))
    assert "does not match key 'key-1'" in _refusal(ent, assertion(ec_key("a"), partner.client_id, "key-1", ent.audience))
    typed = partner.assertion(ent.audience, headers={"typ": "at+jwt"})
    assert "typ must be JWT" in _refusal(ent, typed)


def test_client_id_parameter_must_match_the_assertion(ent):
    partner = ent.register()
    raw = token_form(partner.assertion(ent.audience)) + b"&client_id=client_other"
    r = ent.api.call("POST", "/v1/oauth/token", raw=raw, headers=FORM)
    assert r.status == 401 and "client_id does not match" in r.body["error_description"]


# --- bearer tokens on /v1 -------------------------------------------------------------------------

def test_v1_calls_need_a_valid_bearer_token(ent, admin):
    nothing = ent.api.get("/v1/profiles")
    assert nothing.status == 401 and nothing.body["error"] == "invalid_token"
    assert nothing.headers["www-authenticate"].startswith("Bearer")
    assert ent.bearer("made-up-token").get("/v1/profiles").status == 401
    directlogin = admin.get("/v1/profiles")  # an OBP DirectLogin token is not an Enterprise credential
    assert directlogin.status == 401 and directlogin.body["error"] == "invalid_token"
    partner = ent.register()
    assertion_as_token = ent.bearer(partner.assertion(ent.audience)).get("/v1/profiles")
    assert assertion_as_token.status == 401

    # the token names its partner and key; another name on the same secret is no token
    token = ent.token(partner)
    client_id, kid, secret = token.split(".")
    assert client_id == partner.client_id and ent.bearer(token).get("/v1/profiles").status == 200
    other = ent.register()
    for forged in (f"{other.client_id}.{kid}.{secret}", f"{client_id}.{kid}x.{secret}", secret):
        r = ent.bearer(forged).get("/v1/profiles")
        assert (r.status, r.body["error"]) == (401, "invalid_token"), forged


def test_an_enterprise_token_does_not_authenticate_obp_endpoints(ent):
    client = ent.client(ent.register())
    r = client.get("/obp/v5.1.0/users/current")
    assert r.status == 401 and r.code == "OBP-20001"


def test_an_expired_access_token_is_refused(ent, monkeypatch):
    partner = ent.register()
    monkeypatch.setenv("OBP_ENTERPRISE_TOKEN_TTL_SECONDS", "1")
    reload_settings()
    token = ent.token(partner)
    assert ent.bearer(token).get("/v1/profiles").status == 200
    time.sleep(1.1)
    r = ent.bearer(token).get("/v1/profiles")
    assert r.status == 401 and "expired" in r.body["error_description"]


def test_authentication_costs_one_round_trip(ent, dynamo_calls):
    client = ent.client(ent.register())
    dynamo_calls.reset()
    assert client.get("/v1/profiles/profile_0123").status == 404
    # the token and the key it names in one batch, then the profile
    assert (dynamo_calls.round_trips(), dynamo_calls.operations()) == (2, ["BatchGetItem", "GetItem"])
