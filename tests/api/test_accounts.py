"""Accounts: createAccount (v5.0.0 and v3.1.0 rules) and the reads through views."""
from decimal import Decimal

from chalicelib.store.accounts import get_account
from chalicelib.store.base import resolve_unique
from tests.support import banking_world, put_product


def _put_account(session, bank, account_id, version="5.1.0", **body):
    payload = {"label": "My Account", "product_code": "", "balance": {"currency": "EUR", "amount": "0"}, **body}
    return session.put(f"/obp/v{version}/banks/{bank}/accounts/{account_id}", payload)


def test_create_account_copies_product_attributes_and_makes_the_owner(admin):
    bank = admin.create_bank()
    admin.grant(admin.user_id, "CanCreateProduct", bank)
    admin.grant(admin.user_id, "CanCreateProductAttribute", bank)
    product = put_product(admin, bank, "1234BW", {"OVERDRAFT_START_DATE": ("DATE_WITH_DAY", "2012-04-23")})
    alice = admin.new_user_session(("CanCreateAccount", bank))
    r = _put_account(alice, bank, "acc-1", product_code=product, branch_id="DERBY6",
                     account_routings=[{"scheme": "AccountNumber", "address": "4930396"}])
    assert r.status == 201
    attribute_id = r.body["account_attributes"][0]["account_attribute_id"]
    assert r.body == {
        "account_id": "acc-1", "user_id": alice.user_id, "label": "My Account", "product_code": "1234BW",
        "balance": {"currency": "EUR", "amount": "0"}, "branch_id": "DERBY6",
        "account_routings": [{"scheme": "AccountNumber", "address": "4930396"}],
        "account_attributes": [{"product_code": "1234BW", "account_attribute_id": attribute_id,
                                "name": "OVERDRAFT_START_DATE", "type": "DATE_WITH_DAY", "value": "2012-04-23"}],
    }
    stored = get_account(bank, "acc-1")
    assert (stored.balance, stored.booked_balance, stored.currency) == (Decimal("0"), Decimal("0"), "EUR")
    assert (int(stored.transaction_count), int(stored.request_count)) == (0, 0)
    assert stored.holder_ids == [alice.user_id]
    assert resolve_unique("ACCOUNT_ROUTING", f"{bank}#AccountNumber#4930396") == "acc-1"
    me = alice.get("/obp/v5.1.0/users/current").body
    assert me["views"]["list"] == [{"bank_id": bank, "account_id": "acc-1", "view_id": "owner"}]
    held = alice.get(f"/obp/v5.1.0/banks/{bank}/accounts-held")
    assert held.body == {"accounts": [{"id": "acc-1", "label": "My Account", "bank_id": bank, "number": "4930396",
                                       "account_routings": [{"scheme": "AccountNumber", "address": "4930396"}]}]}
    # v5.0.0 optional fields: balance defaults to 0 EUR.
    r = alice.put(f"/obp/v5.1.0/banks/{bank}/accounts/acc-2", {"label": "Second", "product_code": "NONE"})
    assert r.status == 201 and r.body["balance"] == {"currency": "EUR", "amount": "0"} and r.body["account_attributes"] == []


def test_create_account_errors_change_nothing(admin, api):
    bank = admin.create_bank()
    alice = admin.new_user_session(("CanCreateAccount", bank))
    assert _put_account(api, bank, "a1").code == "OBP-20001"
    r = _put_account(alice, "no-such-bank", "a1")
    assert (r.status, r.code) == (404, "OBP-30001")
    r = _put_account(admin.new_user_session(), bank, "a1")
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanCreateAccount for BankId({bank}).")
    r = alice.put(f"/obp/v5.1.0/banks/{bank}/accounts/a1", {"label": "no product code"})
    assert (r.status, r.code) == (400, "OBP-10001") and "CreateAccountRequestJsonV500" in r.message
    cases = [
        ({"balance": {"currency": "EUR", "amount": "10"}}, "OBP-30109"),
        ({"balance": {"currency": "EUR", "amount": "ten"}}, "OBP-30112"),
        ({"balance": {"currency": "EUR", "amount": ""}}, "OBP-30106"),
        ({"balance": {"currency": "", "amount": "0"}}, "OBP-30105"),
        ({"balance": {"currency": "XQZ", "amount": "0"}}, "OBP-10003"),
        ({"user_id": "not a valid id!"}, "OBP-30107"),
        ({"account_routings": [{"scheme": "IBAN", "address": "X1"}, {"scheme": "IBAN", "address": "X2"}]}, "OBP-30114"),
        ({"account_routings": [{"scheme": "IBAN", "address": "X1"}, {"scheme": "iban", "address": "X2"}]}, "OBP-30114"),
        ({"account_routings": [{"scheme": "IBAN", "address": "DE89"}]}, "OBP-10033"),
        ({"account_routings": [{"scheme": "IBAN", "address": "DE88370400440532013000"}]}, "OBP-10033"),  # check digits
    ]
    for body, code in cases:
        r = _put_account(alice, bank, "a1", **body)
        assert (r.status, r.code) == (400, code), (body, r.body)
    r = _put_account(alice, bank, "a1", user_id="9ca9a7e4-6d02-40e3-a129-0b2bf89de9b1")
    assert (r.status, r.code) == (404, "OBP-20005")
    r = _put_account(alice, bank, "x" * 37)
    assert (r.status, r.code) == (400, "OBP-30110")
    assert get_account(bank, "a1") is None
    assert alice.get("/obp/v5.1.0/users/current").body["views"]["list"] == []

    assert _put_account(alice, bank, "a1", account_routings=[{"scheme": "IBAN", "address": "DE89370400440532013000"}]).status == 201
    r = _put_account(alice, bank, "a1")
    assert (r.status, r.message) == (400, f"OBP-30208: Account_ID already exists at the Bank. Current BankId is {bank} "
                                          "and ACCOUNT_ID is a1")
    r = _put_account(alice, bank, "a2", account_routings=[{"scheme": "iban", "address": "de89 3704 0044 0532 0130 00"}])
    assert (r.status, r.code) == (400, "OBP-30115")  # the same IBAN, however written
    assert get_account(bank, "a2") is None  # the whole transaction was cancelled
    assert alice.get(f"/obp/v5.1.0/banks/{bank}/accounts-held").body["accounts"][0]["id"] == "a1"
    assert len(alice.get(f"/obp/v5.1.0/banks/{bank}/accounts-held").body["accounts"]) == 1


def test_create_account_v310_needs_the_role_only_for_another_user(admin):
    bank = admin.create_bank()
    alice, bob = admin.new_user_session(), admin.new_user_session()
    body = {"user_id": "", "label": "L", "product_code": "", "balance": {"currency": "EUR", "amount": "0"},
            "branch_id": "", "account_routings": []}
    r = alice.put(f"/obp/v3.1.0/banks/{bank}/accounts/own", body)
    assert r.status == 201 and r.body["user_id"] == alice.user_id
    r = alice.put(f"/obp/v3.1.0/banks/{bank}/accounts/for-bob", {**body, "user_id": bob.user_id})
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles:  CanCreateAccount or create "
                                          "account for self")
    r = alice.put(f"/obp/v3.1.0/banks/{bank}/accounts/own", body)
    assert (r.status, r.code) == (400, "OBP-30208")
    r = alice.put(f"/obp/v3.1.0/banks/{bank}/accounts/x2", {k: v for k, v in body.items() if k != "branch_id"})
    assert (r.status, r.code) == (400, "OBP-10001") and "CreateAccountRequestJsonV310" in r.message
    manager = admin.new_user_session(("CanCreateAccount", bank))
    r = manager.put(f"/obp/v3.1.0/banks/{bank}/accounts/for-bob", {**body, "user_id": bob.user_id})
    assert r.status == 201 and r.body["user_id"] == bob.user_id
    assert bob.get("/obp/v5.1.0/users/current").body["views"]["list"] == [
        {"bank_id": bank, "account_id": "for-bob", "view_id": "owner"}]
    assert manager.get("/obp/v5.1.0/users/current").body["views"]["list"] == []
    # OBP 4.0.0 does not serve the v3.1.0 endpoint.
    r = alice.put(f"/obp/v4.0.0/banks/{bank}/accounts/other", body)
    assert (r.status, r.code) == (404, "OBP-10404")


def test_account_reads_go_through_views_and_never_reach_others(admin, api, dynamo_calls):
    w = banking_world(admin)
    bank = w.bank_id
    dynamo_calls.reset()
    r = w.alice.get(w.account_path(w.alice_account) + "/account")
    assert r.status == 200
    assert len(dynamo_calls.calls) <= 5 and "Scan" not in dynamo_calls.operations()
    assert r.body["id"] == w.alice_account and r.body["bank_id"] == bank
    assert r.body["balance"] == {"currency": "EUR", "amount": "0"}
    assert r.body["owners"] == [{"id": w.alice.user_id, "provider": "http://127.0.0.1:8000",
                                 "display_name": w.alice.me["username"]}]
    assert [v["id"] for v in r.body["views_available"]] == ["owner"]
    assert r.body["account_attributes"][0]["name"] == "OVERDRAFT_LIMIT"

    r = w.bob.get(w.account_path(w.alice_account) + "/account")
    assert (r.status, r.code) == (403, "OBP-20017")
    r = w.alice.get(w.account_path("no-such-account") + "/account")
    assert (r.status, r.code) == (404, "OBP-30018")
    r = w.alice.get(w.account_path(w.alice_account, "nosuchview") + "/account")
    assert (r.status, r.code) == (400, "OBP-30005")
    assert api.get(w.account_path(w.alice_account) + "/account").code == "OBP-20001"
    other_bank = admin.create_bank()
    assert w.alice.get(f"/obp/v5.1.0/banks/{other_bank}/accounts/{w.alice_account}/owner/account").status == 404

    # The caller's accounts at a bank: only its own, with its views.
    r = w.alice.get(f"/obp/v5.1.0/banks/{bank}/accounts")
    assert r.body == {"accounts": [{"id": w.alice_account, "label": f"Account {w.alice_account}", "bank_id": bank,
                                    "views_available": [{"id": "owner", "short_name": "Owner", "is_public": False}]}]}
    r = w.alice.get(f"/obp/v5.1.0/my/banks/{bank}/accounts")  # OBP's CoreAccountsJSON, with HAL links
    [core] = r.body["accounts"]
    assert {k: core[k] for k in ("id", "label", "bank_id")} == {
        "id": w.alice_account, "label": f"Account {w.alice_account}", "bank_id": bank}
    assert sorted(core["_links"]) == ["new", "self"]
    assert core["_links"]["self"]["href"].endswith(f"/obp/v2.0.0/my/banks/{bank}/accounts")
    assert core["_links"]["new"]["href"].endswith(f"/obp/v2.0.0/banks/{bank}/accounts/{w.alice_account}")
    assert w.alice.get(f"/obp/v5.1.0/banks/{other_bank}/accounts").body == {"accounts": []}
    assert w.bob.get(f"/obp/v5.1.0/banks/{bank}/accounts").body["accounts"][0]["id"] == w.bob_account

    # A narrow view shows less: ReadBalances sees the balance, not the label or the owners.
    w.alice.post(f"/obp/v5.1.0/banks/{bank}/accounts/{w.alice_account}/views/owner/account-access/grant",
                 {"user_id": w.bob.user_id, "view_id": "ReadBalances"})
    r = w.bob.get(w.account_path(w.alice_account, "ReadBalances") + "/account")
    assert r.status == 200
    assert (r.body["label"], r.body["owners"], r.body["balance"]) == (None, [], {"currency": "EUR", "amount": "0"})
    assert [v["id"] for v in r.body["views_available"]] == ["ReadBalances"]
    assert w.bob.get(w.account_path(w.alice_account) + "/account").code == "OBP-20017"
