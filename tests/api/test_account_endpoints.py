"""The account endpoints OBP clients call (issue 13), each at the version that introduced it and
the later ones: create by POST, the caller's accounts, private accounts, the core account, the
account through a view (1.2.1 to 3.1.0 shapes), the label, the views, transaction request types,
and transactions at v1.2.1."""
from decimal import Decimal

from chalicelib.store.accounts import get_account
from chalicelib.store.base import resolve_unique
from tests.support import banking_world, put_product, transfer

_CREATE_V310 = {"user_id": "", "label": "Posted", "product_code": "", "balance": {"currency": "EUR", "amount": "0"},
                "branch_id": "", "account_routings": []}


def _granted_view(w, view_id: str):
    r = w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant",
                     {"user_id": w.bob.user_id, "view_id": view_id})
    assert r.status == 201, r.body


# --- POST /banks/BANK_ID/accounts -----------------------------------------------------------------

def test_post_account_creates_an_account_with_a_new_id_from_v400(admin, api):
    bank = admin.create_bank()
    admin.grant(admin.user_id, "CanCreateProduct", bank)
    admin.grant(admin.user_id, "CanCreateProductAttribute", bank)
    product = put_product(admin, bank, "SAVE1", {"OVERDRAFT_LIMIT": ("DOUBLE", "100")})
    alice, bob = admin.new_user_session(), admin.new_user_session()
    # An IBAN is stored in its electronic form (issue 11's canonical routings).
    ibans = {"4.0.0": ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
             "5.0.0": ("gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"),
             "5.1.0": ("NL91ABNA0417164300", "NL91ABNA0417164300")}
    for version, (written, stored_iban) in ibans.items():
        r = alice.post(f"/obp/v{version}/banks/{bank}/accounts", {
            **_CREATE_V310, "product_code": product, "account_routings": [{"scheme": "iban", "address": written}]})
        assert r.status == 201, r.body
        account_id = r.body["account_id"]
        assert r.body == {
            "account_id": account_id, "user_id": alice.user_id, "label": "Posted", "product_code": "SAVE1",
            "balance": {"currency": "EUR", "amount": "0"}, "branch_id": "",
            "account_routings": [{"scheme": "IBAN", "address": stored_iban}],
            "account_attributes": [{"product_code": "SAVE1", "account_attribute_id": r.body["account_attributes"][0]["account_attribute_id"],
                                    "name": "OVERDRAFT_LIMIT", "type": "DOUBLE", "value": "100"}],
        }
        stored = get_account(bank, account_id)
        assert stored.holder_ids == [alice.user_id] and stored.balance == Decimal("0")
    assert len(alice.get(f"/obp/v5.1.0/banks/{bank}/accounts-held").body["accounts"]) == 3
    # Not served before 4.0.0.
    assert alice.post(f"/obp/v3.1.0/banks/{bank}/accounts", _CREATE_V310).code == "OBP-10404"

    # For another user the caller needs CanCreateAccount (OBP's own wording).
    r = alice.post(f"/obp/v4.0.0/banks/{bank}/accounts", {**_CREATE_V310, "user_id": bob.user_id})
    assert (r.status, r.message) == (403, "OBP-20006: User is missing one or more roles:  CanCreateAccount or create "
                                          "account for self")
    manager = admin.new_user_session(("CanCreateAccount", bank))
    r = manager.post(f"/obp/v4.0.0/banks/{bank}/accounts", {**_CREATE_V310, "user_id": bob.user_id})
    assert r.status == 201 and r.body["user_id"] == bob.user_id
    assert [a["id"] for a in bob.get(f"/obp/v5.1.0/banks/{bank}/accounts-held").body["accounts"]] == [r.body["account_id"]]


def test_post_account_errors_change_nothing(admin, api):
    bank = admin.create_bank()
    alice = admin.new_user_session()
    path = f"/obp/v4.0.0/banks/{bank}/accounts"
    assert api.post(path, _CREATE_V310).code == "OBP-20001"
    assert alice.post(f"/obp/v4.0.0/banks/nowhere/accounts", _CREATE_V310).code == "OBP-30001"
    r = alice.post(path, {"label": "no product code"})
    assert (r.status, r.code) == (400, "OBP-10001") and "CreateAccountRequestJsonV310" in r.message
    cases = [
        ({"balance": {"currency": "EUR", "amount": "10"}}, "OBP-30109"),
        ({"balance": {"currency": "EUR", "amount": "ten"}}, "OBP-30112"),
        ({"balance": {"currency": "XQZ", "amount": "0"}}, "OBP-10003"),
        ({"user_id": "9ca9a7e4-6d02-40e3-a129-0b2bf89de9b1"}, "OBP-20005"),
        ({"account_routings": [{"scheme": "IBAN", "address": "X1"}, {"scheme": "IBAN", "address": "X2"}]}, "OBP-30114"),
    ]
    for body, code in cases:
        assert alice.post(path, {**_CREATE_V310, **body}).code == code, body
    # An invalid IBAN (check digits, shape) is OBP-10033.
    for address in ("DE1", "DE88370400440532013000"):
        r = alice.post(path, {**_CREATE_V310, "account_routings": [{"scheme": "IBAN", "address": address}]})
        assert (r.status, r.code) == (400, "OBP-10033"), address
    assert alice.post(path, {**_CREATE_V310, "account_routings": [{"scheme": "IBAN", "address": "DE89370400440532013000"}]}).status == 201
    # The same IBAN in any spelling is the same routing (issue 11).
    for scheme, address in [("IBAN", "DE89370400440532013000"), ("iban", "de89 3704 0044 0532 0130 00")]:
        r = alice.post(path, {**_CREATE_V310, "account_routings": [{"scheme": scheme, "address": address}]})
        assert (r.status, r.code) == (400, "OBP-30115"), address
    assert len(alice.get(f"/obp/v5.1.0/banks/{bank}/accounts-held").body["accounts"]) == 1
    assert resolve_unique("ACCOUNT_ROUTING", f"{bank}#IBAN#DE89370400440532013000") is not None


# --- the caller's accounts --------------------------------------------------------------------------

def test_my_accounts_at_every_bank_in_the_v200_and_v300_shapes(admin, api):
    w = banking_world(admin)
    second_bank = admin.create_bank()
    admin.grant(w.alice.user_id, "CanCreateAccount", second_bank)
    r = w.alice.put(f"/obp/v5.1.0/banks/{second_bank}/accounts/second", {"label": "Second", "product_code": "P2"})
    assert r.status == 201
    _granted_view(w, "auditor")

    r = w.alice.get("/obp/v3.0.0/my/accounts")
    assert r.status == 200
    expected = sorted([(w.bank_id, w.alice_account), (second_bank, "second")])
    assert [(a["bank_id"], a["id"]) for a in r.body["accounts"]] == expected
    first = next(a for a in r.body["accounts"] if a["id"] == w.alice_account)
    assert first == {"id": w.alice_account, "label": f"Account {w.alice_account}", "bank_id": w.bank_id,
                     "account_type": w.product, "account_routings": [],
                     "views": [{"id": "owner", "short_name": "Owner", "description": "The account holder's own view: everything.",
                                "is_public": False}]}
    assert w.alice.get("/obp/v5.1.0/my/accounts").body == r.body

    r = w.alice.get("/obp/v2.0.0/my/accounts")
    second = next(a for a in r.body["accounts"] if a["id"] == "second")
    assert second == {"id": "second", "label": "Second", "bank_id": second_bank, "_links": {
        "self": {"href": "http://127.0.0.1:8000/obp/v2.0.0/my/accounts"},
        "detail": {"href": f"http://127.0.0.1:8000/obp/v2.0.0/my/banks/{second_bank}/accounts/second/account"}}}

    # bob sees his own account and, through the auditor view alice granted, hers; never her other one.
    r = w.bob.get("/obp/v3.1.0/my/accounts")
    assert sorted(a["id"] for a in r.body["accounts"]) == sorted([w.bob_account, w.alice_account])
    shared = next(a for a in r.body["accounts"] if a["id"] == w.alice_account)
    assert [v["id"] for v in shared["views"]] == ["auditor"]
    assert admin.new_user_session().get("/obp/v3.0.0/my/accounts").body == {"accounts": []}
    assert api.get("/obp/v3.0.0/my/accounts").code == "OBP-20001"
    assert w.alice.get("/obp/v1.4.0/my/accounts").code == "OBP-10404"


def test_private_accounts_at_a_bank_in_each_version_and_the_type_filter(admin, api):
    w = banking_world(admin)
    r = w.alice.put(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/other-type", {"label": "Other", "product_code": "OTHER"})
    assert r.status == 201
    path = f"/banks/{w.bank_id}/accounts/private"

    r = w.alice.get(f"/obp/v1.2.1{path}")
    assert [a["id"] for a in r.body["accounts"]] == sorted([w.alice_account, "other-type"])
    account = r.body["accounts"][0]
    assert set(account) == {"id", "label", "views_available", "bank_id"}
    assert account["views_available"][0]["id"] == "owner" and account["views_available"][0]["can_add_comment"] is True
    assert "can_add_counterparty" not in account["views_available"][0]  # ViewJSONV121

    r = w.alice.get(f"/obp/v2.0.0{path}")
    assert r.body["accounts"][0]["views_available"] == [{"id": "owner", "short_name": "Owner", "is_public": False}]

    r = w.alice.get(f"/obp/v3.0.0{path}")
    assert {a["id"]: a["account_type"] for a in r.body["accounts"]} == {w.alice_account: w.product, "other-type": "OTHER"}
    r = w.alice.get(f"/obp/v5.1.0{path}?account_type_filter=OTHER")
    assert [a["id"] for a in r.body["accounts"]] == ["other-type"]
    r = w.alice.get(f"/obp/v5.1.0{path}?account_type_filter=OTHER&account_type_filter_operation=EXCLUDE")
    assert [a["id"] for a in r.body["accounts"]] == [w.alice_account]
    r = w.alice.get(f"/obp/v5.1.0{path}?account_type_filter=OTHER&account_type_filter_operation=MAYBE")
    assert (r.status, r.message) == (400, "OBP-10016: Incorrect filter Parameters in URL. request parameter "
                                          "account_type_filter_operation must be either INCLUDE or EXCLUDE, current it is: MAYBE ")

    assert w.bob.get(f"/obp/v3.0.0{path}").body["accounts"][0]["id"] == w.bob_account
    assert len(w.bob.get(f"/obp/v3.0.0{path}").body["accounts"]) == 1
    assert w.alice.get(f"/obp/v3.0.0/banks/{admin.create_bank()}/accounts/private").body == {"accounts": []}
    assert w.alice.get("/obp/v3.0.0/banks/nowhere/accounts/private").code == "OBP-30001"
    assert api.get(f"/obp/v1.2.1{path}").code == "OBP-20001"
    assert w.alice.get(f"/obp/v1.2.1/banks/{w.bank_id}/accounts").body == w.alice.get(f"/obp/v1.2.1{path}").body


# --- one account ------------------------------------------------------------------------------------

def test_core_account_through_the_owner_view_in_each_version(admin, api):
    w = banking_world(admin)
    r = w.alice.put(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/with-iban", {
        "label": "IBAN", "product_code": w.product, "account_routings": [{"scheme": "IBAN", "address": "DE89370400440532013000"}]})
    assert r.status == 201
    path = f"/my/banks/{w.bank_id}/accounts/with-iban/account"
    owner = [{"id": w.alice.user_id, "provider": "http://127.0.0.1:8000", "display_name": w.alice.me["username"]}]

    r = w.alice.get(f"/obp/v2.0.0{path}")
    assert r.body == {"id": "with-iban", "label": "IBAN", "number": "", "owners": owner, "type": w.product,
                      "balance": {"currency": "EUR", "amount": "0"}, "IBAN": "DE89370400440532013000",
                      "swift_bic": None, "bank_id": w.bank_id,
                      "account_routing": {"scheme": "IBAN", "address": "DE89370400440532013000"}}
    r = w.alice.get(f"/obp/v3.0.0{path}")
    assert r.body == {"id": "with-iban", "bank_id": w.bank_id, "label": "IBAN", "number": "", "owners": owner,
                      "type": w.product, "balance": {"currency": "EUR", "amount": "0"},
                      "account_routings": [{"scheme": "IBAN", "address": "DE89370400440532013000"}],
                      "views_basic": [{"id": "owner", "short_name": "Owner",
                                       "description": "The account holder's own view: everything.", "is_public": False}]}
    for version in ("4.0.0", "5.1.0"):
        r = w.alice.get(f"/obp/v{version}{path}")
        assert r.body == {"id": "with-iban", "bank_id": w.bank_id, "label": "IBAN", "number": "", "product_code": w.product,
                          "balance": {"currency": "EUR", "amount": "0"},
                          "account_routings": [{"scheme": "IBAN", "address": "DE89370400440532013000"}],
                          "views_basic": ["owner"]}

    # Without the owner view: OBP-20019, even with another view on the account.
    _granted_view(w, "auditor")
    r = w.bob.get(f"/obp/v4.0.0/my/banks/{w.bank_id}/accounts/{w.alice_account}/account")
    assert (r.status, r.message) == (400, f"OBP-20019: User does not have access to owner view. userId : {w.bob.user_id}. "
                                          f"bankId : {w.bank_id}. accountId : {w.alice_account}")
    assert w.alice.get(f"/obp/v4.0.0/my/banks/{w.bank_id}/accounts/nothing/account").code == "OBP-30018"
    assert api.get(f"/obp/v4.0.0{path}").code == "OBP-20001"
    assert w.alice.get(f"/obp/v1.4.0{path}").code == "OBP-10404"


def test_account_through_a_view_in_the_shapes_before_v400(admin, api):
    w = banking_world(admin)
    path = f"/banks/{w.bank_id}/accounts/{w.alice_account}/owner/account"
    r = w.alice.get(f"/obp/v1.2.1{path}")
    assert r.status == 200
    assert set(r.body) == {"id", "label", "number", "owners", "type", "balance", "IBAN", "swift_bic",
                           "views_available", "bank_id", "account_routing"}
    assert (r.body["type"], r.body["balance"], r.body["IBAN"], r.body["account_routing"]) == (
        w.product, {"currency": "EUR", "amount": "0"}, None, {"scheme": None, "address": None})
    assert [v["id"] for v in r.body["views_available"]] == ["owner"]
    assert w.alice.get(f"/obp/v2.0.0{path}").body == r.body
    r = w.alice.get(f"/obp/v3.0.0{path}")
    assert set(r.body) == {"id", "bank_id", "label", "number", "owners", "type", "balance", "account_routings",
                           "account_rules"}
    r = w.alice.get(f"/obp/v3.1.0{path}")
    assert set(r.body) == {"id", "label", "number", "owners", "type", "balance", "views_available", "bank_id",
                           "account_routings", "account_attributes"}
    assert r.body["account_attributes"][0]["name"] == "OVERDRAFT_LIMIT"
    assert set(w.alice.get(f"/obp/v4.0.0{path}").body) >= {"views_available", "account_attributes", "tags"}

    # A narrow view shows less, and a view without can_see_transaction_this_bank_account nothing.
    _granted_view(w, "ReadBalances")
    r = w.bob.get(f"/obp/v3.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/ReadBalances/account")
    assert r.status == 400 and r.message == ("OBP-20022: View does not permit the access. You need the "
                                             "`can_see_transaction_this_bank_account` permission on the view(ReadBalances)")
    _granted_view(w, "ReadAccountsBerlinGroup")
    assert w.bob.get(f"/obp/v3.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/ReadAccountsBerlinGroup/account").code == "OBP-20022"
    _granted_view(w, "ReadTransactionsDetail")
    r = w.bob.get(f"/obp/v1.2.1/banks/{w.bank_id}/accounts/{w.alice_account}/ReadTransactionsDetail/account")
    assert r.status == 200 and (r.body["label"], r.body["owners"], r.body["balance"]) == (None, [], {"currency": "", "amount": ""})
    assert w.bob.get(f"/obp/v3.1.0{path}").code == "OBP-20017"
    assert w.alice.get(f"/obp/v1.2.1/banks/{w.bank_id}/accounts/nothing/owner/account").code == "OBP-30018"
    assert api.get(f"/obp/v1.2.1{path}").code == "OBP-20001"

    # v5.1.0's core account through a view (ModeratedCoreAccountJsonV400).
    through = f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views"
    r = w.alice.get(f"{through}/owner")
    assert r.body == {"id": w.alice_account, "bank_id": w.bank_id, "label": f"Account {w.alice_account}", "number": "",
                      "product_code": w.product, "balance": {"currency": "EUR", "amount": "0"}, "account_routings": [],
                      "views_basic": ["owner"]}
    r = w.bob.get(f"{through}/ReadTransactionsDetail")
    assert (r.body["label"], r.body["balance"], r.body["views_basic"]) == (
        None, {"currency": "", "amount": ""}, ["ReadAccountsBerlinGroup", "ReadBalances", "ReadTransactionsDetail"])
    assert w.bob.get(f"{through}/owner").code == "OBP-20017"
    assert w.alice.get(f"/obp/v5.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner").code == "OBP-10404"


def test_update_label_through_a_view_allowing_it(admin, api):
    w = banking_world(admin)
    path = f"/banks/{w.bank_id}/accounts/{w.alice_account}"
    r = w.alice.post(f"/obp/v1.2.1{path}", {"id": w.alice_account, "label": "Holidays", "bank_id": w.bank_id})
    assert (r.status, r.body) == (200, {"success": "Success"})
    assert get_account(w.bank_id, w.alice_account).label == "Holidays"
    r = w.alice.post(f"/obp/v5.1.0{path}", {"label": "Rent"})
    assert (r.status, r.body) == (200, {"success": "Success"})
    assert w.alice.get(f"/obp/v5.1.0{path}/owner/account").body["label"] == "Rent"

    assert w.alice.post(f"/obp/v1.2.1{path}", {"label": "no id or bank_id"}).code == "OBP-10001"
    assert w.alice.post(f"/obp/v4.0.0{path}", {"name": "x"}).code == "OBP-10001"
    assert w.alice.post(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/nothing", {"label": "x"}).code == "OBP-30018"
    r = w.bob.post(f"/obp/v4.0.0{path}", {"label": "Bob was here"})
    assert (r.status, r.message) == (400, "OBP-20022: View does not permit the access. You need the "
                                          "`can_update_bank_account_label` permission on any your views")
    _granted_view(w, "auditor")
    assert w.bob.post(f"/obp/v4.0.0{path}", {"label": "Bob was here"}).code == "OBP-20022"
    assert api.post(f"/obp/v4.0.0{path}", {"label": "x"}).code == "OBP-20001"
    assert get_account(w.bank_id, w.alice_account).label == "Rent"


def test_views_of_an_account_in_each_version(admin, api):
    w = banking_world(admin)
    path = f"/banks/{w.bank_id}/accounts/{w.alice_account}/views"
    r = w.alice.get(f"/obp/v1.2.1{path}")
    assert r.status == 200
    ids = [v["id"] for v in r.body["views"]]
    assert ids[:3] == ["owner", "auditor", "accountant"] and len(ids) == 17
    assert "can_add_counterparty" not in r.body["views"][0]
    r = w.alice.get(f"/obp/v2.2.0{path}")
    assert r.body["views"][0]["can_add_counterparty"] is True and "is_system" not in r.body["views"][0]
    r = w.alice.get(f"/obp/v3.0.0{path}")
    assert r.body["views"][0]["is_system"] is True and r.body["views"][0]["is_firehose"] is False
    r = w.alice.get(f"/obp/v5.1.0{path}")
    owner = r.body["views"][0]
    assert "is_firehose" not in owner and "owner" in owner["can_grant_access_to_views"]
    assert r.body["views"][1]["can_grant_access_to_views"] == []

    _granted_view(w, "auditor")
    r = w.bob.get(f"/obp/v5.1.0{path}")
    assert (r.status, r.message) == (400, "OBP-20022: View does not permit the access. You need the "
                                          "`can_see_available_views_for_bank_account` permission on any your views")
    assert w.alice.get(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/nothing/views").code == "OBP-30018"
    assert api.get(f"/obp/v5.1.0{path}").code == "OBP-20001"


def test_transaction_request_types_from_v140(admin, api):
    w = banking_world(admin)
    path = f"/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transaction-request-types"
    charge = {"summary": "Warning! Default value!", "value": {"currency": "EUR", "amount": "0.00"}}
    for version in ("1.4.0", "2.0.0", "5.1.0"):
        r = w.alice.get(f"/obp/v{version}{path}")
        assert (r.status, r.body) == (200, {"transaction_request_types": [
            {"value": "ACCOUNT", "charge": charge}, {"value": "COUNTERPARTY", "charge": charge}]})
    assert w.alice.get(f"/obp/v1.3.0{path}").code == "OBP-10404"
    _granted_view(w, "auditor")
    r = w.bob.get(f"/obp/v1.4.0/banks/{w.bank_id}/accounts/{w.alice_account}/auditor/transaction-request-types")
    assert (r.status, r.message) == (400, "OBP-20022: View does not permit the access. You need the "
                                          "`can_see_transaction_request_types` permission on the View(auditor )")
    assert w.bob.get(f"/obp/v1.4.0{path}").code == "OBP-20017"
    assert w.alice.get(f"/obp/v1.4.0/banks/{w.bank_id}/accounts/nothing/owner/transaction-request-types").code == "OBP-30018"
    assert api.get(f"/obp/v1.4.0{path}").code == "OBP-20001"


# --- transactions, comments and tags at the oldest versions ------------------------------------------

def test_transactions_comments_and_tags_at_v121_and_v130(admin, api):
    w = banking_world(admin)
    assert transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "25.50").status == 201
    base = f"/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transactions"
    r = w.alice.get(f"/obp/v1.2.1{base}")
    assert r.status == 200
    [txn] = r.body["transactions"]
    assert txn["details"] == {"type": "ACCOUNT", "description": "test transfer", "posted": txn["details"]["posted"],
                              "completed": txn["details"]["completed"],
                              "new_balance": {"currency": "EUR", "amount": "-25.50"},
                              "value": {"currency": "EUR", "amount": "-25.50"}}
    assert txn["this_account"]["id"] == w.alice_account and txn["this_account"]["kind"] == w.product
    assert txn["other_account"]["id"] == w.bob_account
    assert txn["metadata"] == {"narrative": None, "comments": [], "tags": [], "images": [], "where": None}

    for version, kind, value in (("1.2.1", "comments", "Rent for May"), ("1.3.0", "tags", "rent")):
        r = w.alice.post(f"/obp/v{version}{base}/{txn['id']}/metadata/{kind}", {"value": value})
        assert r.status == 201 and r.body["value"] == value
    r = w.alice.get(f"/obp/v1.2.1{base}/{txn['id']}/transaction")
    assert r.status == 200
    assert [c["value"] for c in r.body["metadata"]["comments"]] == ["Rent for May"]
    assert [t["value"] for t in r.body["metadata"]["tags"]] == ["rent"]
    assert r.body["metadata"]["comments"][0]["user"]["id"] == w.alice.user_id
    assert w.alice.get(f"/obp/v1.3.0{base}/{txn['id']}/metadata/tags").body["tags"][0]["value"] == "rent"

    # A narrow view shows what it may, null elsewhere; others see nothing.
    _granted_view(w, "ReadTransactionsBasic")
    r = w.bob.get(f"/obp/v1.2.1/banks/{w.bank_id}/accounts/{w.alice_account}/ReadTransactionsBasic/transactions")
    [seen] = r.body["transactions"]
    assert (seen["details"]["description"], seen["other_account"], seen["metadata"]) == (None, None, None)
    assert seen["details"]["value"] == {"currency": "EUR", "amount": "-25.50"}
    assert w.bob.get(f"/obp/v1.2.1{base}").code == "OBP-20017"
    assert api.get(f"/obp/v1.2.1{base}").code == "OBP-20001"
    assert w.alice.get(f"/obp/v1.2.1{base}/nothing/transaction").code == "OBP-30067"
    assert w.alice.get(f"/obp/v1.2.1/root").body["version"] == "v1.2.1"
    assert w.alice.get(f"/obp/v1.3.0/banks/{w.bank_id}").body["id"] == w.bank_id


def test_reads_cost_the_same_round_trips_however_many_accounts(admin, dynamo_calls):
    w = banking_world(admin)
    paths = ["/obp/v3.1.0/my/accounts", f"/obp/v3.1.0/banks/{w.bank_id}/accounts/private",
             f"/obp/v4.0.0/my/banks/{w.bank_id}/accounts/{w.alice_account}/account",
             f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views"]

    def calls() -> list[int]:
        counts = []
        for path in paths:
            dynamo_calls.reset()
            assert w.alice.get(path).status == 200
            counts.append(len(dynamo_calls.calls))
        return counts

    before = calls()
    assert before == [4, 5, 5, 6]  # authentication is 2; the bank 1; then one read per kind of record
    for n in range(3):
        assert w.alice.put(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/more-{n}", {"label": "M", "product_code": "P"}).status == 201
    assert calls() == before
    assert len(w.alice.get("/obp/v3.1.0/my/accounts").body["accounts"]) == 4
