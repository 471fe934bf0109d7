"""createCustomer in its five OBP forms: bodies, roles, check order, statuses, texts, the
customer-number and one-customer-per-user guards (also under concurrent creates)."""
from __future__ import annotations

import threading
import uuid

import pytest

from chalicelib.errors import ApiError
from chalicelib.services import customers
from chalicelib.services.access import Caller, Grant
from chalicelib.store import customers as store
from chalicelib.store import users as user_store
from tests.api.customers.conftest import v5_body
from tests.support import serialized_aws_calls

BAD_BANK = "OBP-30111: Invalid Bank Id. The BANK_ID should only contain 0-9/a-z/A-Z/'-'/'.'/'_', the length should be smaller than 255."
NUMBER_TAKEN = "OBP-30006: Customer Number already exists. Please specify a different value for BANK_ID or CUSTOMER_NUMBER."
ALREADY_LINKED = "OBP-30007: The User is already linked to a Customer at the bank specified by BANK_ID"
NOT_LOGGED_IN = "OBP-20001: User not logged in. Authentication is required!"


def seed_v200_body(user_id: str, customer_number: str) -> dict:
    """The v2.0.0 body of seed 000 (its field list, with the seed's example values)."""
    return {
        "branchId": "branchId", "customer_number": customer_number,
        "face_image": {"url": "http://www.example.com/id-docs/123/image.png", "date": "2020-01-27"},
        "date_of_birth": "2018-03-09", "dependants": 1, "dob_of_dependants": ["2019-09-08", "2017-07-12"],
        "email": "felixsmith@example.com", "employment_status": "worker", "highest_education_attained": "Master",
        "kyc_status": False, "last_ok_date": "2024-02-12T21:00:30.010Z", "legal_name": "Eveline Tripman",
        "mobile_phone_number": "+49 30 901820", "nameSuffix": "nameSuffix", "relationship_status": "single",
        "title": "Dr.", "user_id": user_id,
    }


def v310_body(**overrides) -> dict:
    body = v5_body(**overrides)
    body.pop("customer_number")
    return body


def customer_count(world, bank_id: str) -> int:
    r = world.staff[bank_id].get(f"/obp/v5.0.0/banks/{bank_id}/customers?limit=1000")
    assert r.status == 200, r.body
    return len(r.body["customers"])


# --- v2.0.0 --------------------------------------------------------------------------------------

def test_v200_creates_the_customer_and_links_the_user_with_the_seed_body(world):
    bank = world.bank_a
    user = world.new_user()
    number = f"5987953-{uuid.uuid4().hex[:6]}"
    r = world.staff[bank].post(f"/obp/v2.0.0/banks/{bank}/customers", seed_v200_body(user.user_id, number))
    assert r.status == 201, r.body
    assert r.body == {
        "customer_id": r.body["customer_id"], "customer_number": number, "legal_name": "Eveline Tripman",
        "mobile_phone_number": "+49 30 901820", "email": "felixsmith@example.com",
        "face_image": {"url": "http://www.example.com/id-docs/123/image.png", "date": "2020-01-27T00:00:00Z"},
        "date_of_birth": "2018-03-09T00:00:00Z", "relationship_status": "single", "dependants": 1,
        "dob_of_dependants": ["2019-09-08T00:00:00Z", "2017-07-12T00:00:00Z"], "highest_education_attained": "Master",
        "employment_status": "worker", "kyc_status": False, "last_ok_date": "2024-02-12T21:00:30Z",
    }
    stored = store.get_customer(r.body["customer_id"])
    assert (stored.bank_id, stored.customer_number, stored.title, stored.name_suffix) == (bank, number, "Dr.", "nameSuffix")
    link = store.list_user_customer_links(user.user_id, bank, limit=10)
    assert [link.customer_id for link in link] == [r.body["customer_id"]]
    mine = user.get(f"/obp/v2.0.0/banks/{bank}/customer")
    assert (mine.status, mine.body["customer_id"]) == (200, r.body["customer_id"])


def test_v200_with_an_empty_user_id_links_the_caller(world):
    bank = world.bank_b
    creator = world.new_user(("CanCreateCustomer", bank), ("CanCreateUserCustomerLink", bank))
    r = creator.post(f"/obp/v2.0.0/banks/{bank}/customers", seed_v200_body("", f"N{uuid.uuid4().hex[:8]}"))
    assert r.status == 201, r.body
    assert store.get_user_customer_link(creator.user_id, bank, r.body["customer_id"]) is not None


def test_v200_errors_come_in_obp_order_and_change_nothing(world):
    bank = world.bank_a
    staff = world.staff[bank]
    user = world.new_user()
    number = f"N{uuid.uuid4().hex[:8]}"
    body = seed_v200_body(user.user_id, number)
    before = customer_count(world, bank)

    r = world.api.post(f"/obp/v2.0.0/banks/{bank}/customers", body)
    assert (r.status, r.message) == (401, NOT_LOGGED_IN)
    r = staff.post("/obp/v2.0.0/banks/bad*bank/customers", body)
    assert (r.status, r.message) == (400, BAD_BANK)
    r = staff.post("/obp/v2.0.0/banks/no-such-bank/customers", body)
    assert (r.status, r.message) == (404, "OBP-30001: Bank not found. Please specify a valid value for BANK_ID. Current BankId is no-such-bank")
    # The body is read before the roles in v2.0.0: a bad body is 400 even without the roles.
    r = world.nobody.post(f"/obp/v2.0.0/banks/{bank}/customers", {**body, "face_image": None})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the CreateCustomerJson")
    only_one_role = world.new_user(("CanCreateCustomer", bank))
    r = only_one_role.post(f"/obp/v2.0.0/banks/{bank}/customers", body)
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanCreateCustomer and CanCreateUserCustomerLink entitlements are required for BankId({bank}).")
    r = staff.post(f"/obp/v2.0.0/banks/{bank}/customers", {**body, "user_id": "no-such-user"})
    assert (r.status, r.message) == (404, "OBP-20005: User not found. Please specify a valid value for USER_ID. Current USER_ID(no-such-user)")
    r = staff.post(f"/obp/v2.0.0/banks/{bank}/customers", {**body, "customer_number": "a::::b"})
    assert (r.status, r.message) == (400, "OBP-10001: Incorrect json format. customer_number can not contain `::::` characters")
    r = staff.post(f"/obp/v2.0.0/banks/{bank}/customers", {**body, "dependants": "1"})
    assert (r.status, r.code) == (400, "OBP-10001")
    r = staff.post(f"/obp/v2.0.0/banks/{bank}/customers", {**body, "date_of_birth": "09/03/2018"})
    assert (r.status, r.code) == (400, "OBP-10001")
    assert customer_count(world, bank) == before
    assert store.customer_id_by_number(bank, number) is None
    assert store.list_user_customer_links(user.user_id, bank, limit=10) == []

    assert staff.post(f"/obp/v2.0.0/banks/{bank}/customers", body).status == 201
    r = staff.post(f"/obp/v2.0.0/banks/{bank}/customers", {**seed_v200_body(world.new_user().user_id, number)})
    assert (r.status, r.message) == (400, NUMBER_TAKEN)
    r = staff.post(f"/obp/v2.0.0/banks/{bank}/customers", seed_v200_body(user.user_id, f"N{uuid.uuid4().hex[:8]}"))
    assert (r.status, r.message) == (400, ALREADY_LINKED)
    assert customer_count(world, bank) == before + 1


def test_a_user_linked_by_create_user_customer_links_cannot_get_a_second_customer_from_v200(world):
    bank = world.bank_a
    existing = world.new_customer(bank)
    user = world.linked_user(bank, existing["customer_id"])
    r = world.staff[bank].post(f"/obp/v2.0.0/banks/{bank}/customers", seed_v200_body(user.user_id, f"N{uuid.uuid4().hex[:8]}"))
    assert (r.status, r.message) == (400, ALREADY_LINKED)


# --- v2.1.0 --------------------------------------------------------------------------------------

def test_v210_accepts_the_any_bank_roles_and_renders_customer_json_v210(world):
    bank = world.bank_b
    anywhere = world.new_user("CanCreateCustomerAtAnyBank", "CanCreateUserCustomerLinkAtAnyBank")
    user = world.new_user()
    body = v5_body(user_id=user.user_id)
    for key in ("title", "branch_id", "name_suffix"):
        body.pop(key)
    r = anywhere.post(f"/obp/v2.1.0/banks/{bank}/customers", body)
    assert r.status == 201, r.body
    assert list(r.body) == [
        "bank_id", "customer_id", "customer_number", "legal_name", "mobile_phone_number", "email", "face_image",
        "date_of_birth", "relationship_status", "dependants", "dob_of_dependants", "credit_rating", "credit_limit",
        "highest_education_attained", "employment_status", "kyc_status", "last_ok_date",
    ]
    assert (r.body["bank_id"], r.body["customer_number"]) == (bank, body["customer_number"])
    assert (r.body["credit_rating"], r.body["credit_limit"]) == ({"rating": "OBP", "source": "OBP"}, {"currency": "EUR", "amount": "0"})
    assert store.get_user_customer_link(user.user_id, bank, r.body["customer_id"]) is not None

    r = world.new_user(("CanCreateCustomer", bank)).post(f"/obp/v2.1.0/banks/{bank}/customers", body)
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanCreateCustomer and CanCreateUserCustomerLink OR CanCreateCustomerAtAnyBank and CanCreateUserCustomerLinkAtAnyBank")
    r = anywhere.post(f"/obp/v2.1.0/banks/{bank}/customers", {k: v for k, v in body.items() if k != "credit_limit"})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostCustomerJsonV210")


# --- v3.1.0 and v4.0.0 ---------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["3.1.0", "4.0.0"])
def test_v310_and_v400_generate_the_number_and_link_nobody(world, version):
    bank = world.bank_a
    staff = world.staff[bank]
    r = staff.post(f"/obp/v{version}/banks/{bank}/customers", {**v310_body(), "customer_number": "ignored"})
    assert r.status == 201, r.body
    assert list(r.body)[-3:] == ["title", "branch_id", "name_suffix"]
    assert r.body["customer_number"].isdigit()
    assert (r.body["title"], r.body["branch_id"], r.body["name_suffix"]) == ("Dr.", "DERBY6", "Sr")
    assert store.customer_id_by_number(bank, r.body["customer_number"]) == r.body["customer_id"]
    assert store.list_user_customer_links(staff.user_id, bank, limit=10) == []


def test_the_bank_is_checked_before_roles_under_every_version(world):
    # OBP's v3.1.0 code checks roles first; every endpoint here checks BANK_ID first (issue 2),
    # which only changes the answer for a caller without the role at a bank that does not exist.
    for version in ("3.1.0", "4.0.0"):
        r = world.nobody.post(f"/obp/v{version}/banks/no-such-bank/customers", v310_body())
        assert (r.status, r.code) == (404, "OBP-30001")
    r = world.nobody.post(f"/obp/v4.0.0/banks/{world.bank_a}/customers", v310_body())
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanCreateCustomer or CanCreateCustomerAtAnyBank for BankId({world.bank_a}).")


def test_v310_requires_every_field_and_matching_dependants(world):
    bank = world.bank_a
    staff = world.staff[bank]
    before = customer_count(world, bank)
    r = staff.post(f"/obp/v4.0.0/banks/{bank}/customers", {k: v for k, v in v310_body().items() if k != "credit_rating"})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostCustomerJsonV310")
    r = staff.post(f"/obp/v3.1.0/banks/{bank}/customers", v310_body(dependants=2))
    assert (r.status, r.message) == (400, "OBP-10020: Incorrect json. The field dependants(2) not equal the length(1) of dob_of_dependants array")
    r = staff.post(f"/obp/v4.0.0/banks/{bank}/customers", raw=b"{not json")
    assert (r.status, r.code) == (400, "OBP-10001")
    assert customer_count(world, bank) == before


def test_v400_rejects_malformed_ids_in_the_body(world):
    bank = world.bank_a
    r = world.staff[bank].post(f"/obp/v4.0.0/banks/{bank}/customers", v310_body(branch_id="no spaces allowed"))
    assert (r.status, r.message) == (400, "OBP-10001: Incorrect json format. Here are all invalid values: List((branch_id,no spaces allowed))")


# --- v5.0.0 (and v5.1.0, which serves it) --------------------------------------------------------

@pytest.mark.parametrize("version", ["5.0.0", "5.1.0"])
def test_v500_needs_only_name_and_phone_and_fills_obp_defaults(world, version):
    bank = world.bank_b
    r = world.staff[bank].post(f"/obp/v{version}/banks/{bank}/customers", {"legal_name": "Min Imal", "mobile_phone_number": "+1 555"})
    assert r.status == 201, r.body
    assert r.body == {
        "bank_id": bank, "customer_id": r.body["customer_id"], "customer_number": r.body["customer_number"],
        "legal_name": "Min Imal", "mobile_phone_number": "+1 555", "email": "", "face_image": {"url": "", "date": None},
        "date_of_birth": None, "relationship_status": "", "dependants": 0, "dob_of_dependants": [],
        "highest_education_attained": "", "employment_status": "", "kyc_status": False, "last_ok_date": None,
        "title": "", "branch_id": "", "name_suffix": "",
    }
    assert r.body["customer_number"].isdigit()


def test_v500_takes_the_client_number_unique_per_bank(world):
    number = f"N{uuid.uuid4().hex[:8]}"
    first = world.new_customer(world.bank_a, customer_number=number)
    assert first["customer_number"] == number
    r = world.staff[world.bank_a].post(f"/obp/v5.0.0/banks/{world.bank_a}/customers", v5_body(customer_number=number))
    assert (r.status, r.message) == (400, NUMBER_TAKEN)
    other_bank = world.new_customer(world.bank_b, customer_number=number)  # another bank may use it
    assert other_bank["customer_number"] == number
    r = world.staff[world.bank_a].post(f"/obp/v5.0.0/banks/{world.bank_a}/customers", v5_body(customer_number="x::::y"))
    assert (r.status, r.code) == (400, "OBP-10001")
    r = world.staff[world.bank_a].post(f"/obp/v5.0.0/banks/{world.bank_a}/customers", {"legal_name": "No Phone"})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostCustomerJsonV500")
    r = world.nobody.post(f"/obp/v5.0.0/banks/{world.bank_a}/customers", v5_body())
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanCreateCustomer or CanCreateCustomerAtAnyBank for BankId({world.bank_a}).")
    r = world.staff[world.bank_a].post(f"/obp/v5.0.0/banks/{world.bank_b}/customers", v5_body())  # its role is at bank A
    assert (r.status, r.code) == (403, "OBP-20006")
    anywhere = world.new_user("CanCreateCustomerAtAnyBank")
    assert anywhere.post(f"/obp/v5.0.0/banks/{world.bank_b}/customers", v5_body()).status == 201


# --- the guards themselves, and under concurrency ------------------------------------------------

def test_the_transaction_guard_alone_rejects_a_taken_number(world):
    """No pre-check here: the guard item in the transaction is what refuses the second number."""
    def record(bank_id, number):
        return store.new_customer_record(customer_id=str(uuid.uuid4()), bank_id=bank_id, customer_number=number,
                                         legal_name="G", mobile_phone_number="+0")
    number = f"G{uuid.uuid4().hex[:8]}"
    store.create_customer(record(world.bank_a, number))
    with pytest.raises(ApiError) as err:
        store.create_customer(record(world.bank_a, number))
    assert err.value.code == "OBP-30006"
    store.create_customer(record(world.bank_b, number))


def _caller(world, session, *grants) -> Caller:
    return Caller(user=user_store.get_user(session.user_id), grants=[Grant(role, bank) for role, bank in grants])


def _race(count: int, attempt) -> list:
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(i):
        barrier.wait()
        try:
            outcomes[i] = attempt(i).customer_id
        except ApiError as err:
            outcomes[i] = err.code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    with serialized_aws_calls():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return outcomes


def test_concurrent_creates_with_one_number_make_exactly_one_customer(world):
    bank = world.bank_a
    staff = _caller(world, world.staff[bank], ("CanCreateCustomer", bank), ("CanCreateUserCustomerLink", bank))
    users = [world.new_user().user_id for _ in range(6)]
    number = f"R{uuid.uuid4().hex[:8]}"
    outcomes = _race(6, lambda i: customers.create_customer_v200(
        staff, bank, customers.CustomerFields("Racer", "+0"), number, users[i]))
    winners = [o for o in outcomes if not str(o).startswith("OBP-")]
    assert len(winners) == 1 and sorted(o for o in outcomes if o not in winners) == ["OBP-30006"] * 5
    assert store.customer_id_by_number(bank, number) == winners[0]


def test_concurrent_creates_for_one_user_link_exactly_one_customer(world):
    bank = world.bank_b
    staff = _caller(world, world.staff[bank], ("CanCreateCustomer", bank), ("CanCreateUserCustomerLink", bank))
    user_id = world.new_user().user_id
    outcomes = _race(6, lambda i: customers.create_customer_v200(
        staff, bank, customers.CustomerFields("Racer", "+0"), f"R{uuid.uuid4().hex[:10]}", user_id))
    winners = [o for o in outcomes if not str(o).startswith("OBP-")]
    assert len(winners) == 1 and sorted(o for o in outcomes if o not in winners) == ["OBP-30007"] * 5
    assert [link.customer_id for link in store.list_user_customer_links(user_id, bank, limit=10)] == winners
