"""One moto backend per test module for the customer tests: two banks, staff with the core customer
roles at each, desks for the other areas, and helpers that make fresh customers and linked users,
so each test starts from its own objects without paying for a new backend and new logins."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest

from tests.support import STRONG_PASSWORD, Api, AuthedApi, fresh_aws

# Each role a session holds costs every one of its requests a little (the caller's roles are read
# with the user), so staff hold the core customer roles and "desks" the roles of one area.
STAFF_ROLES = [
    "CanCreateCustomer", "CanCreateUserCustomerLink", "CanGetCustomer", "CanGetCustomers",
    "CanGetCustomerOverview", "CanGetCustomerOverviewFlat", "CanCreateCustomerAttributeAtOneBank",
    "CanGetCustomerAttributesAtOneBank",
]
DESKS = {
    "addresses": ["CanCreateCustomerAddress", "CanGetCustomerAddress", "CanDeleteCustomerAddress", "CanCreateCustomer"],
    "tax": ["CanCreateTaxResidence", "CanGetTaxResidence", "CanDeleteTaxResidence"],
    "social": ["CanAddSocialMediaHandle", "CanGetSocialMediaHandles"],
    "kyc": ["CanAddKycCheck", "CanAddKycDocument", "CanAddKycMedia", "CanAddKycStatus", "CanGetCustomer"],
    "invitations": ["CanCreateUserInvitation"],
}

def v5_body(**overrides) -> dict:
    """A createCustomer v5.0.0 body with every optional field, and a unique number and phone."""
    body = {
        "legal_name": "Eveline Tripman",
        "customer_number": f"N{uuid.uuid4().hex[:12]}",
        "mobile_phone_number": f"+44 {uuid.uuid4().int % 10**10:010d}",
        "email": "felixsmith@example.com",
        "face_image": {"url": "www.openbankproject", "date": "1100-01-01T00:00:00Z"},
        "date_of_birth": "1100-01-01T00:00:00Z",
        "relationship_status": "single",
        "dependants": 1,
        "dob_of_dependants": ["1100-01-01T00:00:00Z"],
        "credit_rating": {"rating": "OBP", "source": "OBP"},
        "credit_limit": {"currency": "EUR", "amount": "0"},
        "highest_education_attained": "Master",
        "employment_status": "worker",
        "kyc_status": False,
        "last_ok_date": "2023-01-01T00:00:00Z",
        "title": "Dr.",
        "branch_id": "DERBY6",
        "name_suffix": "Sr",
    }
    body.update(overrides)
    return body


@dataclass
class World:
    api: Api
    admin: AuthedApi
    bank_a: str
    bank_b: str
    staff: dict  # bank_id -> session holding STAFF_ROLES there
    nobody: AuthedApi  # a user with no role and no customer
    _desks: dict = field(default_factory=dict)

    def desk(self, bank_id: str, name: str) -> AuthedApi:
        """A session holding the roles of one area (DESKS) at the bank, made once per module."""
        if (bank_id, name) not in self._desks:
            self._desks[bank_id, name] = _session(self.api, [(role, bank_id) for role in DESKS[name]])
        return self._desks[bank_id, name]

    def new_customer(self, bank_id: str | None = None, **overrides) -> dict:
        """A customer made through createCustomer v5.0.0 by the bank's staff; its JSON."""
        bank_id = bank_id or self.bank_a
        r = self.staff[bank_id].post(f"/obp/v5.0.0/banks/{bank_id}/customers", v5_body(**overrides))
        assert r.status == 201, r.body
        return r.body

    def new_user(self, *roles) -> AuthedApi:
        """A logged-in new user holding `roles` (name, or (name, bank_id)), granted at creation."""
        return _session(self.api, roles)

    def linked_user(self, bank_id: str, customer_id: str) -> AuthedApi:
        """A new user without roles, linked to the customer by the bank's staff."""
        session = self.new_user()
        r = self.staff[bank_id].post(f"/obp/v4.0.0/banks/{bank_id}/user_customer_links",
                                     {"user_id": session.user_id, "customer_id": customer_id})
        assert r.status == 201, r.body
        return session


@pytest.fixture(scope="module")
def world():
    from chalice.test import Client

    from app import app
    from scripts.bootstrap import bootstrap

    with fresh_aws(), Client(app) as client:
        api = Api(client)
        creds = bootstrap(username="admin", password="Admin-Passw0rd!", email="admin@example.com",
                          consumer_key="testconsumerkey")
        admin = api.login(creds.username, creds.password, creds.consumer_key)
        bank_a, bank_b = admin.create_bank(f"bank-a-{uuid.uuid4().hex[:6]}"), admin.create_bank(f"bank-b-{uuid.uuid4().hex[:6]}")
        staff = {bank: _session(api, [(role, bank) for role in STAFF_ROLES]) for bank in (bank_a, bank_b)}
        yield World(api=api, admin=admin, bank_a=bank_a, bank_b=bank_b, staff=staff, nobody=_session(api, []))


def _session(api: Api, roles) -> AuthedApi:
    """Create the user with its roles in one write (the service createUser uses), then log in over
    HTTP: granting role by role through the API would cost a request each."""
    from chalicelib.services import users

    username = f"user-{uuid.uuid4().hex[:10]}"
    grants = [(role, "") if isinstance(role, str) else role for role in roles]
    users.create_user(users.NewUser(username=username, password=STRONG_PASSWORD, email=f"{username}@example.com"),
                      initial_roles=grants)
    return api.login(username, STRONG_PASSWORD, "testconsumerkey")
