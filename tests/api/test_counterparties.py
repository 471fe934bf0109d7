"""Explicit counterparties through a view (v2.2.0 and v4.0.0 shapes), paying one with a
COUNTERPARTY transaction request, and who sees which."""
from chalicelib.store import counterparties as counterparty_store
from chalicelib.store.accounts import get_account
from chalicelib.store.base import resolve_unique
from tests.support import banking_world

_BODY = {
    "name": "Bob", "description": "Bob's account", "other_bank_routing_scheme": "OBP", "other_bank_routing_address": "",
    "other_account_routing_scheme": "OBP", "other_account_routing_address": "",
    "other_account_secondary_routing_scheme": "", "other_account_secondary_routing_address": "",
    "other_branch_routing_scheme": "", "other_branch_routing_address": "", "is_beneficiary": True,
    "bespoke": [{"key": "english_name", "value": "Bob"}],
}


def _body(w, **changes) -> dict:
    return {**_BODY, "other_bank_routing_address": w.bank_id, "other_account_routing_address": w.bob_account, **changes}


def _path(w, version: str, view: str = "owner", account: str | None = None) -> str:
    return f"/obp/v{version}/banks/{w.bank_id}/accounts/{account or w.alice_account}/{view}/counterparties"


def _grant(w, view_id: str) -> None:
    r = w.alice.post(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant",
                     {"user_id": w.bob.user_id, "view_id": view_id})
    assert r.status == 201, r.body


def test_create_read_and_pay_a_counterparty(admin):
    w = banking_world(admin)
    r = w.alice.post(_path(w, "2.2.0"), _body(w))
    assert r.status == 201, r.body
    made = r.body
    counterparty_id = made["counterparty_id"]
    assert made == {
        "name": "Bob", "description": "Bob's account", "created_by_user_id": w.alice.user_id,
        "this_bank_id": w.bank_id, "this_account_id": w.alice_account, "this_view_id": "owner",
        "counterparty_id": counterparty_id, "other_bank_routing_scheme": "OBP", "other_bank_routing_address": w.bank_id,
        "other_branch_routing_scheme": "", "other_branch_routing_address": "", "other_account_routing_scheme": "OBP",
        "other_account_routing_address": w.bob_account, "other_account_secondary_routing_scheme": "",
        "other_account_secondary_routing_address": "", "is_beneficiary": True,
        "bespoke": [{"key": "english_name", "value": "Bob"}],
        "metadata": {"public_alias": f"ALIAS_{counterparty_id.replace('-', '')[:6].upper()}", "more_info": "",
                     "url": "", "image_url": "", "open_corporates_url": "", "corporate_location": None,
                     "physical_location": None, "private_alias": ""},
    }
    stored = counterparty_store.get_counterparty(counterparty_id)
    assert (stored.other_bank_id, stored.other_account_id) == (w.bank_id, w.bob_account)

    # v4.0.0 adds the currency; the list items carry no metadata.
    r = w.alice.post(_path(w, "4.0.0"), _body(w, name="Bob EUR", currency="EUR"))
    assert r.status == 201 and r.body["currency"] == "EUR" and "metadata" in r.body
    r = w.alice.get(_path(w, "2.2.0"))
    assert [c["name"] for c in r.body["counterparties"]] == ["Bob", "Bob EUR"]
    assert "currency" not in r.body["counterparties"][0] and "metadata" not in r.body["counterparties"][0]
    r = w.alice.get(_path(w, "5.1.0"))
    assert [c["currency"] for c in r.body["counterparties"]] == ["", "EUR"]
    assert w.alice.get(f"{_path(w, '2.2.0')}/{counterparty_id}").body == made
    r = w.alice.get(f"{_path(w, '4.0.0')}/{counterparty_id}")
    assert r.body == {**made, "currency": ""}

    # Pay it: a COUNTERPARTY transaction request moves the money to the account its routings name.
    r = w.alice.post(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transaction-request-types/"
                     "COUNTERPARTY/transaction-requests",
                     {"to": {"counterparty_id": counterparty_id}, "value": {"currency": "EUR", "amount": 40},
                      "description": "for Bob", "charge_policy": "SHARED"})
    assert r.status == 201 and r.body["status"] == "COMPLETED", r.body
    assert r.body["challenges"] == []
    assert get_account(w.bank_id, w.bob_account).balance == 40


def test_counterparty_errors(admin, api):
    w = banking_world(admin)
    assert api.post(_path(w, "4.0.0"), _body(w, currency="EUR")).code == "OBP-20001"
    assert w.alice.post(_path(w, "4.0.0", account="nothing"), _body(w, currency="EUR")).code == "OBP-30018"
    r = w.alice.post(_path(w, "4.0.0"), _body(w))
    assert (r.status, r.code) == (400, "OBP-10001") and "PostCounterpartyJson400" in r.message
    assert w.alice.post(_path(w, "4.0.0"), _body(w, currency="EURO")).code == "OBP-10003"
    r = w.alice.post(_path(w, "2.2.0"), _body(w, description="x" * 37))
    assert (r.status, r.message) == (400, "OBP-20010: Value too long. The maximum length of `description` field is 36")
    r = w.alice.post(_path(w, "2.2.0"), _body(w, other_account_routing_address="nothing"))
    assert (r.status, r.code) == (404, "OBP-30018")
    r = w.alice.post(_path(w, "2.2.0"), _body(w, other_bank_routing_address="nowhere"))
    assert (r.status, r.code) == (404, "OBP-30001")
    # A view without can_add_counterparty: 400 at v2.2.0, 403 from v4.0.0 (OBP-30022).
    _grant(w, "auditor")
    r = w.bob.post(_path(w, "2.2.0", "auditor"), _body(w))
    assert (r.status, r.message) == (400, "OBP-30022: The current view does not have the permission: can_add_counterparty. "
                                          "Please use a view with that permission or add the permission to this view.")
    assert w.bob.post(_path(w, "4.0.0", "auditor"), _body(w, currency="EUR")).status == 403
    assert w.bob.post(_path(w, "4.0.0"), _body(w, currency="EUR")).code == "OBP-20017"
    assert counterparty_store.of_account(w.bank_id, w.alice_account) == []

    # One name per account and view.
    assert w.alice.post(_path(w, "2.2.0"), _body(w)).status == 201
    r = w.alice.post(_path(w, "2.2.0"), _body(w))
    assert (r.status, r.message) == (400, (
        "OBP-30014: Counterparty already exists. Please specify a different COUNTERPARTY_NAME(Bob) for the "
        f"BANK_ID({w.bank_id}) and ACCOUNT_ID({w.alice_account}) and VIEW_ID(owner)"))
    assert len(counterparty_store.of_account(w.bank_id, w.alice_account)) == 1
    assert resolve_unique("COUNTERPARTY_NAME", f"{w.bank_id}#{w.alice_account}#owner#Bob")


def test_reads_need_can_get_counterparty_and_never_reach_other_accounts(admin, api):
    w = banking_world(admin)
    made = w.alice.post(_path(w, "2.2.0"), _body(w)).body
    one = f"/{made['counterparty_id']}"
    _grant(w, "ReadBalances")  # a view without can_get_counterparty
    r = w.bob.get(_path(w, "2.2.0", "ReadBalances"))
    assert (r.status, r.message) == (400, "OBP-30022: The current view does not have the permission:can_get_counterparty")
    assert w.bob.get(_path(w, "4.0.0", "ReadBalances")).status == 403
    assert w.bob.get(_path(w, "4.0.0", "ReadBalances") + one).status == 403
    assert w.bob.get(_path(w, "4.0.0")).code == "OBP-20017"
    # bob's own account has none; alice's counterparty is not found through it.
    assert w.bob.get(_path(w, "4.0.0", account=w.bob_account)).body == {"counterparties": []}
    r = w.bob.get(_path(w, "4.0.0", account=w.bob_account) + one)
    assert (r.status, r.message) == (400, f"OBP-30017: Counterparty not found. Please specify a valid value for "
                                          f"COUNTERPARTY_ID. Current counterpartyId({made['counterparty_id']}) ")
    assert w.alice.get(_path(w, "4.0.0") + "/no-such-counterparty").code == "OBP-30017"
    assert api.get(_path(w, "4.0.0")).code == "OBP-20001"
    # The auditor view (can_get_counterparty) sees the account's counterparties.
    _grant(w, "auditor")
    assert [c["counterparty_id"] for c in w.bob.get(_path(w, "4.0.0", "auditor")).body["counterparties"]] == [
        made["counterparty_id"]]


def test_paying_a_counterparty_needs_a_beneficiary_here(admin):
    w = banking_world(admin)
    not_beneficiary = w.alice.post(_path(w, "2.2.0"), _body(w, name="Not yet", is_beneficiary=False)).body
    elsewhere = w.alice.post(_path(w, "2.2.0"), _body(
        w, name="Elsewhere", other_bank_routing_scheme="BIC", other_bank_routing_address="DEUTDEFF",
        other_account_routing_scheme="IBAN", other_account_routing_address="DE89370400440532013000")).body
    assert elsewhere["other_account_routing_scheme"] == "IBAN"
    pay = (f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transaction-request-types/COUNTERPARTY/"
           "transaction-requests")
    r = w.alice.post(pay, {"to": {"counterparty_id": not_beneficiary["counterparty_id"]},
                           "value": {"currency": "EUR", "amount": "5"}, "description": "x"})
    assert (r.status, r.code) == (400, "OBP-30013")
    r = w.alice.post(pay, {"to": {"counterparty_id": elsewhere["counterparty_id"]},
                           "value": {"currency": "EUR", "amount": "5"}, "description": "x"})
    assert (r.status, r.code) == (404, "OBP-30003") and "name no account at this server" in r.message
    assert get_account(w.bank_id, w.alice_account).balance == 0
