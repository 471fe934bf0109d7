"""Issue 13 end to end: an OBP client's whole flow over HTTP against the stack `make run` starts,
through the version prefixes such clients use (v2.0.0, v2.2.0, v3.1.0, v4.0.0, v5.1.0, and the
oldest, v1.2.1 and v1.3.0): sign up, log in with DirectLogin, create a bank, grant roles, create
a customer with numbers in string fields, link it, create products and accounts (PUT and POST),
fund one with a historical transaction, read my accounts, private accounts, the core account and
its views, list transaction request types, create a counterparty, pay it (a challenged payment
whose SMS one-time password goes to the linked customer's mobile), comment and tag the
transaction, and read it back at v1.2.1."""
import uuid

import pytest

pytestmark = pytest.mark.e2e

PASSWORD = "Str0ng-Passw0rd!"


def _iban(country: str, bban: str) -> str:
    """An IBAN with its ISO 13616 check digits (mod 97)."""
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{country}{98 - number % 97:02d}{bban}"


def test_an_obp_client_flow_runs_to_the_end(stack):
    http = stack.http()
    key = stack.info["consumer_key"]
    suffix = uuid.uuid4().hex[:6]

    # Sign up (anonymous createUser) and log in with DirectLogin.
    username = f"ana-{suffix}"
    r = http.post("/obp/v2.0.0/users", {"email": f"{username}@example.com", "username": username,
                                         "password": PASSWORD, "first_name": "Ana", "last_name": "Client"})
    assert r.status == 201, r.body
    ana_id = r.body["user_id"]
    ana = http.login(username, PASSWORD, key)
    assert ana.get("/obp/v3.1.0/users/current").body["user_id"] == ana_id

    # The instance's admin lets her create banks; she creates one the v2.2.0 way under /obp/v3.1.0.
    admin = http.login(stack.info["admin_username"], stack.info["admin_password"], key)
    r = admin.post(f"/obp/v2.0.0/users/{ana_id}/entitlements", {"bank_id": "", "role_name": "CanCreateBank"})
    assert r.status == 201, r.body
    bank = f"flow-{suffix}"
    r = ana.post("/obp/v3.1.0/banks", {
        "id": bank, "full_name": "Flow Bank", "short_name": "FLOW", "logo_url": "", "website_url": "",
        "swift_bic": "FLOWDEFF", "national_identifier": "", "bank_routing": {"scheme": "OBP", "address": bank}})
    assert r.status == 201 and r.body["id"] == bank, r.body

    # The bank's creator grants herself the roles she needs there.
    for role in ("CanCreateCustomer", "CanCreateUserCustomerLink", "CanCreateProduct", "CanCreateProductAttribute",
                 "CanCreateAccount", "CanCreateHistoricalTransactionAtBank"):
        r = ana.post(f"/obp/v2.0.0/users/{ana_id}/entitlements", {"bank_id": bank, "role_name": role})
        assert r.status == 201, (role, r.body)

    # A customer, with JSON numbers where OBP's fields are strings (lift-json takes them), linked to her.
    mobile = 4915112345000 + int(suffix, 16) % 1000
    r = ana.post(f"/obp/v3.1.0/banks/{bank}/customers", {
        "legal_name": "Ana Client", "customer_number": 40001, "mobile_phone_number": mobile,
        "email": f"{username}@example.com", "face_image": {"url": "", "date": "2020-01-01T00:00:00Z"},
        "date_of_birth": "1990-01-01T00:00:00Z", "relationship_status": "single", "dependants": 0,
        "dob_of_dependants": [], "credit_rating": {"rating": "A", "source": "OBP"},
        "credit_limit": {"currency": "EUR", "amount": 5000}, "highest_education_attained": "Master",
        "employment_status": "worker", "kyc_status": True, "last_ok_date": "2024-01-01T00:00:00Z",
        "title": "Ms", "branch_id": "", "name_suffix": ""})
    assert r.status == 201, r.body
    assert r.body["mobile_phone_number"] == str(mobile)  # v3.1.0 numbers the customer itself
    assert r.body["credit_limit"] == {"currency": "EUR", "amount": "5000"}
    customer_id = r.body["customer_id"]
    r = ana.post(f"/obp/v2.0.0/banks/{bank}/user_customer_links", {"user_id": ana_id, "customer_id": customer_id})
    assert r.status == 200, r.body

    # Products, and accounts by PUT (v3.1.0) and by POST (v4.0.0, v5.1.0).
    for code, name in (("FUND", "Funding"), ("CURRENT", "Current account")):
        r = ana.put(f"/obp/v3.1.0/banks/{bank}/products/{code}", {
            "name": name, "parent_product_code": "", "category": "", "family": "", "super_family": "",
            "more_info_url": "", "details": "", "description": "", "meta": {"license": {"id": "", "name": ""}}})
        assert r.status == 201, r.body
    r = ana.post(f"/obp/v3.1.0/banks/{bank}/products/FUND/attribute",
                 {"name": "OVERDRAFT_LIMIT", "type": "DOUBLE", "value": "1000000"})
    assert r.status == 201, r.body
    iban = _iban("DE", f"{suffix}000000000001".upper())
    account_body = {"user_id": "", "label": "Funding", "product_code": "FUND",
                    "balance": {"currency": "EUR", "amount": "0"}, "branch_id": "", "account_routings": []}
    assert ana.put(f"/obp/v3.1.0/banks/{bank}/accounts/funding", account_body).status == 201
    r = ana.post(f"/obp/v4.0.0/banks/{bank}/accounts", {**account_body, "label": "Everyday", "product_code": "CURRENT",
                                                         "account_routings": [{"scheme": "iban", "address": iban.lower()}]})
    assert r.status == 201, r.body
    current = r.body["account_id"]
    r = ana.post(f"/obp/v5.1.0/banks/{bank}/accounts", {**account_body, "label": "Savings", "product_code": "CURRENT"})
    assert r.status == 201, r.body
    savings = r.body["account_id"]

    # Fund the current account with a historical transaction (through the payments ledger).
    r = ana.post(f"/obp/v4.0.0/banks/{bank}/management/historical/transactions", {
        "from_account_id": "funding", "to_account_id": current, "value": {"currency": "EUR", "amount": 2500},
        "description": "Opening balance", "posted": "2024-01-01T09:00:00Z", "completed": "2024-01-01T09:00:00Z",
        "type": "SANDBOX_TAN", "charge_policy": "SHARED"})
    assert r.status == 201, r.body
    assert r.body["to"] == {"bank_id": bank, "account_id": current}

    # Her accounts, as clients read them.
    r = ana.get("/obp/v2.0.0/my/accounts")
    assert sorted(a["id"] for a in r.body["accounts"]) == sorted(["funding", current, savings])
    assert all("_links" in a for a in r.body["accounts"])
    r = ana.get("/obp/v3.1.0/my/accounts")
    mine = {a["id"]: a for a in r.body["accounts"]}
    assert mine[current]["account_type"] == "CURRENT" and [v["id"] for v in mine[current]["views"]] == ["owner"]
    assert len(ana.get(f"/obp/v2.0.0/banks/{bank}/accounts/private").body["accounts"]) == 3
    r = ana.get(f"/obp/v3.1.0/banks/{bank}/accounts/private?account_type_filter=CURRENT")
    assert sorted(a["id"] for a in r.body["accounts"]) == sorted([current, savings])
    r = ana.get(f"/obp/v2.0.0/my/banks/{bank}/accounts/{current}/account")
    assert (r.body["balance"], r.body["IBAN"]) == ({"currency": "EUR", "amount": "2500"}, iban)  # stored canonically
    r = ana.get(f"/obp/v4.0.0/my/banks/{bank}/accounts/{current}/account")
    assert (r.body["product_code"], r.body["views_basic"]) == ("CURRENT", ["owner"])
    assert ana.get(f"/obp/v1.2.1/banks/{bank}/accounts/{current}/owner/account").body["label"] == "Everyday"
    for version in ("2.2.0", "5.1.0"):
        views = ana.get(f"/obp/v{version}/banks/{bank}/accounts/{current}/views").body["views"]
        assert "owner" in [v["id"] for v in views]
    r = ana.post(f"/obp/v1.2.1/banks/{bank}/accounts/{current}", {"id": current, "label": "Daily", "bank_id": bank})
    assert r.body == {"success": "Success"}

    # Transaction request types, a counterparty (the savings account), and a payment to it.
    base = f"/banks/{bank}/accounts/{current}/owner"
    r = ana.get(f"/obp/v2.0.0{base}/transaction-request-types")
    assert [t["value"] for t in r.body["transaction_request_types"]] == ["ACCOUNT", "COUNTERPARTY"]
    r = ana.post(f"/obp/v2.2.0{base}/counterparties", {
        "name": "My savings", "description": "rainy days", "other_bank_routing_scheme": "OBP",
        "other_bank_routing_address": bank, "other_account_routing_scheme": "OBP",
        "other_account_routing_address": savings, "other_account_secondary_routing_scheme": "",
        "other_account_secondary_routing_address": "", "other_branch_routing_scheme": "",
        "other_branch_routing_address": "", "is_beneficiary": True, "bespoke": []})
    assert r.status == 201, r.body
    counterparty_id = r.body["counterparty_id"]
    assert [c["counterparty_id"] for c in ana.get(f"/obp/v4.0.0{base}/counterparties").body["counterparties"]] == [
        counterparty_id]
    pay = f"/obp/v4.0.0{base}/transaction-request-types/COUNTERPARTY/transaction-requests"
    r = ana.post(pay, {"to": {"counterparty_id": counterparty_id}, "value": {"currency": "EUR", "amount": "1500"},
                       "description": "Save", "charge_policy": "SHARED"})
    assert r.status == 201 and r.body["status"] == "INITIATED", r.body
    # The local stack sends SMS one-time passwords to the linked customer's mobile (its outbox).
    sms = stack.wait_for_outbox(lambda d: d["channel"] == "sms" and d["to"] == str(mobile))
    otp = sms["body"].rsplit(" ", 1)[1]
    r = ana.post(f"{pay}/{r.body['id']}/challenge", {"id": r.body["challenges"][0]["id"], "answer": otp})
    assert r.status == 202 and r.body["status"] == "COMPLETED", r.body
    transaction_id = r.body["transaction_ids"][0]
    assert ana.get(f"/obp/v3.1.0/my/banks/{bank}/accounts/{savings}/account").body["balance"]["amount"] == "1500"
    assert ana.get(f"/obp/v3.1.0/my/banks/{bank}/accounts/{current}/account").body["balance"]["amount"] == "1000"

    # Comment and tag the payment at the oldest versions, and read it back at v1.2.1.
    r = ana.post(f"/obp/v1.2.1{base}/transactions/{transaction_id}/metadata/comments", {"value": "For the rainy days"})
    assert r.status == 201, r.body
    r = ana.post(f"/obp/v1.3.0{base}/transactions/{transaction_id}/metadata/tags", {"value": "savings"})
    assert r.status == 201, r.body
    r = ana.get(f"/obp/v1.2.1{base}/transactions/{transaction_id}/transaction")
    assert r.status == 200, r.body
    assert r.body["details"]["value"] == {"currency": "EUR", "amount": "-1500"}
    assert r.body["other_account"]["id"] == savings
    assert [c["value"] for c in r.body["metadata"]["comments"]] == ["For the rainy days"]
    assert [t["value"] for t in r.body["metadata"]["tags"]] == ["savings"]
    r = ana.get(f"/obp/v1.2.1{base}/transactions")
    assert [t["details"]["description"] for t in r.body["transactions"]] == ["Save", "Opening balance"]
