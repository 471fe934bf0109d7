"""One account, one routing (issue 11): an IBAN is stored, made unique and looked up in one
canonical form, so an account whose IBAN is another's written differently cannot be opened, and a
payment to the victim's IBAN, however written, reaches the victim's account only. Records written
before (as typed) are brought to that form by scripts/canonical_routings.py."""
from decimal import Decimal

import pytest

from chalicelib.services import accounts
from chalicelib.store import accounts as account_store
from chalicelib.store import counterparties as counterparty_store
from chalicelib.store.access import new_access
from chalicelib.store.base import transaction
from scripts import canonical_routings
from tests.api.consents.conftest import otp_from_outbox
from tests.support import open_account

VICTIM_IBAN = "DE89370400440532013000"
SPELLINGS = ["DE89 3704 0044 0532 0130 00", "de89370400440532013000", " De89 37040044 0532013000 "]


def _open_with_iban(session, bank_id: str, account_id: str, address: str, scheme: str = "IBAN"):
    return session.put(f"/obp/v5.1.0/banks/{bank_id}/accounts/{account_id}", {
        "label": account_id, "product_code": "", "balance": {"currency": "EUR", "amount": "0"},
        "account_routings": [{"scheme": scheme, "address": address}]})


@pytest.fixture
def mallory(cw):
    """Bob's account with the victim IBAN, and mallory, who may open accounts at the bank."""
    w = cw.w
    r = _open_with_iban(w.bob, w.bank_id, "bob-iban", VICTIM_IBAN)
    assert r.status == 201, r.body
    assert r.body["account_routings"] == [{"scheme": "IBAN", "address": VICTIM_IBAN}]
    mallory = w.admin.new_user_session(("CanCreateAccount", w.bank_id))
    return mallory


def test_an_account_with_the_victims_iban_written_differently_cannot_be_opened(cw, mallory):
    w = cw.w
    for scheme, address in [("IBAN", s) for s in SPELLINGS] + [("iban", VICTIM_IBAN), (" Iban ", SPELLINGS[0])]:
        r = _open_with_iban(mallory, w.bank_id, "lookalike", address, scheme)
        assert (r.status, r.message) == (400, "OBP-30115: Account Routing already exist."), (scheme, address)
    r = _open_with_iban(mallory, w.bank_id, "lookalike", "DE88 3704 0044 0532 0130 00")
    assert (r.status, r.code) == (400, "OBP-10033")
    assert r.message.startswith("OBP-10033: Invalid IBAN.")
    assert account_store.get_account(w.bank_id, "lookalike") is None

    r = _open_with_iban(mallory, w.bank_id, "mallory-iban", "gb82 west 1234 5698 7654 32")
    assert r.status == 201 and r.body["account_routings"] == [{"scheme": "IBAN", "address": "GB82WEST12345698765432"}]


def _vrp_request(cw, scheme: str, address: str) -> str:
    w = cw.w
    request = cw.as_application().post("/obp/v5.1.0/consumer/vrp-consent-requests", {
        "from_account": {"bank_routing": {"scheme": "OBP", "address": w.bank_id},
                         "account_routing": {"scheme": "OBP", "address": w.alice_account},
                         "branch_routing": {"scheme": "", "address": ""}},
        "to_account": {"counterparty_name": "Bob", "bank_routing": {"scheme": "OBP", "address": w.bank_id},
                       "account_routing": {"scheme": scheme, "address": address},
                       "limit": {"currency": "EUR", "max_single_amount": 100, "max_monthly_amount": 1000,
                                 "max_number_of_monthly_transactions": 10, "max_yearly_amount": 1000,
                                 "max_number_of_yearly_transactions": 10}},
        "email": "alice@example.com", "time_to_live": 3600})
    assert request.status == 201, request.body
    return request.body["consent_request_id"]


def _vrp_consent_to(cw, scheme: str, address: str) -> dict:
    w = cw.w
    made = w.alice.post(f"/obp/v5.1.0/consumer/consent-requests/{_vrp_request(cw, scheme, address)}/EMAIL/consents", {})
    assert made.status == 201, made.body
    assert cw.answer(w.alice, made.body["consent_id"], otp_from_outbox()).body["status"] == "ACCEPTED"
    return made.body


def test_a_payment_to_the_victims_iban_in_any_spelling_reaches_the_victim_only(cw, mallory):
    w = cw.w
    for i, address in enumerate([VICTIM_IBAN, *SPELLINGS], start=1):
        assert _open_with_iban(mallory, w.bank_id, f"try-{i}", address).status == 400  # no lookalike exists
        consent = _vrp_consent_to(cw, "iban" if i % 2 else "IBAN", address)
        access = consent["account_access"]
        [counterparty_id] = access["helper_info"]["counterparty_id"]
        counterparty = counterparty_store.get_counterparty(counterparty_id)
        assert (counterparty.other_account_id, counterparty.other_account_routing_scheme,
                counterparty.other_account_routing_address) == ("bob-iban", "IBAN", VICTIM_IBAN)
        paid = cw.as_tpp(consent["jwt"]).post(
            f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/{access['view_id']}"
            "/transaction-request-types/COUNTERPARTY/transaction-requests",
            {"to": {"counterparty_id": counterparty_id}, "value": {"currency": "EUR", "amount": "10"},
             "description": "rent"})
        assert (paid.status, paid.body["status"]) == (201, "COMPLETED"), paid.body
        assert account_store.get_account(w.bank_id, "bob-iban").balance == Decimal(10 * i)
    held_by_mallory = mallory.get(f"/obp/v5.1.0/banks/{w.bank_id}/accounts-held").body["accounts"]
    assert held_by_mallory == []

    invalid = _vrp_request(cw, "IBAN", "DE89 3704 0044 0532 0130 01")
    made = w.alice.post(f"/obp/v5.1.0/consumer/consent-requests/{invalid}/EMAIL/consents", {})
    assert (made.status, made.code) == (400, "OBP-10033")  # an invalid IBAN names no account


def test_an_explicit_counterparty_names_the_victims_iban_in_any_spelling_and_pays_the_victim_only(cw, mallory):
    """createCounterparty (v2.2.0) and createExplicitCounterparty (v4.0.0) store the IBAN canonically
    and resolve it to the one account that holds it; an invalid IBAN is OBP-10033, nothing stored."""
    w = cw.w
    base = f"/obp/%s/banks/{w.bank_id}/accounts/{w.alice_account}/owner/counterparties"
    pay = (f"/obp/v4.0.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transaction-request-types/COUNTERPARTY/"
           "transaction-requests")
    body = {"description": "rent", "other_bank_routing_scheme": "OBP", "other_bank_routing_address": w.bank_id,
            "other_account_secondary_routing_scheme": "", "other_account_secondary_routing_address": "",
            "other_branch_routing_scheme": "", "other_branch_routing_address": "", "is_beneficiary": True,
            "bespoke": []}
    for i, (version, scheme, address) in enumerate([("v2.2.0", "iban", SPELLINGS[0]), ("v4.0.0", "IBAN", SPELLINGS[1]),
                                                    ("v4.0.0", " Iban ", SPELLINGS[2])], start=1):
        made = w.alice.post(base % version, {**body, "name": f"Bob {i}", "other_account_routing_scheme": scheme,
                                             "other_account_routing_address": address,
                                             **({"currency": "EUR"} if version == "v4.0.0" else {})})
        assert made.status == 201, made.body
        assert (made.body["other_account_routing_scheme"], made.body["other_account_routing_address"]) == ("IBAN", VICTIM_IBAN)
        stored = counterparty_store.get_counterparty(made.body["counterparty_id"])
        assert (stored.other_account_id, stored.other_account_routing_address) == ("bob-iban", VICTIM_IBAN)
        paid = w.alice.post(pay, {"to": {"counterparty_id": made.body["counterparty_id"]},
                                  "value": {"currency": "EUR", "amount": "10"}, "description": "rent"})
        assert (paid.status, paid.body["status"]) == (201, "COMPLETED"), paid.body
        assert account_store.get_account(w.bank_id, "bob-iban").balance == Decimal(10 * i)

    before = counterparty_store.of_account(w.bank_id, w.alice_account)
    for version in ("v2.2.0", "v4.0.0"):
        r = w.alice.post(base % version, {**body, "name": "Broken", "other_account_routing_scheme": "IBAN",
                                          "other_account_routing_address": "DE89 3704 0044 0532 0130 01",
                                          **({"currency": "EUR"} if version == "v4.0.0" else {})})
        assert (r.status, r.code) == (400, "OBP-10033"), version
    assert len(counterparty_store.of_account(w.bank_id, w.alice_account)) == len(before)


def _legacy_account(bank_id: str, account_id: str, user_id: str, routings: list[dict]) -> None:
    """An account as it was written before canonical routings: routings and guards as typed."""
    record = account_store.new_account(bank_id, account_id, currency="EUR", routings=routings,
                                       holders=[{"user_id": user_id, "name": "legacy"}], attributes=[])
    account_store.create_account(record, new_access(user_id, bank_id, account_id, "owner"))


def test_routings_written_before_are_made_canonical_and_lookalikes_reported(cw, offline_scans):
    w = cw.w
    bank = w.bank_id
    # written before the change: bob's IBAN with spaces, lower case; mallory's lookalike of
    # alice's IBAN (alice's written canonically), a counterparty resolved to the lookalike, and an
    # invalid IBAN.
    _legacy_account(bank, "bob-legacy", w.bob.user_id, [{"scheme": "iban", "address": "gb82 west 1234 5698 7654 32"}])
    _legacy_account(bank, "alice-legacy", w.alice.user_id, [{"scheme": "IBAN", "address": VICTIM_IBAN}])
    _legacy_account(bank, "mallory-legacy", w.admin.user_id, [{"scheme": "IBAN", "address": SPELLINGS[0]}])
    _legacy_account(bank, "broken-legacy", w.admin.user_id, [{"scheme": "IBAN", "address": "DE00 1234"}])
    _legacy_account(bank, "plain-legacy", w.admin.user_id, [{"scheme": "AccountNumber", "address": " 123 "}])
    fraud = counterparty_store.new_counterparty(
        "c0ffee00-0000-4000-8000-000000000001", name="Rent", this_bank_id=bank, this_account_id=w.alice_account,
        this_view_id="_VRP-x", created_by_user_id=w.alice.user_id, other_bank_routing_scheme="OBP",
        other_bank_routing_address=bank, other_account_routing_scheme="IBAN",
        other_account_routing_address=SPELLINGS[0], other_bank_id=bank, other_account_id="mallory-legacy",
        currency="EUR", created_at=account_store.get_account(bank, "alice-legacy").created_at)
    with transaction() as tx:
        counterparty_store.stage_new(tx, fraud)

    with offline_scans():
        dry = canonical_routings.migrate(dry_run=True)
    assert sorted(dry.rewritten) == [f"{bank}/bob-legacy", f"{bank}/plain-legacy"]
    assert account_store.get_account(bank, "bob-legacy").routings[0].address == "gb82 west 1234 5698 7654 32"

    with offline_scans():
        report = canonical_routings.migrate()
    assert sorted(report.rewritten) == [f"{bank}/bob-legacy", f"{bank}/plain-legacy"]
    assert report.collisions == [f"{bank}/mallory-legacy IBAN:{SPELLINGS[0]} is IBAN:{VICTIM_IBAN} of {bank}/alice-legacy"]
    assert report.invalid == [f"{bank}/broken-legacy IBAN:DE00 1234"]
    assert len(report.counterparties) == 1 and report.counterparties[0].startswith(fraud.counterparty_id)
    assert report.needs_an_operator

    bob = account_store.get_account(bank, "bob-legacy")
    assert [(r.scheme, r.address) for r in bob.routings] == [("IBAN", "GB82WEST12345698765432")]
    assert account_store.routing_owner(account_store.routing_value(bank, "iban", "gb82 west 1234 5698 7654 32")) is None
    for address in ("GB82 WEST 1234 5698 7654 32", "gb82west12345698765432"):  # found however written
        assert accounts.account_by_routing(bank, "iban", address).account_id == "bob-legacy"
        assert _open_with_iban(w.alice, bank, "again", address).code == "OBP-30115"
    for address in SPELLINGS:
        assert accounts.account_by_routing(bank, "IBAN", address).account_id == "alice-legacy"  # never the lookalike
    assert accounts.account_by_routing(bank, "AccountNumber", "123").account_id == "plain-legacy"
    mallory = account_store.get_account(bank, "mallory-legacy")
    assert [(r.scheme, r.address) for r in mallory.routings] == [("IBAN", SPELLINGS[0])]

    with offline_scans():
        again = canonical_routings.migrate()
    assert again.rewritten == [] and again.collisions == report.collisions
    with offline_scans():
        assert canonical_routings.main([]) == 1
    open_account(w.alice, bank)  # requests go on as before
