"""What a consent does not open: the user's own consents, accounts, views and webhooks; another
view's payments; another bank's part of a consent. And what no caller can do: revive a revoked
consent, undo a revocation with a stale write, or make the user's consents send unlimited
challenges."""
from chalicelib.services import consents as consent_service
from chalicelib.settings import reload_settings
from chalicelib.store import consents as consent_store
from tests.api.consents.conftest import outbox_messages
from tests.api.consents.test_vrp import _pay, _vrp_consent
from tests.support import transfer

REFUSED = "OBP-20001: User not logged in. Authentication is required! A consent does not open this endpoint: it needs the user's own login."


def test_a_consent_opens_none_of_the_users_own_records(cw):
    w = cw.w
    other = cw.accepted(views=[cw.owner_view()])
    tpp = cw.as_tpp(cw.accepted()["jwt"])
    for method, path, body in (
        ("GET", "/obp/v5.1.0/my/consents", None),
        ("GET", f"/obp/v3.1.0/banks/{w.bank_id}/my/consents", None),
        ("POST", f"/obp/v5.1.0/banks/{w.bank_id}/my/consents/EMAIL", {"everything": True, "views": [], "entitlements": [],
                                                                       "email": "tpp@evil.example"}),
        ("DELETE", f"/obp/v5.1.0/my/consents/{other['consent_id']}", None),
        ("POST", f"/obp/v5.1.0/banks/{w.bank_id}/consents/{other['consent_id']}/challenge", {"answer": "1"}),
        ("GET", f"/obp/v5.1.0/user/current/consents/{other['consent_id']}", None),
        ("POST", "/obp/v5.1.0/consumer/consent-requests", {"everything": True, "account_access": []}),
        ("GET", "/obp/v5.1.0/users/current/customers", None),
        ("GET", f"/obp/v5.1.0/banks/{w.bank_id}/customer", None),
        ("PUT", f"/obp/v5.1.0/banks/{w.bank_id}/accounts/new-acc", {"label": "x", "product_code": ""}),
        ("POST", f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/views/owner/account-access/grant",
         {"user_id": w.bob.user_id, "view_id": "owner"}),
        ("GET", "/obp/v5.1.0/my/web-hooks", None),
        ("POST", "/obp/v5.1.0/banks", {"id": "tpp-bank", "bank_code": "T", "full_name": "T"}),
    ):
        r = tpp.call(method, path, body=body)
        assert (r.status, r.message) == (401, REFUSED), (method, path, r.body)
    assert consent_store.get_consent(other["consent_id"]).status == "ACCEPTED"
    assert outbox_messages() == []
    assert tpp.get("/obp/v5.1.0/users/current").status == 200  # what the consent holds still works


def test_a_vrp_view_sees_only_the_payments_made_through_it(cw):
    w = cw.w
    consent = _vrp_consent(cw)
    access = consent["account_access"]
    private = transfer(w.alice, w.bank_id, w.alice_account, w.bob_account, "5")
    assert private.status == 201
    paid = _pay(cw, consent, "7")
    assert paid.status == 201
    tpp = cw.as_tpp(consent["jwt"])
    base = f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/{access['view_id']}/transaction-requests"
    listed = tpp.get(base)
    assert [r["id"] for r in listed.body["transaction_requests_with_charges"]] == [paid.body["id"]]
    assert tpp.get(f"{base}/{private.body['id']}").status == 404
    assert tpp.get(f"{base}/{paid.body['id']}").status == 200
    owner = w.alice.get(f"/obp/v5.1.0/banks/{w.bank_id}/accounts/{w.alice_account}/owner/transaction-requests")
    assert {r["id"] for r in owner.body["transaction_requests_with_charges"]} == {paid.body["id"], private.body["id"]}


def test_a_stale_change_cannot_undo_a_revocation(cw):
    consent = cw.accepted()
    stale = consent_store.get_consent(consent["consent_id"])
    assert cw.w.alice.delete(f"/obp/v5.1.0/my/consents/{consent['consent_id']}").status == 200
    claims = consent_service.with_claims(consent_service.claims_of(stale), createdByUserId="someone")
    assert consent_store.replace_claims(stale, claims=claims, user_id=stale.user_id, banks=list(stale.banks)) is False
    fresh = consent_store.get_consent(consent["consent_id"])
    assert (fresh.status, consent_service.claims_of(fresh)["createdByUserId"]) == ("REVOKED", cw.w.alice.user_id)
    assert cw.as_tpp(consent["consent_id"]).get("/obp/v5.1.0/users/current").code == "OBP-35005"


def test_a_role_at_one_bank_acts_only_on_consents_of_that_bank_alone(cw, admin):
    w = cw.w
    both = cw.accepted(views=[cw.owner_view(), cw.alice_view_elsewhere(admin)])
    staff = admin.new_user_session(("CanUpdateConsentStatusAtOneBank", w.bank_id), ("CanRevokeConsentAtBank", w.bank_id))
    r = staff.put(f"/obp/v5.1.0/management/banks/{w.bank_id}/consents/{both['consent_id']}", {"status": "REJECTED"})
    assert (r.status, r.code) == (404, "OBP-35001")
    assert staff.delete(f"/obp/v5.1.0/banks/{w.bank_id}/consents/{both['consent_id']}").code == "OBP-35001"
    anywhere = admin.new_user_session("CanUpdateConsentStatusAtAnyBank")
    assert anywhere.put(f"/obp/v5.1.0/management/banks/{w.bank_id}/consents/{both['consent_id']}",
                        {"status": "REJECTED"}).status == 200


def test_a_revoked_consent_stays_revoked(cw, admin):
    consent = cw.accepted()
    cw.w.alice.delete(f"/obp/v5.1.0/my/consents/{consent['consent_id']}")
    staff = admin.new_user_session("CanUpdateConsentStatusAtAnyBank")
    r = staff.put(f"/obp/v5.1.0/management/banks/{cw.bank_id}/consents/{consent['consent_id']}", {"status": "ACCEPTED"})
    assert (r.status, r.message) == (400, "OBP-35025: The Consent's status cannot be updated. A revoked consent stays revoked.")
    assert cw.as_tpp(consent["jwt"]).get("/obp/v5.1.0/users/current").code == "OBP-35005"


def test_a_users_consents_send_a_bounded_number_of_challenges_a_day(cw, monkeypatch):
    monkeypatch.setenv("OBP_CONSENT_CHALLENGES_PER_DAY", "2")
    reload_settings()
    assert [cw.create(cw.w.alice, "SMS").status for _ in range(2)] == [201, 201]
    r = cw.create(cw.w.alice, "SMS")
    assert (r.status, r.message) == (429, "OBP-10018: Too Many Requests. A user's consents may send at most 2 challenges a day.")
    assert len(outbox_messages("sms")) == 2
    assert len(consent_store.list_of_user(cw.w.alice.user_id, limit=10)) == 2
    assert cw.create(cw.w.bob, "SMS", views=[cw.owner_view(cw.w.bob_account)]).status == 201  # per user


def test_bank_lists_filter_before_they_page(cw, admin):
    w = cw.w
    here = cw.accepted()
    elsewhere = cw.alice_view_elsewhere(admin)
    for _ in range(3):  # newer consents at another bank
        cw.accepted(views=[elsewhere])
    r = w.alice.get(f"/obp/v5.1.0/banks/{w.bank_id}/my/consents?limit=1")
    assert [c["consent_id"] for c in r.body["consents"]] == [here["consent_id"]]
    oldest_first = w.alice.get("/obp/v5.1.0/my/consents?sort_direction=ASC&limit=1").body["consents"]
    assert oldest_first[0]["consent_id"] == here["consent_id"]
