"""Fixtures of the Enterprise API tests: `ent` registers partners (as the bootstrap super admin)
and gets them access tokens the way a partner's own code does."""
from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from chalicelib.services.access import Caller
from chalicelib.services.enterprise import partners
from chalicelib.settings import get_settings
from tests.enterprise_support import FORM, PartnerKeys, public_pem, rsa_key, token_form
from tests.support import Api


# The bootstrap admin's privileges without its DirectLogin round trips (the partner routes and
# their admin checks are tested through HTTP in test_client_authentication.py).
SUPER_ADMIN = Caller(user=SimpleNamespace(user_id="test-super-admin", is_super_admin=True))


class Enterprise:
    def __init__(self, api: Api, request):
        self.api = api
        self._request = request

    @property
    def admin(self):
        """The bootstrap super admin over DirectLogin (set up on first use: it costs two scrypt hashes)."""
        return self._request.getfixturevalue("admin")

    @property
    def audience(self) -> str:
        return get_settings().hostname + "/v1/oauth/token"

    def register(self, private_key=None, kid: str = "key-1", name: str = "Acme") -> PartnerKeys:
        """A partner registered with the public half of `private_key`, as the admin would."""
        private_key = private_key or rsa_key("a")
        partner, _ = partners.register_partner(SUPER_ADMIN, name, public_pem(private_key), kid)
        return PartnerKeys(partner.client_id, kid, private_key)

    def token_call(self, client_assertion: str):
        return self.api.call("POST", "/v1/oauth/token", raw=token_form(client_assertion), headers=FORM)

    def token(self, partner: PartnerKeys) -> str:
        r = self.token_call(partner.assertion(self.audience))
        assert r.status == 200, r.body
        return r.body["access_token"]

    def client(self, partner: PartnerKeys) -> Api:
        return self.bearer(self.token(partner))

    def bearer(self, access_token: str) -> Api:
        return Api(self.api.client, {"Authorization": f"Bearer {access_token}"})

    def session(self, key_name: str = "a") -> Api:
        """A new partner (its own key pair) and a client carrying its access token."""
        return self.client(self.register(rsa_key(key_name), kid=f"kid-{uuid.uuid4().hex[:6]}"))


@pytest.fixture
def ent(api, request) -> Enterprise:
    return Enterprise(api, request)


def new_profile(client: Api, name: str = "Shop") -> str:
    r = client.post("/v1/profiles", {"name": name})
    assert r.status == 201, r.body
    return r.body["id"]


def new_customer(client: Api, profile_id: str, **fields) -> dict:
    r = client.post(f"/v1/profiles/{profile_id}/customers", fields)
    assert r.status == 200, r.body
    return r.body


@pytest.fixture
def shop(ent, admin):
    """A partner's profile whose payout account is bob's, at a bank with alice and bob (payments_support)."""
    from tests.payments_support import new_shop

    return new_shop(ent, admin)
