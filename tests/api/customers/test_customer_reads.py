"""Reading customers (by id, by number, the caller's own, a bank's list) and linking users to
customers: shapes, paging, errors, and who may see what."""
from __future__ import annotations


from botocore.exceptions import ClientError
from pynamodb.exceptions import TransactWriteError

from chalicelib.store import customers as store

CUSTOMER_NOT_FOUND = "OBP-30046: Customer not found. Please specify a valid value for CUSTOMER_ID.. Current CustomerId({})"
NO_LINK = "OBP-30008: User Customer Link not found by USER_ID"
V310_KEYS = [
    "bank_id", "customer_id", "customer_number", "legal_name", "mobile_phone_number", "email", "face_image",
    "date_of_birth", "relationship_status", "dependants", "dob_of_dependants", "credit_rating", "credit_limit",
    "highest_education_attained", "employment_status", "kyc_status", "last_ok_date", "title", "branch_id",
    "name_suffix",
]


def add_attribute(world, bank, customer_id, name="SPECIAL_TAX_NUMBER", value="123456789") -> dict:
    r = world.staff[bank].post(f"/obp/v4.0.0/banks/{bank}/customers/{customer_id}/attribute",
                               {"name": name, "type": "STRING", "value": value})
    assert r.status == 201, r.body
    return r.body


# --- by id ---------------------------------------------------------------------------------------

def test_get_customer_by_id_with_its_attributes(world):
    bank = world.bank_a
    customer = world.new_customer(bank)
    attribute = add_attribute(world, bank, customer["customer_id"])
    for version in ("3.1.0", "4.0.0", "5.1.0"):
        r = world.staff[bank].get(f"/obp/v{version}/banks/{bank}/customers/{customer['customer_id']}")
        assert r.status == 200, r.body
        assert list(r.body) == V310_KEYS + ["customer_attributes"]
        assert {k: r.body[k] for k in V310_KEYS} == customer
        assert r.body["customer_attributes"] == [attribute]


def test_get_customer_by_id_for_callers_without_the_role_and_across_banks(world):
    a, b = world.bank_a, world.bank_b
    mine, other, foreign = world.new_customer(a), world.new_customer(a), world.new_customer(b)
    owner = world.linked_user(a, mine["customer_id"])

    assert owner.get(f"/obp/v3.1.0/banks/{a}/customers/{mine['customer_id']}").body["customer_id"] == mine["customer_id"]
    r = owner.get(f"/obp/v3.1.0/banks/{a}/customers/{other['customer_id']}")
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanGetCustomer at Bank({a})")
    r = world.nobody.get(f"/obp/v3.1.0/banks/{a}/customers/no-such-customer")  # same answer: nothing to learn
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanGetCustomer at Bank({a})")
    # Bank A's staff asking for bank B's customer through bank A's path: not found, never returned.
    r = world.staff[a].get(f"/obp/v3.1.0/banks/{a}/customers/{foreign['customer_id']}")
    assert (r.status, r.message) == (404, CUSTOMER_NOT_FOUND.format(foreign["customer_id"]))
    # ...and through bank B's path it lacks the role there.
    r = world.staff[a].get(f"/obp/v3.1.0/banks/{b}/customers/{foreign['customer_id']}")
    assert (r.status, r.code) == (403, "OBP-20006")
    r = world.staff[a].get(f"/obp/v3.1.0/banks/{a}/customers/no-such-customer")
    assert (r.status, r.message) == (404, CUSTOMER_NOT_FOUND.format("no-such-customer"))
    r = world.api.get(f"/obp/v3.1.0/banks/{a}/customers/{mine['customer_id']}")
    assert (r.status, r.code) == (401, "OBP-20001")
    r = world.staff[a].get(f"/obp/v3.1.0/banks/nowhere/customers/{mine['customer_id']}")
    assert (r.status, r.code) == (404, "OBP-30001")


# --- by number -----------------------------------------------------------------------------------

def test_get_customer_by_number(world):
    a, b = world.bank_a, world.bank_b
    customer = world.new_customer(a)
    foreign = world.new_customer(b)
    attribute = add_attribute(world, a, customer["customer_id"])
    path = f"/obp/v3.1.0/banks/{a}/customers/customer-number"

    r = world.staff[a].post(path, {"customer_number": customer["customer_number"]})
    assert r.status == 200, r.body
    assert r.body == {**customer, "customer_attributes": [attribute]}
    r = world.staff[a].post(path, {"customer_number": "no-such-number"})
    assert (r.status, r.message) == (404, "OBP-30002: Customer not found. Please specify a valid value for CUSTOMER_NUMBER.")
    r = world.staff[a].post(path, {"customer_number": foreign["customer_number"]})
    assert (r.status, r.code) == (404, "OBP-30002")
    r = world.staff[a].post(path, {"customer_number": 5987953})  # lift-json reads the number as its digits
    assert (r.status, r.code) == (404, "OBP-30002")
    r = world.staff[a].post(path, {"customer_number": None})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostCustomerNumberJsonV310")

    owner = world.linked_user(a, customer["customer_id"])
    assert owner.post(path, {"customer_number": customer["customer_number"]}).status == 200
    r = world.nobody.post(path, {"customer_number": customer["customer_number"]})
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanGetCustomer at Bank({a})")
    assert world.api.post(path, {"customer_number": "x"}).status == 401


# --- the caller's own ----------------------------------------------------------------------------

def test_get_customer_for_the_logged_in_user(world):
    a, b = world.bank_a, world.bank_b
    customer = world.new_customer(a)
    owner = world.linked_user(a, customer["customer_id"])
    for version in ("1.4.0", "2.0.0", "5.1.0"):
        r = owner.get(f"/obp/v{version}/banks/{a}/customer")
        assert r.status == 200, r.body
        assert r.body == {k: v for k, v in customer.items()
                          if k not in ("bank_id", "credit_rating", "credit_limit", "title", "branch_id", "name_suffix")}
    r = owner.get(f"/obp/v1.4.0/banks/{b}/customer")
    assert (r.status, r.message) == (400, NO_LINK)
    r = world.nobody.get(f"/obp/v2.0.0/banks/{a}/customer")
    assert (r.status, r.message) == (400, NO_LINK)
    assert world.api.get(f"/obp/v2.0.0/banks/{a}/customer").status == 401


def test_get_customers_for_the_current_user_across_banks_paged(world):
    a, b = world.bank_a, world.bank_b
    at_a, at_b = world.new_customer(a), world.new_customer(b)
    attribute = add_attribute(world, b, at_b["customer_id"])
    owner = world.linked_user(a, at_a["customer_id"])
    world.staff[b].post(f"/obp/v4.0.0/banks/{b}/user_customer_links", {"user_id": owner.user_id, "customer_id": at_b["customer_id"]})

    r = owner.get("/obp/v3.0.0/users/current/customers")
    assert r.status == 200, r.body
    by_id = {c["customer_id"]: c for c in r.body["customers"]}
    assert set(by_id) == {at_a["customer_id"], at_b["customer_id"]}
    assert by_id[at_b["customer_id"]]["customer_attributes"] == [attribute]
    assert by_id[at_a["customer_id"]]["date_of_birth"] == "1100-01-01"  # CustomerJsonV300: yyyy-MM-dd
    assert by_id[at_a["customer_id"]]["dob_of_dependants"] == ["1100-01-01"]
    first = owner.get("/obp/v5.1.0/users/current/customers?limit=1").body["customers"]
    second = owner.get("/obp/v5.1.0/users/current/customers?limit=1&offset=1").body["customers"]
    assert len(first) == len(second) == 1 and first[0]["customer_id"] != second[0]["customer_id"]
    assert world.nobody.get("/obp/v3.0.0/users/current/customers").body == {"customers": []}
    assert world.api.get("/obp/v3.0.0/users/current/customers").status == 401


# --- a bank's customers --------------------------------------------------------------------------

def test_customers_at_a_bank_are_paged_with_limit_and_offset(world):
    a, b = world.bank_a, world.bank_b
    world.new_customer(b)
    made = [world.new_customer(a)["customer_id"] for _ in range(3)]
    staff = world.staff[a]
    everything = [c["customer_id"] for c in staff.get(f"/obp/v5.0.0/banks/{a}/customers?limit=1000").body["customers"]]
    assert everything[-3:] == made  # oldest first
    assert all(store.get_customer(cid).bank_id == a for cid in everything)

    page = staff.get(f"/obp/v5.0.0/banks/{a}/customers?limit=2&offset={len(everything) - 3}").body["customers"]
    assert [c["customer_id"] for c in page] == made[:2]
    page = staff.get(f"/obp/v5.1.0/banks/{a}/customers?obp_limit=1&sort_direction=desc").body["customers"]
    assert [c["customer_id"] for c in page] == made[-1:]
    assert len(staff.get(f"/obp/v5.0.0/banks/{a}/customers").body["customers"]) == min(len(everything), 50)

    r = staff.get(f"/obp/v5.0.0/banks/{a}/customers?limit=0")
    assert (r.status, r.message) == (400, "OBP-10016: Incorrect filter Parameters in URL.  <- OBP-10025: wrong value for obp_limit parameter. Please send a positive integer (=>1)!")
    r = staff.get(f"/obp/v5.0.0/banks/{a}/customers?offset=-1")
    assert (r.status, r.message) == (400, "OBP-10016: Incorrect filter Parameters in URL.  <- OBP-10024: wrong value for obp_offset parameter. Please send a positive integer (=>0)!")
    r = staff.get(f"/obp/v5.0.0/banks/{a}/customers?sort_direction=UP")
    assert (r.status, r.message) == (400, "OBP-10016: Incorrect filter Parameters in URL.  <- OBP-10023: obp_sort_direction parameter can only take two values: DESC or ASC!")


def test_customers_at_a_bank_without_the_role_are_the_callers_own(world):
    a = world.bank_a
    mine = world.new_customer(a)
    owner = world.linked_user(a, mine["customer_id"])
    r = owner.get(f"/obp/v5.0.0/banks/{a}/customers")
    assert r.status == 200 and [c["customer_id"] for c in r.body["customers"]] == [mine["customer_id"]]
    r = world.nobody.get(f"/obp/v5.0.0/banks/{a}/customers")
    assert (r.status, r.message) == (400, NO_LINK)
    # Bank B's staff hold the list role at bank B only: at bank A they are like anyone else.
    r = world.staff[world.bank_b].get(f"/obp/v5.0.0/banks/{a}/customers")
    assert (r.status, r.message) == (400, NO_LINK)
    anywhere = world.new_user("CanGetCustomersAtAnyBank")
    listed = anywhere.get(f"/obp/v5.0.0/banks/{a}/customers?limit=1000").body["customers"]
    assert mine["customer_id"] in [c["customer_id"] for c in listed] and {c["bank_id"] for c in listed} == {a}
    assert world.staff[a].get("/obp/v5.0.0/banks/nowhere/customers").status == 404
    assert world.api.get(f"/obp/v5.0.0/banks/{a}/customers").status == 401


# --- user-customer links -------------------------------------------------------------------------

def test_create_user_customer_link_v200_and_v400(world):
    a = world.bank_a
    for version, status in (("2.0.0", 200), ("4.0.0", 201), ("5.1.0", 201)):
        customer, user = world.new_customer(a), world.new_user()
        r = world.staff[a].post(f"/obp/v{version}/banks/{a}/user_customer_links",
                                {"user_id": user.user_id, "customer_id": customer["customer_id"]})
        assert r.status == status, r.body
        assert r.body == {"user_customer_link_id": r.body["user_customer_link_id"], "customer_id": customer["customer_id"],
                          "user_id": user.user_id, "date_inserted": r.body["date_inserted"], "is_active": True}
        stored = store.get_user_customer_link(user.user_id, a, customer["customer_id"])
        assert stored.user_customer_link_id == r.body["user_customer_link_id"]
        assert user.get(f"/obp/v2.0.0/banks/{a}/customer").body["customer_id"] == customer["customer_id"]


def test_create_user_customer_link_errors(world):
    a, b = world.bank_a, world.bank_b
    customer, foreign, user = world.new_customer(a), world.new_customer(b), world.new_user()
    body = {"user_id": user.user_id, "customer_id": customer["customer_id"]}
    path = f"/obp/v4.0.0/banks/{a}/user_customer_links"
    staff = world.staff[a]

    for version in ("2.0.0", "4.0.0"):  # OBP's v2.0.0 checks nobody; ours does
        r = world.api.post(f"/obp/v{version}/banks/{a}/user_customer_links", body)
        assert (r.status, r.code) == (401, "OBP-20001")
        r = world.nobody.post(f"/obp/v{version}/banks/{a}/user_customer_links", body)
        assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanCreateUserCustomerLinkAtAnyBank or CanCreateUserCustomerLink for BankId({a}).")
    assert (staff.post("/obp/v4.0.0/banks/bad*id/user_customer_links", body).code) == "OBP-30111"
    assert (staff.post("/obp/v4.0.0/banks/nowhere/user_customer_links", body).status) == 404
    r = staff.post(path, {"user_id": user.user_id})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the CreateUserCustomerLinkJson")
    r = staff.post(path, {**body, "user_id": "no-such-user"})
    assert (r.status, r.message) == (404, "OBP-20057: User not found by userId. Current UserId(no-such-user)")
    r = staff.post(path, {**body, "customer_id": ""})
    assert (r.status, r.code) == (400, "OBP-10001")
    r = staff.post(path, {**body, "customer_id": "no-such-customer"})
    assert (r.status, r.message) == (404, CUSTOMER_NOT_FOUND.format("no-such-customer"))
    r = staff.post(path, {**body, "customer_id": foreign["customer_id"]})  # another bank's customer
    assert (r.status, r.message) == (404, CUSTOMER_NOT_FOUND.format(foreign["customer_id"]))
    assert store.list_user_customer_links(user.user_id, limit=10) == []

    assert staff.post(path, body).status == 201
    r = staff.post(path, body)
    assert (r.status, r.message) == (400, "OBP-30007: The User is already linked to a Customer at the bank specified by BANK_ID")
    anywhere = world.new_user("CanCreateUserCustomerLinkAtAnyBank")
    r = anywhere.post(f"/obp/v4.0.0/banks/{b}/user_customer_links", {"user_id": user.user_id, "customer_id": foreign["customer_id"]})
    assert r.status == 201, r.body


def test_a_link_write_that_loses_a_race_is_obp_30025(world, monkeypatch):
    a = world.bank_a
    customer, user = world.new_customer(a), world.new_user()

    monkeypatch.setattr(store, "transaction", _ConflictingTransaction)
    r = world.staff[a].post(f"/obp/v4.0.0/banks/{a}/user_customer_links", {"user_id": user.user_id, "customer_id": customer["customer_id"]})
    assert (r.status, r.message) == (400, "OBP-30025: Could not create user_customer_links ")
    monkeypatch.undo()
    assert store.get_user_customer_link(user.user_id, a, customer["customer_id"]) is None


class _ConflictingTransaction:
    """A transaction that writes nothing and is cancelled by a concurrent one on commit."""

    _condition_check_items = _delete_items = _put_items = _update_items = ()

    def save(self, *args, **kwargs):
        pass

    update = delete = condition_check = save

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        cause = ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                             "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}]},
                            "TransactWriteItems")
        raise TransactWriteError("Failed to write transaction items", cause=cause)
