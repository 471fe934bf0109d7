"""Auto-validated endpoints (4.0.0 and later) check, as OBP's wrapper does and before the body is
read: authentication, the ids of a POST body, the bank, the roles, the account and the view
(reference §1.1). The checks come from the endpoints' declared metadata."""
from chalicelib.store import products as product_store
from tests.support import banking_world

_NOT_A_PRODUCT = {"unexpected": True}  # neither name nor parent_product_code: OBP-10001 if ever read


def test_a_missing_role_is_403_before_a_bad_body_is_read(admin):
    bank = admin.create_bank()
    user = admin.new_user_session()
    r = user.put(f"/obp/v5.1.0/banks/{bank}/products/P1", _NOT_A_PRODUCT)
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanCreateProduct or "
                                          f"CanCreateProductAtAnyBank for BankId({bank}).")
    r = user.put(f"/obp/v4.0.0/banks/{bank}/products/P1", _NOT_A_PRODUCT)
    assert (r.status, r.code) == (403, "OBP-20006")
    r = user.post(f"/obp/v5.1.0/banks/{bank}/customers", {"legal_name": 7})
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: CanCreateCustomer or "
                                          f"CanCreateCustomerAtAnyBank for BankId({bank}).")
    # With the role, the same body is what is wrong.
    admin.grant(user.user_id, "CanCreateProduct", bank)
    r = user.put(f"/obp/v5.1.0/banks/{bank}/products/P1", _NOT_A_PRODUCT)
    assert (r.status, r.code) == (400, "OBP-10001") and "PutProductJsonV500" in r.message
    assert product_store.get_product(bank, "P1") is None


def test_authentication_comes_before_the_bank_and_the_body(api, admin):
    r = api.put("/obp/v5.1.0/banks/no-such-bank/products/P1", _NOT_A_PRODUCT)
    assert (r.status, r.code) == (401, "OBP-20001")
    r = api.post("/obp/v5.1.0/banks/no-such-bank/customers", {"legal_name": 7})
    assert (r.status, r.code) == (401, "OBP-20001")


def test_post_body_ids_come_before_the_bank(admin):
    r = admin.post("/obp/v5.1.0/banks/no-such-bank/customers", {"legal_name": "A", "branch_id": "no spaces allowed"})
    assert (r.status, r.message) == (400, "OBP-10001: Incorrect json format. Here are all invalid values: "
                                          "List((branch_id,no spaces allowed))")
    # Then the bank, then the role.
    r = admin.new_user_session().post("/obp/v5.1.0/banks/no-such-bank/customers", {"legal_name": "A"})
    assert (r.status, r.code) == (404, "OBP-30001")


def test_the_account_comes_before_the_body(admin):
    w = banking_world(admin)
    url = f"/obp/v4.0.0/banks/{w.bank_id}/accounts/%s/owner/transaction-request-types/ACCOUNT/transaction-requests"
    r = w.alice.post(url % "no-such-account", {"to": "nowhere"})
    assert (r.status, r.code) == (404, "OBP-30018")
    r = w.alice.post(url % w.alice_account, {"to": "nowhere"})
    assert (r.status, r.code) == (400, "OBP-10001")


def test_the_view_comes_before_the_body(admin):
    w = banking_world(admin)
    grant = f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant"
    r = w.bob.post(grant, {"not": "a grant"})  # bob holds no view on alice's account
    assert (r.status, r.message) == (403, "OBP-20017: Current user does not have access to the view. Please specify "
                                          "a valid value for VIEW_ID. Current VIEW_ID(owner)")
    r = w.alice.post(grant, {"not": "a grant"})
    assert (r.status, r.code) == (400, "OBP-10001")
    r = w.alice.post(grant, {"user_id": w.bob.user_id, "view_id": "auditor"})
    assert r.status == 201 and r.body["id"] == "auditor"


def test_checking_the_account_early_reads_it_once(admin, dynamo_calls):
    w = banking_world(admin)
    grant = f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant"
    dynamo_calls.reset()
    r = w.alice.post(grant, {"user_id": w.bob.user_id, "view_id": "auditor"})
    assert r.status == 201
    account_reads = [params for op, params in dynamo_calls.calls
                     if op in ("GetItem", "BatchGetItem") and "ACCOUNT" in str(params)]
    assert len(account_reads) == 1, dynamo_calls.operations()


# --- issue 13's auto-validated endpoints -------------------------------------------------------

_NOT_A_COUNTERPARTY = {"name": 7}
_NOT_AN_ACCOUNT = {"label": "L"}  # no product_code, no balance: OBP-10001 if ever read


def test_opening_an_account_by_post_authenticates_checks_ids_then_the_bank_before_the_body(api, admin):
    bank = admin.create_bank()
    user = admin.new_user_session()  # no CanCreateAccount: it opens an account for itself
    assert api.post("/obp/v4.0.0/banks/no-such-bank/accounts", {"user_id": "not an id"}).code == "OBP-20001"
    r = user.post("/obp/v4.0.0/banks/no-such-bank/accounts", {**_NOT_AN_ACCOUNT, "user_id": "not an id"})
    assert (r.status, r.message) == (400, "OBP-10001: Incorrect json format. Here are all invalid values: "
                                          "List((user_id,not an id))")
    assert user.post("/obp/v4.0.0/banks/no-such-bank/accounts", _NOT_AN_ACCOUNT).code == "OBP-30001"
    # The role is OBP's to check in the body (only for another user's account), so the body comes next.
    r = user.post(f"/obp/v4.0.0/banks/{bank}/accounts", _NOT_AN_ACCOUNT)
    assert (r.status, r.code) == (400, "OBP-10001") and "CreateAccountRequestJsonV310" in r.message


def test_historical_transactions_check_the_bank_then_the_role_before_the_body(api, admin):
    bank = admin.create_bank()
    user = admin.new_user_session()
    path = "/obp/v4.0.0/banks/%s/management/historical/transactions"
    assert api.post(path % "no-such-bank", {"nonsense": True}).code == "OBP-20001"
    assert user.post(path % "no-such-bank", {"nonsense": True}).code == "OBP-30001"
    r = user.post(path % bank, {"nonsense": True})
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles: "
                                          f"CanCreateHistoricalTransactionAtBank for BankId({bank}).")
    admin.grant(user.user_id, "CanCreateHistoricalTransactionAtBank", bank)
    r = user.post(path % bank, {"nonsense": True})
    assert (r.status, r.code) == (400, "OBP-10001")


def test_counterparties_check_the_account_and_the_view_before_the_body(admin):
    w = banking_world(admin)
    path = f"/obp/v4.0.0/banks/{w.bank_id}/accounts/%s/owner/counterparties"
    r = w.alice.post(path % "no-such-account", _NOT_A_COUNTERPARTY)
    assert (r.status, r.code) == (404, "OBP-30018")
    r = w.bob.post(path % w.alice_account, _NOT_A_COUNTERPARTY)  # bob holds no view on alice's account
    assert (r.status, r.code) == (403, "OBP-20017")
    r = w.alice.post(path % w.alice_account, _NOT_A_COUNTERPARTY)
    assert (r.status, r.code) == (400, "OBP-10001") and "PostCounterpartyJson400" in r.message
    # v2.2.0 is not auto-validated: its own order reads the body before the view.
    r = w.bob.post(f"/obp/v2.2.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/counterparties",
                   _NOT_A_COUNTERPARTY)
    assert (r.status, r.code) == (400, "OBP-10001")


def test_a_label_update_checks_the_account_before_the_body_from_4_0_0(admin):
    w = banking_world(admin)
    r = w.alice.post(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/no-such-account", {"no": "label"})
    assert (r.status, r.code) == (404, "OBP-30018")
    r = w.alice.post(f"/obp/v1.2.1/banks/{w.bank_id}/accounts/no-such-account", {"no": "label"})
    assert (r.status, r.code) == (400, "OBP-10001")  # v1.2.1 reads the body first, as OBP's does


def test_the_core_account_checked_early_costs_no_extra_round_trip(admin, dynamo_calls):
    w = banking_world(admin)
    path = f"/obp/v4.0.0/my/banks/{w.bank_id}/accounts/{w.alice_account}/account"
    dynamo_calls.reset()
    assert w.alice.get(path).status == 200
    account_reads = [params for op, params in dynamo_calls.calls
                     if op in ("GetItem", "BatchGetItem") and "ACCOUNT" in str(params)]
    assert len(account_reads) == 1, dynamo_calls.operations()
    assert w.alice.get(f"/obp/v4.0.0/my/banks/{w.bank_id}/accounts/no-such-account/account").code == "OBP-30018"
