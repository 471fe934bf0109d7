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
