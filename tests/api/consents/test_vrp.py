"""VRP consents: a VRP consent request, finalised by the payer, creates the beneficiary
counterparty, its limits and a generated view; payments under the consent go to that
counterparty only and are refused once a limit would be passed, also when they race."""
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from decimal import Decimal

from chalicelib.errors import ApiError
from chalicelib.services import consent_use, transaction_requests
from chalicelib.store import access as access_store
from chalicelib.store import counterparties as counterparty_store
from chalicelib.store.accounts import get_account
from tests.api.consents.conftest import claims_of, otp_from_outbox
from tests.support import serialized_aws_calls

LIMITS = {"currency": "EUR", "max_single_amount": 100, "max_monthly_amount": "250.00",
          "max_number_of_monthly_transactions": 3, "max_yearly_amount": 1000, "max_number_of_yearly_transactions": 10}


def _vrp_request(cw, **limit_changes) -> dict:
    w = cw.w
    body = {
        "from_account": {"bank_routing": {"scheme": "OBP", "address": w.bank_id},
                         "account_routing": {"scheme": "OBP", "address": w.alice_account},
                         "branch_routing": {"scheme": "", "address": ""}},
        "to_account": {"counterparty_name": "Bob's Gym", "bank_routing": {"scheme": "OBP", "address": w.bank_id},
                       "account_routing": {"scheme": "OBP", "address": w.bob_account},
                       "limit": {**LIMITS, **limit_changes}},
        "email": "alice@example.com", "time_to_live": 3600,
    }
    r = cw.as_application().post("/obp/v5.1.0/consumer/vrp-consent-requests", body)
    assert r.status == 201, r.body
    return r.body


def _vrp_consent(cw, **limit_changes) -> dict:
    request = _vrp_request(cw, **limit_changes)
    made = cw.w.alice.post(f"/obp/v5.1.0/consumer/consent-requests/{request['consent_request_id']}/EMAIL/consents", {})
    assert made.status == 201, made.body
    done = cw.answer(cw.w.alice, made.body["consent_id"], otp_from_outbox())
    assert done.body["status"] == "ACCEPTED"
    return made.body


def _pay(cw, consent: dict, amount: str, counterparty_id: str | None = None, request_type="COUNTERPARTY", view=None):
    access = consent["account_access"]
    body = ({"to": {"counterparty_id": counterparty_id or access["helper_info"]["counterparty_id"][0]},
             "value": {"currency": "EUR", "amount": amount}, "description": "gym", "charge_policy": "SHARED"}
            if request_type == "COUNTERPARTY" else
            {"to": {"bank_id": cw.bank_id, "account_id": cw.w.bob_account}, "value": {"currency": "EUR", "amount": amount},
             "description": "gym"})
    return cw.as_tpp(consent["jwt"]).post(
        f"/obp/v4.0.0/banks/{access['bank_id']}/accounts/{access['account_id']}/{view or access['view_id']}"
        f"/transaction-request-types/{request_type}/transaction-requests", body)


def test_finalising_a_vrp_request_creates_the_counterparty_its_limits_and_a_view(cw):
    w = cw.w
    request = _vrp_request(cw)
    assert list(request["payload"])[0] == "consent_type" and request["payload"]["consent_type"] == "VRP"
    made = w.alice.post(f"/obp/v5.1.0/consumer/consent-requests/{request['consent_request_id']}/EMAIL/consents", {})
    assert made.status == 201
    access = made.body["account_access"]
    assert (access["bank_id"], access["account_id"]) == (w.bank_id, w.alice_account)
    assert access["view_id"].startswith("_VRP-")
    [counterparty_id] = access["helper_info"]["counterparty_id"]
    assert claims_of(made.body["jwt"])["views"] == [{"bank_id": w.bank_id, "account_id": w.alice_account,
                                                    "view_id": access["view_id"]}]

    counterparty = counterparty_store.get_counterparty(counterparty_id)
    assert (counterparty.name, counterparty.other_bank_id, counterparty.other_account_id) == ("Bob's Gym", w.bank_id, w.bob_account)
    assert (counterparty.this_account_id, counterparty.this_view_id) == (w.alice_account, access["view_id"])
    assert (counterparty.max_single_amount, counterparty.max_monthly_amount, counterparty.max_yearly_amount) == (
        Decimal("100"), Decimal("250.00"), Decimal("1000"))
    assert (counterparty.max_number_of_monthly_transactions, counterparty.max_number_of_yearly_transactions,
            counterparty.max_total_amount) == (3, 10, None)
    view = access_store.get_custom_view(w.bank_id, w.alice_account, access["view_id"])
    assert "can_add_transaction_request_to_beneficiary" in view.permissions
    assert "can_add_transaction_request_to_any_account" not in view.permissions
    assert access_store.get_access(w.alice.user_id, w.bank_id, w.alice_account, access["view_id"]) is not None

    fetched = cw.as_application().get(f"/obp/v5.1.0/consumer/consent-requests/{request['consent_request_id']}/consents")
    assert fetched.body["account_access"] == access


def test_payments_under_a_vrp_consent_stay_within_the_limits(cw):
    w = cw.w
    consent = _vrp_consent(cw)
    for amount in ("80", "80", "80"):
        r = _pay(cw, consent, amount)
        assert (r.status, r.body["status"], r.body["type"]) == (201, "COMPLETED", "COUNTERPARTY"), r.body
    assert r.body["details"]["to_counterparty"] == {"counterparty_id": consent["account_access"]["helper_info"]["counterparty_id"][0]}
    assert get_account(w.bank_id, w.bob_account).balance == Decimal("240")

    single = _pay(cw, consent, "100.01")
    assert (single.status, single.code) == (400, "OBP-10035") and "single" in single.message
    fourth = _pay(cw, consent, "5")  # the fourth payment this month
    assert (fourth.status, fourth.code) == (400, "OBP-10035") and "monthly" in fourth.message
    assert get_account(w.bank_id, w.bob_account).balance == Decimal("240")
    month = counterparty_store.periods(datetime.now(timezone.utc))["month"]
    usage = counterparty_store.usage(consent["account_access"]["helper_info"]["counterparty_id"][0], month)
    assert (usage.amount, usage.count) == (Decimal("240"), 3)

    small = _vrp_consent(cw, max_monthly_amount=100, max_number_of_monthly_transactions=10)
    assert _pay(cw, small, "60").status == 201
    over = _pay(cw, small, "50")
    assert (over.status, over.code) == (400, "OBP-10035") and "monthly" in over.message


def test_a_vrp_consent_pays_its_counterparty_and_nothing_else(cw):
    w = cw.w
    consent = _vrp_consent(cw)
    other = _vrp_consent(cw)
    r = _pay(cw, consent, "10", request_type="ACCOUNT")  # no transfers to any account through the VRP view
    assert (r.status, r.code) == (400, "OBP-40002")
    r = _pay(cw, consent, "10", counterparty_id=other["account_access"]["helper_info"]["counterparty_id"][0])
    assert (r.status, r.code) == (400, "OBP-40002")  # another consent's counterparty, through this view
    r = _pay(cw, consent, "10", counterparty_id="6f1a2b3c-0000-4000-8000-000000000000")
    assert (r.status, r.code) == (404, "OBP-30017")
    r = _pay(cw, consent, "10", view="owner")  # the consent does not hold alice's owner view
    assert (r.status, r.code) == (400, "OBP-40002")
    assert get_account(w.bank_id, w.alice_account).balance == 0

    # Alice herself may pay the counterparty through owner; the limits still count.
    r = w.alice.post(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transaction-request-types/"
                     "COUNTERPARTY/transaction-requests",
                     {"to": {"counterparty_id": consent["account_access"]["helper_info"]["counterparty_id"][0]},
                      "value": {"currency": "EUR", "amount": "101"}, "description": "x"})
    assert r.code == "OBP-10035"


def test_racing_payments_never_pass_a_count_limit(cw):
    consent = _vrp_consent(cw, max_number_of_monthly_transactions=3)
    caller = consent_use.authenticate(consent["jwt"], cw.tpp["key"])
    access = consent["account_access"]
    order = transaction_requests.TransferOrder("", "", "EUR", "10", "race",
                                               counterparty_id=access["helper_info"]["counterparty_id"][0])

    def pay(_):
        try:
            return transaction_requests.create(caller, access["bank_id"], access["account_id"], access["view_id"],
                                               "COUNTERPARTY", order).status
        except ApiError as err:
            return err.code

    with serialized_aws_calls(), ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(pay, range(6)))
    assert sorted(map(str, outcomes)) == ["201"] * 3 + ["OBP-10035"] * 3
    assert get_account(cw.bank_id, cw.w.bob_account).balance == Decimal("30")


def test_vrp_requests_the_payer_cannot_honour_make_no_consent(cw, admin):
    w = cw.w
    request = _vrp_request(cw, currency="GBP")
    r = w.alice.post(f"/obp/v5.1.0/consumer/consent-requests/{request['consent_request_id']}/EMAIL/consents", {})
    assert (r.status, r.code) == (400, "OBP-40003")
    request = _vrp_request(cw)
    r = w.bob.post(f"/obp/v5.1.0/consumer/consent-requests/{request['consent_request_id']}/EMAIL/consents", {})
    assert (r.status, r.code) == (400, "OBP-35014")  # bob may not pay from alice's account
    bad = json.loads(json.dumps(LIMITS))
    bad["max_single_amount"] = -5
    request = _vrp_request(cw, **bad)
    assert w.alice.post(f"/obp/v5.1.0/consumer/consent-requests/{request['consent_request_id']}/EMAIL/consents",
                        {}).code == "OBP-10001"
    assert cw.as_application().post("/obp/v5.1.0/consumer/vrp-consent-requests", {"to_account": {}}).code == "OBP-10001"
    assert cw.as_application().post("/obp/v5.0.0/consumer/vrp-consent-requests", {}).code == "OBP-10404"


def test_the_holder_sees_the_counterparties_and_limits_vrp_consents_created(cw):
    w = cw.w
    consent = _vrp_consent(cw, max_total_amount=2000)
    access = consent["account_access"]
    [counterparty_id] = access["helper_info"]["counterparty_id"]
    own = w.alice.post(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/counterparties", {
        "name": "Landlord", "description": "", "currency": "EUR", "other_bank_routing_scheme": "OBP",
        "other_bank_routing_address": w.bank_id, "other_account_routing_scheme": "OBP",
        "other_account_routing_address": w.bob_account, "other_account_secondary_routing_scheme": "",
        "other_account_secondary_routing_address": "", "other_branch_routing_scheme": "",
        "other_branch_routing_address": "", "is_beneficiary": True, "bespoke": []}).body

    # The holder, through the owner view: every counterparty of the account, the VRP one included.
    r = w.alice.get(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/counterparties")
    by_id = {c["counterparty_id"]: c for c in r.body["counterparties"]}
    assert set(by_id) == {counterparty_id, own["counterparty_id"]}
    assert (by_id[counterparty_id]["name"], by_id[counterparty_id]["this_view_id"]) == ("Bob's Gym", access["view_id"])
    r = w.alice.get(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/counterparties/"
                    f"{counterparty_id}/limits")
    assert r.status == 200
    assert {k: v for k, v in r.body.items() if k != "counterparty_limit_id"} == {
        "bank_id": w.bank_id, "account_id": w.alice_account, "view_id": access["view_id"],
        "counterparty_id": counterparty_id, "currency": "EUR", "max_single_amount": "100",
        "max_monthly_amount": "250.00", "max_number_of_monthly_transactions": 3, "max_yearly_amount": "1000",
        "max_number_of_yearly_transactions": 10, "max_total_amount": "2000", "max_number_of_transactions": None}
    r = w.alice.get(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/counterparties/"
                    f"{own['counterparty_id']}/limits")
    assert (r.status, r.code) == (400, "OBP-30263")

    # The TPP, through the consent's view: its own counterparty only.
    tpp = cw.as_tpp(consent["jwt"])
    r = tpp.get(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/{access['view_id']}/counterparties")
    assert [c["counterparty_id"] for c in r.body["counterparties"]] == [counterparty_id]
    r = tpp.get(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/{access['view_id']}/counterparties/"
                f"{own['counterparty_id']}")
    assert r.code == "OBP-30017"
    assert tpp.get(f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/counterparties").code == "OBP-20017"
    # Nobody else reads them.
    assert w.bob.get(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/counterparties/"
                     f"{counterparty_id}/limits").code == "OBP-20017"
