"""The customer overview (and its flat form) with attributes and linked accounts, its fixed cost
in DynamoDB round trips, and the phone search with SQL LIKE patterns."""
from __future__ import annotations

import random
import uuid
from decimal import Decimal

from chalicelib.store import customer_data as data_store
from chalicelib.store import customers as store
from chalicelib.store.base import transaction

OVERVIEW_KEYS = [
    "bank_id", "customer_id", "customer_number", "legal_name", "mobile_phone_number", "email", "face_image",
    "date_of_birth", "relationship_status", "dependants", "dob_of_dependants", "credit_rating", "credit_limit",
    "highest_education_attained", "employment_status", "kyc_status", "last_ok_date", "title", "branch_id",
    "name_suffix", "customer_attributes", "accounts",
]
FLAT_KEYS = [
    "bank_id", "customer_id", "customer_number", "legal_name", "mobile_phone_number", "email", "date_of_birth",
    "title", "branch_id", "name_suffix", "customer_attributes", "accounts",
]


def link_account(customer: dict, account_id: str, balance: str = "0") -> None:
    """What the accounts capability writes when it links an account to a customer."""
    link = store.new_account_link(
        customer["customer_id"], customer["bank_id"], account_id, label="My Account", product_code="787LOW",
        balance_currency="EUR", balance_amount=Decimal(balance), branch_id="DERBY6",
        account_routings=[store.AccountRouting(scheme="AccountNumber", address="4930396")],
        account_attributes=[store.AccountAttributeView(
            account_attribute_id="613c83ea-80f9-4560-8404-b9cd4ec42a7f", name="OVERDRAFT_START_DATE",
            attribute_type="DATE_WITH_DAY", value="2012-04-23", product_code="1234BW", contract_code="LKJL98769F")],
        contracts=[{"product_code": "787LOW", "contract_code": "LKJL98769F", "payment_method": "cache"}],
    )
    with transaction() as tx:
        store.stage_account_link(tx, link)


def add_attribute(world, customer, name, value) -> dict:
    bank = customer["bank_id"]
    r = world.staff[bank].post(f"/obp/v4.0.0/banks/{bank}/customers/{customer['customer_id']}/attribute",
                               {"name": name, "type": "STRING", "value": value})
    assert r.status == 201, r.body
    return r.body


EXPECTED_ACCOUNT = {
    "account_id": "acc-1", "label": "My Account", "product_code": "787LOW",
    "balance": {"currency": "EUR", "amount": "10.12"}, "branch_id": "DERBY6",
    "contracts": [{"product_code": "787LOW", "contract_code": "LKJL98769F", "payment_method": "cache"}],
    "account_routings": [{"scheme": "AccountNumber", "address": "4930396"}],
    "account_attributes": [{
        "contract_code": "LKJL98769F", "product_code": "1234BW", "account_attribute_id": "613c83ea-80f9-4560-8404-b9cd4ec42a7f",
        "name": "OVERDRAFT_START_DATE", "type": "DATE_WITH_DAY", "value": "2012-04-23",
    }],
}


def test_overview_and_flat_overview_show_attributes_and_linked_accounts(world):
    bank = world.bank_a
    customer = world.new_customer(bank)
    attribute = add_attribute(world, customer, "SPECIAL_TAX_NUMBER", "123456789")
    link_account(customer, "acc-1", "10.12")
    body = {"customer_number": customer["customer_number"]}

    for version in ("5.0.0", "5.1.0"):
        r = world.staff[bank].post(f"/obp/v{version}/banks/{bank}/customers/customer-number-query/overview", body)
        assert r.status == 200, r.body
        assert list(r.body) == OVERVIEW_KEYS
        assert {k: r.body[k] for k in customer} == customer
        assert r.body["customer_attributes"] == [attribute]
        assert r.body["accounts"] == [EXPECTED_ACCOUNT]

    r = world.staff[bank].post(f"/obp/v5.0.0/banks/{bank}/customers/customer-number-query/overview-flat", body)
    assert r.status == 200, r.body
    assert r.body == {
        **{k: customer[k] for k in FLAT_KEYS if k in customer},
        "customer_attributes": [attribute], "accounts": [EXPECTED_ACCOUNT],
    }
    assert list(r.body) == FLAT_KEYS
    r = world.staff[bank].post(f"/obp/v4.0.0/banks/{bank}/customers/customer-number-query/overview", body)
    assert (r.status, r.code) == (404, "OBP-10404")  # introduced in v5.0.0


def test_accounts_are_empty_until_an_account_is_linked(world):
    customer = world.new_customer(world.bank_b)
    r = world.staff[world.bank_b].post(f"/obp/v5.0.0/banks/{world.bank_b}/customers/customer-number-query/overview",
                                       {"customer_number": customer["customer_number"]})
    assert (r.status, r.body["accounts"], r.body["customer_attributes"]) == (200, [], [])


def test_overview_costs_three_round_trips_however_much_the_customer_has(world, dynamo_calls):
    bank = world.bank_a
    staff = world.staff[bank]
    small, big = world.new_customer(bank), world.new_customer(bank)
    for i in range(25):  # written straight to the store: only the overview's cost is measured here
        store.add_attribute(store.new_attribute(big["customer_id"], bank, f"attr-{i}", f"ATTRIBUTE_{i}", "STRING", str(i)))
    for i in range(10):
        link_account(big, f"acc-{i}", str(i))
    for i in range(5):
        data_store.put_new(data_store.new_address(big["customer_id"], f"addr-{i}", insert_date="2020-01-27T00:00:00Z"))

    def cost(customer, path):
        dynamo_calls.reset()
        r = staff.post(f"/obp/v5.0.0/banks/{bank}/customers/customer-number-query/{path}",
                       {"customer_number": customer["customer_number"]})
        assert r.status == 200, r.body
        return (dynamo_calls.round_trips(), sorted(dynamo_calls.operations())), r.body

    for path in ("overview", "overview-flat"):
        small_ops, small_body = cost(small, path)
        big_ops, big_body = cost(big, path)
        # token + consumer, user with roles and the bank at once; the customer number guard; the
        # customer's partition
        assert small_ops == big_ops == (3, ["BatchGetItem", "GetItem", "GetItem", "Query", "Query"])
        assert (len(small_body["customer_attributes"]), len(small_body["accounts"])) == (0, 0)
        assert (len(big_body["customer_attributes"]), len(big_body["accounts"])) == (25, 10)


def test_overview_errors_and_who_may_see_it(world):
    a, b = world.bank_a, world.bank_b
    customer, foreign = world.new_customer(a), world.new_customer(b)
    path = f"/obp/v5.0.0/banks/{a}/customers/customer-number-query/overview"
    body = {"customer_number": customer["customer_number"]}

    assert world.api.post(path, body).status == 401
    r = world.nobody.post(path, body)
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanGetCustomerOverview for BankId({a}).")
    r = world.nobody.post(path + "-flat", body)
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanGetCustomerOverviewFlat for BankId({a}).")
    owner = world.linked_user(a, customer["customer_id"])
    assert owner.post(path, body).body["customer_id"] == customer["customer_id"]
    assert owner.post(path + "-flat", body).body["customer_id"] == customer["customer_id"]
    r = owner.post(path, {"customer_number": foreign["customer_number"]})
    assert (r.status, r.code) == (403, "OBP-20006")
    r = world.staff[a].post(path, {"customer_number": foreign["customer_number"]})  # bank B's number at bank A
    assert (r.status, r.message) == (404, "OBP-30002: Customer not found. Please specify a valid value for CUSTOMER_NUMBER.")
    r = world.staff[a].post(path, {"number": "x"})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostCustomerOverviewJsonV500")
    assert world.staff[a].post("/obp/v5.0.0/banks/bad*id/customers/customer-number-query/overview", body).code == "OBP-30111"


# --- phone search --------------------------------------------------------------------------------

def _phones(world):
    """Customers with phone numbers under a prefix no other test uses."""
    area = f"+{random.randint(10**6, 10**7 - 1)}"
    made = {}
    for suffix in ("30 901820", "30 901821", "40 123456", "(0) 820.1"):
        made[suffix] = world.new_customer(world.bank_a, mobile_phone_number=f"{area} {suffix}")["customer_id"]
    world.new_customer(world.bank_b, mobile_phone_number=f"{area} 30 901822")  # never found from bank A
    return area, made


def _search(session, bank, pattern, query=""):
    r = session.post(f"/obp/v4.0.0/banks/{bank}/search/customers/mobile-phone-number{query}",
                     {"mobile_phone_number": pattern})
    assert r.status == 201, r.body
    return [c["customer_id"] for c in r.body["customers"]]


def test_phone_search_uses_like_wildcards(world):
    area, made = _phones(world)
    staff = world.staff[world.bank_a]
    assert _search(staff, world.bank_a, f"{area} 30 90182_") == [made["30 901820"], made["30 901821"]]
    assert sorted(_search(staff, world.bank_a, f"{area}%")) == sorted(made.values())
    assert _search(staff, world.bank_a, f"{area} 30 901820") == [made["30 901820"]]
    assert _search(staff, world.bank_a, f"{area} 30 9018") == []  # no wildcard: the whole number
    assert _search(staff, world.bank_a, f"%{area[1:]} 40%") == [made["40 123456"]]
    assert _search(staff, world.bank_a, f"{area} (0) 820.1") == [made["(0) 820.1"]]  # regex characters are literal
    assert _search(staff, world.bank_a, f"{area} (0) 820_1") == [made["(0) 820.1"]]
    assert _search(staff, world.bank_a, f"{area} _0) 820%") == [made["(0) 820.1"]]
    assert _search(staff, world.bank_a, f"{area} 30 901820%", "?limit=1&offset=0") == [made["30 901820"]]
    assert _search(staff, world.bank_a, f"{area} 30%", "?limit=1&offset=1") == [made["30 901821"]]
    r = staff.post(f"/obp/v5.1.0/banks/{world.bank_a}/search/customers/mobile-phone-number", {"mobile_phone_number": f"{area} 40%"})
    assert r.status == 201 and r.body["customers"][0]["date_of_birth"] == "1100-01-01"  # CustomerJsonV300


def test_phone_search_reads_only_the_matching_index_entries_of_the_bank(world, dynamo_calls):
    area, made = _phones(world)
    staff = world.staff[world.bank_a]

    def index_query(pattern):
        dynamo_calls.reset()
        _search(staff, world.bank_a, pattern)
        [query] = [p for op, p in dynamo_calls.calls if op == "Query" and p.get("IndexName") == "gsi2"]
        # The key condition's values (PynamoDB adds the record type as a filter value too).
        return query["KeyConditionExpression"], {v["S"] for v in query["ExpressionAttributeValues"].values()} - {"Customer"}

    condition, values = index_query(f"{area} 30 90182_")
    assert "begins_with" in condition and values == {f"CUSTPHONE#{world.bank_a}", f"{area} 30 90182"}
    condition, values = index_query(f"{area} 30 901820")
    assert "begins_with" in condition and values == {f"CUSTPHONE#{world.bank_a}", f"{area} 30 901820#"}
    condition, values = index_query(f"%{area[1:]}%")  # a leading wildcard: the bank's entries, not the table
    assert "begins_with" not in condition and values == {f"CUSTPHONE#{world.bank_a}"}


def test_phone_search_without_a_list_role_finds_only_the_callers_customers(world):
    area, made = _phones(world)
    owner = world.linked_user(world.bank_a, made["30 901820"])
    assert _search(owner, world.bank_a, "%") == [made["30 901820"]]
    assert _search(owner, world.bank_a, f"{area} 40%") == []
    r = world.nobody.post(f"/obp/v4.0.0/banks/{world.bank_a}/search/customers/mobile-phone-number", {"mobile_phone_number": "%"})
    assert (r.status, r.message) == (400, "OBP-30008: User Customer Link not found by USER_ID")
    r = world.api.post(f"/obp/v4.0.0/banks/{world.bank_a}/search/customers/mobile-phone-number", {"mobile_phone_number": "%"})
    assert r.status == 401
    r = world.staff[world.bank_a].post(f"/obp/v4.0.0/banks/{world.bank_a}/search/customers/mobile-phone-number", {"phone": "%"})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostCustomerPhoneNumberJsonV400")
    # Staff of bank B search bank B: bank A's numbers are not there.
    assert _search(world.staff[world.bank_b], world.bank_b, f"{area} 30 901820") == []


def test_a_customer_number_of_the_seed_form_reads_back(world):
    number = f"5987953-{uuid.uuid4().hex[:4]}"
    customer = world.new_customer(world.bank_b, customer_number=number)
    assert store.customer_id_by_number(world.bank_b, number) == customer["customer_id"]
