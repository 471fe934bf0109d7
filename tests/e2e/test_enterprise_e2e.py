"""Issue 7 end to end, over HTTP against the local stack: a partner registers its public key,
authenticates with a signed client assertion, and manages customers; another partner sees none."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.e2e.http import Http

pytestmark = pytest.mark.e2e


def _key_pair():
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private_key, public_pem


def _access_token(base: str, client_id: str, kid: str, private_key) -> str:
    """What a partner's own code does: sign an assertion, trade it at the token endpoint."""
    now = int(time.time())
    client_assertion = jwt.encode(
        {"iss": client_id, "sub": client_id, "aud": f"{base}/v1/oauth/token", "iat": now, "exp": now + 60,
         "jti": str(uuid.uuid4())}, private_key, algorithm="RS256", headers={"kid": kid})
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_assertion": client_assertion,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}).encode()
    request = urllib.request.Request(f"{base}/v1/oauth/token", data=form, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=30) as resp:
        body = json.loads(resp.read())
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    return body["access_token"]


def test_a_partner_authenticates_with_its_key_and_manages_customers(stack):
    http = stack.http()
    admin = http.login(stack.info["admin_username"], stack.info["admin_password"], stack.info["consumer_key"])

    private_key, public_pem = _key_pair()
    r = admin.post("/v1/partners", {"name": "E2E Partner", "public_key": public_pem, "kid": "e2e-1"})
    assert r.status == 201, r.body
    client_id = r.body["client_id"]
    partner = Http(stack.url, {"Authorization": f"Bearer {_access_token(stack.url, client_id, 'e2e-1', private_key)}"})

    r = partner.post("/v1/profiles", {"name": "E2E Shop"})
    assert r.status == 201, r.body
    profile_id = r.body["id"]
    created = []
    for n in range(45):
        r = partner.post(f"/v1/profiles/{profile_id}/customers", {"first_name": f"Customer {n}", "address": {"country": "NL"}})
        assert r.status == 200, r.body
        created.append(r.body["id"])

    pages = [partner.get(f"/v1/profiles/{profile_id}/customers?page={p}") for p in range(3)]
    for p, page in enumerate(pages):
        assert page.status == 200, page.body
        assert (page.body["page"], page.body["pages"], page.body["size"], page.body["count"]) == (p, 3, 20, 45)
    assert [len(page.body["data"]) for page in pages] == [20, 20, 5]
    assert [c["id"] for page in pages for c in page.body["data"]] == created[::-1]

    one = f"/v1/profiles/{profile_id}/customers/{created[10]}"
    r = partner.put(one, {"email": "changed@example.com"})
    assert r.status == 200 and r.body["email"] == "changed@example.com" and r.body["first_name"] == "Customer 10"
    assert partner.get(one).body["email"] == "changed@example.com"
    r = partner.delete(f"/v1/profiles/{profile_id}/customers/{created[0]}")
    assert r.status == 200 and r.body["id"] == created[0]
    after = partner.get(f"/v1/profiles/{profile_id}/customers?page=2").body
    assert (after["count"], after["pages"], [c["id"] for c in after["data"]]) == (44, 3, created[4:0:-1])

    other_key, other_pem = _key_pair()
    r = admin.post("/v1/partners", {"name": "Other Partner", "public_key": other_pem, "kid": "other-1"})
    assert r.status == 201, r.body
    other_id = r.body["client_id"]
    other = Http(stack.url, {"Authorization": f"Bearer {_access_token(stack.url, other_id, 'other-1', other_key)}"})
    for r in (other.get(f"/v1/profiles/{profile_id}"), other.get(f"/v1/profiles/{profile_id}/customers"), other.get(one)):
        assert r.status == 404 and r.body == {"error": "not_found", "error_description": "Resource not found"}

    # The first partner's private key cannot speak for the second partner.
    with pytest.raises(urllib.error.HTTPError) as refused:
        _access_token(stack.url, other_id, "other-1", private_key)
    assert refused.value.code == 401
    assert json.loads(refused.value.read())["error"] == "invalid_client"
