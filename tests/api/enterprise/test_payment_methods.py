"""Payment methods over /v1: a recurring openbanking mandate created, authorised by the payer on
the hosted page as an OBP VRP consent, listed, read, deleted; every state (created, succeeded,
failed, expired) and the ways there, including the payer revoking the consent through OBP's own
consent endpoints; validation, idempotency by reference, partner isolation."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

from chalicelib.services.enterprise import payment_methods as method_service
from chalicelib.services.enterprise import payments as payment_service
from chalicelib.store import access as access_store
from chalicelib.store import consents as consent_store
from chalicelib.store import counterparties as counterparty_store
from chalicelib.store import consumers as consumer_store
from chalicelib.store.enterprise import payment_methods as method_store
from chalicelib.store.enterprise import provider_accounts as provider_store
from tests.payments_support import (
    REDIRECT, Browser, authorised_method, charge, consent_code_for, create_method, methods_path,
    new_customer, new_payer, new_shop, to_the_mandate_code, webhook_events,
)

ISO_MILLIS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
EVENTS = ("payment_method.",)


def _fields(r) -> dict:
    assert r.status == 400 and r.body["error"] == "invalid_request", r.body
    return {f["field"]: f["reason"] for f in r.body["fields"]}


def _get(shop, method: dict) -> dict:
    r = shop.client.get(methods_path(shop, method["customer_id"], f"/{method['id']}"))
    assert r.status == 200, r.body
    return r.body


def test_a_method_is_created_with_its_hosted_page_listed_and_announced(shop):
    customer = new_customer(shop)
    today = method_service.now().date()
    r = create_method(shop, customer, 999, "monthly", reference="member-7", metadata={"plan": "gold"},
                      recurring={"day_of_execution": 28, "end_date": (today + timedelta(days=400)).isoformat()})
    assert r.status == 201, r.body
    body = r.body
    assert re.match(r"^pm_[0-9a-f]{32}$", body["id"])
    assert re.match(rf"^http://127\.0\.0\.1:8000/checkout/{body['id']}/[A-Za-z0-9_-]{{43}}$", body["next"]["redirect"])
    assert {k: v for k, v in body.items() if k not in ("id", "next", "created")} == {
        "profile_id": shop.profile_id, "customer_id": customer, "reference": "member-7", "method": "openbanking",
        "description": "Bike club membership", "metadata": {"plan": "gold"}, "state": "created",
        "openbanking": {"bank_id": None, "recurring": {
            "amount": 999, "currency": "EUR", "frequency": "monthly", "day_of_execution": 28, "month_of_execution": None,
            "start_date": today.isoformat(), "end_date": (today + timedelta(days=400)).isoformat()}},
        "session": {"redirect_url": REDIRECT}, "next_charge_date": None, "failure_reason": None,
        "expiry_reason": None, "completed": None, "expired": None}
    assert ISO_MILLIS.match(body["created"])
    assert _get(shop, body) == body
    listed = shop.client.get(methods_path(shop, customer))
    assert listed.status == 200 and listed.body == [body]  # an array, as the provider's
    assert webhook_events(EVENTS) == [("payment_method.created", {
        "type": "payment_method.created", "id": body["id"], "profile_id": shop.profile_id, "customer_id": customer})]
    # The page's secret is stored only as a hash; the clearing account is the mandate's beneficiary.
    secret = body["next"]["redirect"].rsplit("/", 1)[1]
    stored = method_store.get_method(body["id"])
    assert secret not in str(method_store.get_checkout(body["id"]).attribute_values)
    assert stored.clearing_account_id == provider_store.get(shop.bank_id, "EUR").clearing_account_id


def test_the_payer_authorises_the_mandate_as_an_obp_vrp_consent_with_the_schedules_limits(shop, api):
    payer = new_payer(shop.world)
    customer = new_customer(shop)
    method = create_method(shop, customer, 2500, "weekly", recurring={"day_of_execution": 1}).body
    page = Browser(api.client, method["next"]["redirect"]).open()
    assert page.status == 200 and page.text_of("merchant") == "Shop" and page.text_of("amount") == "25.00 EUR"
    assert page.text_of("schedule").startswith("weekly on Mondays, from ")
    page.submit("bank", bank_id=shop.bank_id)
    page.submit("sign-in", username=payer.username, password=payer.password)
    assert page.options("account_id") == payer.accounts
    page.submit("account", account_id=payer.accounts[0])
    assert page.text_of("sent-to") == f"We sent a one-time code to {payer.email[0]}***@example.com."
    assert _get(shop, method)["state"] == "created"
    page.submit("confirm", code=consent_code_for(payer.email))
    assert page.text_of("state") == "Recurring payments authorised"
    assert page.return_link == f"{REDIRECT}&payment_method_id={method['id']}"

    got = _get(shop, method)
    first = date.fromisoformat(got["openbanking"]["recurring"]["start_date"])
    first += timedelta(days=(7 - first.weekday()) % 7)  # the first Monday on or after the start
    assert (got["state"], got["next"], got["openbanking"]["bank_id"], got["next_charge_date"]) == (
        "succeeded", None, shop.bank_id, first.isoformat())
    assert payer.accounts[0] not in json.dumps(got) and payer.username not in json.dumps(got)
    assert [t for t, _ in webhook_events(EVENTS)] == ["payment_method.created", "payment_method.succeeded"]

    # The mandate is the payer's own OBP VRP consent: listed for them, for the profile's application,
    # with the custom _VRP view and a counterparty (the clearing account) carrying the limits.
    mine = payer.session.get("/obp/v5.1.0/my/consents")
    assert mine.status == 200, mine.body
    [consent] = [c for c in mine.body["consents"] if c["status"] == "ACCEPTED"]
    stored = method_store.get_method(method["id"])
    assert consent["consent_id"] == stored.consent_id
    record = consent_store.get_consent(stored.consent_id)
    consumer = consumer_store.get_consumer(record.consumer_id)
    assert consumer.app_name == "Shop" and record.user_id == payer.user_id
    assert stored.view_id.startswith("_VRP-") and json.loads(record.claims)["views"] == [
        {"bank_id": shop.bank_id, "account_id": payer.accounts[0], "view_id": stored.view_id}]
    assert access_store.get_access(payer.user_id, shop.bank_id, payer.accounts[0], stored.view_id) is not None
    counterparty = counterparty_store.get_counterparty(stored.counterparty_id)
    assert (counterparty.other_bank_id, counterparty.other_account_id) == (shop.bank_id, stored.clearing_account_id)
    assert (str(counterparty.max_single_amount), str(counterparty.max_monthly_amount),
            int(counterparty.max_number_of_monthly_transactions), int(counterparty.max_number_of_yearly_transactions)) == (
        "25.00", "125.00", 5, 53)
    assert counterparty.max_total_amount is None  # no end_date: the consent's life bounds it


def test_a_wrong_code_rejects_the_consent_and_fails_the_method(shop, api):
    payer = new_payer(shop.world)
    method = create_method(shop, new_customer(shop)).body
    page = to_the_mandate_code(api.client, method, payer, shop.bank_id)
    page.submit("confirm", code="00000000")
    assert (page.text_of("state"), page.text_of("reason")) == (
        "Recurring payments not authorised", "The mandate was not confirmed with the right code.")
    got = _get(shop, method)
    assert (got["state"], got["failure_reason"], got["next"]) == ("failed", "authentication_failed", None)
    assert consent_store.get_consent(method_store.get_checkout(method["id"]).consent_id).status == "REJECTED"
    assert [t for t, _ in webhook_events(EVENTS)] == ["payment_method.created", "payment_method.failed"]
    # The right code afterwards changes nothing: OBP evaluates a consent's answer once.
    page.submit("confirm", code=consent_code_for(payer.email))
    assert _get(shop, method)["state"] == "failed"


def test_cancel_and_a_page_never_finished_fail_the_method(shop, api, monkeypatch):
    cancelled = create_method(shop, new_customer(shop)).body
    Browser(api.client, cancelled["next"]["redirect"]).open().submit("cancel")
    assert (_get(shop, cancelled)["state"], _get(shop, cancelled)["failure_reason"]) == ("failed", "cancelled_by_the_payer")

    on_read = create_method(shop, new_customer(shop)).body
    swept = create_method(shop, new_customer(shop)).body
    later = method_service.now() + timedelta(minutes=31)
    monkeypatch.setattr(method_service, "now", lambda: later)
    monkeypatch.setattr(payment_service, "now", lambda: later)
    got = _get(shop, on_read)
    assert (got["state"], got["failure_reason"], got["next"]) == ("failed", "not_authorised_in_time", None)
    assert payment_service.sweep()["payment_methods_failed"] == 1
    assert method_store.get_method(swept["id"]).state == "failed"
    assert payment_service.sweep()["payment_methods_failed"] == 0  # off the sweeper's list


def test_bad_requests_are_400_naming_the_field(shop, ent, admin):
    customer = new_customer(shop)
    today = method_service.now().date()
    assert _fields(create_method(shop, customer, method="creditcard")) == {
        "method": "only openbanking methods with a recurring schedule can be created"}
    r = shop.client.post(methods_path(shop, customer), {"method": "openbanking", "session": {"redirect_url": REDIRECT}})
    assert _fields(r) == {"openbanking": "is required"}
    assert _fields(create_method(shop, customer, frequency="hourly")) == {
        "openbanking.recurring.frequency": "must be one of daily, weekly, monthly, quarterly, yearly"}
    assert _fields(create_method(shop, customer, 0)) == {"openbanking.recurring.amount": "must be at least 1"}
    assert _fields(create_method(shop, customer, 9.99)) == {"openbanking.recurring.amount": "must be a whole number"}
    assert _fields(create_method(shop, customer, recurring={"currency": "XAU"})) == {
        "openbanking.recurring.currency": "must be an ISO 4217 currency code with minor units, in capitals (e.g. EUR)"}
    assert _fields(create_method(shop, customer, recurring={"start_date": "15/01/2030"})) == {
        "openbanking.recurring.start_date": "must be a date such as 2025-03-15"}
    yesterday = (today - timedelta(days=1)).isoformat()
    assert _fields(create_method(shop, customer, recurring={"start_date": yesterday})) == {
        "openbanking.recurring.start_date": "must be today or later"}
    assert _fields(create_method(shop, customer, recurring={"end_date": yesterday})) == {
        "openbanking.recurring.end_date": "must not be before start_date"}
    assert _fields(create_method(shop, customer, recurring={"day_of_execution": 32})) == {
        "openbanking.recurring.day_of_execution": "must be between 1 and 31"}
    assert _fields(create_method(shop, customer, recurring={"bic": "X"})) == {
        "openbanking.recurring.bic": "is not a known field"}
    assert _fields(create_method(shop, customer, session={"redirect_url": "javascript:alert(1)"}))["session.redirect_url"]
    assert shop.client.get(methods_path(shop, customer)).body == []  # nothing was created
    assert create_method(shop, "customer_" + "0" * 36).status == 404
    # A profile without a payout account takes no mandates.
    bare = shop.client.post("/v1/profiles", {"name": "Bare"}).body["id"]
    bare_customer = shop.client.post(f"/v1/profiles/{bare}/customers", {}).body["id"]
    r = shop.client.post(f"/v1/profiles/{bare}/customers/{bare_customer}/payment-methods", {
        "method": "openbanking", "openbanking": {"recurring": {"amount": 1, "currency": "EUR", "frequency": "daily"}},
        "session": {"redirect_url": REDIRECT}})
    assert _fields(r) == {"profile": "the profile has no payout_account: set it before taking payments"}


def test_a_reference_returns_the_first_method_and_idempotency_keys_replay(shop):
    customer = new_customer(shop)
    first = create_method(shop, customer, reference="plan-1")
    again = create_method(shop, customer, reference="plan-1")
    assert (first.status, again.status, again.body["id"]) == (201, 201, first.body["id"])
    other = create_method(shop, customer, 1234, reference="plan-1")
    assert other.status == 409 and "plan-1" in other.body["error_description"]
    keyed = shop.client.post(methods_path(shop, customer), {
        "method": "openbanking", "openbanking": {"recurring": {"amount": 5, "currency": "EUR", "frequency": "daily"}},
        "session": {"redirect_url": REDIRECT}}, headers={"Idempotency-Key": "k-1"})
    replay = shop.client.post(methods_path(shop, customer), {
        "method": "openbanking", "openbanking": {"recurring": {"amount": 5, "currency": "EUR", "frequency": "daily"}},
        "session": {"redirect_url": REDIRECT}}, headers={"Idempotency-Key": "k-1"})
    assert replay.headers.get("idempotent-replayed") == "true" and replay.body == keyed.body
    assert len(shop.client.get(methods_path(shop, customer)).body) == 2


def test_a_customer_has_a_bounded_number_of_methods(shop, monkeypatch):
    monkeypatch.setattr(method_store, "MAX_PER_CUSTOMER", 2)
    customer = new_customer(shop)
    assert [create_method(shop, customer).status for _ in range(2)] == [201, 201]
    assert _fields(create_method(shop, customer)) == {"customer_id": "a customer has at most 2 payment methods"}


def test_another_partner_reaches_none_of_the_methods(shop, ent, admin, api):
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer)
    customer = method["customer_id"]
    stranger = new_shop(ent, admin, shop.world, name="Stranger")
    own_customer = new_customer(stranger)
    for client, profile in ((stranger.client, shop.profile_id), (stranger.client, stranger.profile_id)):
        base = f"/v1/profiles/{profile}/customers/{customer}/payment-methods"
        assert client.get(base).status == 404
        assert client.get(f"{base}/{method['id']}").status == 404
        assert client.delete(f"{base}/{method['id']}").status == 404
    # Through another customer's path of the right profile: 404 too; and no charge through it.
    assert shop.client.get(methods_path(shop, new_customer(shop), f"/{method['id']}")).status == 404
    assert stranger.client.get(methods_path(stranger, own_customer, f"/{method['id']}")).status == 404
    r = charge(stranger, method, 100)
    assert _fields(r) == {"payment_method": "no such payment method of this profile"}
    assert _get(shop, method)["state"] == "succeeded"
    assert shop.client.get(methods_path(shop, customer), headers={"Authorization": "Bearer nope"}).status == 401


def test_deleting_ends_the_mandate_and_terminates_the_consent(shop, api):
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer)
    r = shop.client.delete(methods_path(shop, method["customer_id"], f"/{method['id']}"))
    assert r.status == 200 and (r.body["state"], r.body["expiry_reason"]) == ("expired", "deleted")
    assert ISO_MILLIS.match(r.body["expired"]) and r.body["next_charge_date"] is None
    consent = consent_store.get_consent(method_store.get_method(method["id"]).consent_id)
    assert consent.status == "TERMINATEDBYTPP"
    assert _fields(charge(shop, method, 100)) == {
        "payment_method": "its mandate does not allow charges: the payment method is expired"}
    again = shop.client.delete(methods_path(shop, method["customer_id"], f"/{method['id']}"))
    assert again.status == 200 and again.body == _get(shop, method)
    assert [t for t, _ in webhook_events(EVENTS)][-1:] == ["payment_method.expired"]
    # A method not yet authorised: deleting fails it (its page link dies).
    waiting = create_method(shop, new_customer(shop)).body
    r = shop.client.delete(methods_path(shop, waiting["customer_id"], f"/{waiting['id']}"))
    assert (r.body["state"], r.body["failure_reason"], r.body["next"]) == ("failed", "cancelled_by_the_merchant", None)
    assert Browser(api.client, waiting["next"]["redirect"]).open().text_of("state") == "Recurring payments not authorised"


def test_the_payer_revoking_the_consent_through_obp_expires_the_mandate(shop, api):
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer)
    webhook_events(EVENTS)
    consent_id = method_store.get_method(method["id"]).consent_id
    r = payer.session.delete(f"/obp/v5.1.0/my/consents/{consent_id}")
    assert r.status == 200 and r.body["status"] == "REVOKED", r.body
    got = _get(shop, method)
    assert (got["state"], got["expiry_reason"], got["next_charge_date"]) == ("expired", "consent_revoked", None)
    assert webhook_events(EVENTS) == [("payment_method.expired", {
        "type": "payment_method.expired", "id": method["id"], "profile_id": shop.profile_id,
        "customer_id": method["customer_id"]})]
    assert method_store.get_method(method["id"]).gsi3pk is None  # off the recurring charges' list
    assert _fields(charge(shop, method, 100))["payment_method"].endswith("the payment method is expired")

    # Revoked at the bank's management endpoint (OBP v3.1.0 revokeConsent through the payer's own path too).
    second = authorised_method(shop, api.client, payer)
    consent_id = method_store.get_method(second["id"]).consent_id
    r = payer.session.get(f"/obp/v3.1.0/banks/{shop.bank_id}/my/consents/{consent_id}/revoke")
    assert r.status == 200, r.body
    assert (_get(shop, second)["state"], _get(shop, second)["expiry_reason"]) == ("expired", "consent_revoked")


def test_a_revocation_the_mandate_missed_is_found_on_the_next_read_or_charge(shop, api, monkeypatch):
    """The consent's status listener may never run (a crash right after the revocation): the
    method still expires on the next read; a charge that raced the revocation past the method's
    own check fails with the reason when the mandate refuses it, and the method expires."""
    from chalicelib.services import consents

    payer = new_payer(shop.world)
    read, raced = (authorised_method(shop, api.client, payer) for _ in range(2))
    monkeypatch.setattr(consents, "_STATUS_LISTENERS", [])
    for method in (read, raced):
        consent_id = method_store.get_method(method["id"]).consent_id
        assert payer.session.delete(f"/obp/v5.1.0/my/consents/{consent_id}").status == 200
        assert method_store.get_method(method["id"]).state == "succeeded"
    assert (_get(shop, read)["state"], _get(shop, read)["expiry_reason"]) == ("expired", "consent_revoked")

    monkeypatch.setattr(method_service, "current", lambda method: method)  # the check ran before the revocation
    r = charge(shop, raced, 100)
    assert r.status == 201 and (r.body["state"], r.body["failure_reason"]) == ("failed", "mandate_revoked"), r.body
    stored = method_store.get_method(raced["id"])
    assert (stored.state, stored.expiry_reason) == ("expired", "consent_revoked")
    assert balance_of_payer(shop, payer) == 500


def balance_of_payer(shop, payer) -> int:
    from tests.payments_support import balance

    return balance(shop.world, shop.bank_id, payer.accounts[0])


def test_a_mandate_expires_when_its_schedule_ends(shop, api, monkeypatch):
    payer = new_payer(shop.world)
    today = method_service.now().date()
    method = authorised_method(shop, api.client, payer, frequency="daily",
                               recurring={"end_date": (today + timedelta(days=1)).isoformat()})
    consent = consent_store.get_consent(method_store.get_method(method["id"]).consent_id)
    ends = method_service.datetime.combine(today + timedelta(days=2), method_service.datetime.min.time(),
                                           method_service.timezone.utc)
    assert json.loads(consent.claims)["exp"] == int(ends.timestamp())  # the end of the end date
    later = method_service.now() + timedelta(days=2)
    monkeypatch.setattr(method_service, "now", lambda: later)
    got = _get(shop, method)
    assert (got["state"], got["expiry_reason"]) == ("expired", "ended")


def test_responses_are_what_their_models_document(shop, api):
    """Every state's JSON against the documented PaymentMethod (exactly its fields, each of its type)."""
    from chalicelib.schemas.responses import PaymentMethod

    payer = new_payer(shop.world)
    succeeded = authorised_method(shop, api.client, payer, recurring={"day_of_execution": 3})
    created = create_method(shop, new_customer(shop), frequency="yearly", recurring={"month_of_execution": 2}).body
    failed = shop.client.delete(methods_path(shop, created["customer_id"], f"/{created['id']}")).body
    expired = shop.client.delete(methods_path(shop, succeeded["customer_id"], f"/{succeeded['id']}")).body
    for body in (succeeded, created, failed, expired):
        assert PaymentMethod.model_validate(body).model_dump() == body


def test_reads_are_bounded_whatever_the_number_of_methods(shop, api, dynamo_calls):
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer)
    for _ in range(3):
        assert create_method(shop, method["customer_id"]).status == 201
    dynamo_calls.reset()
    _get(shop, method)
    # the partner's token and key in one batch, the method, its consent
    assert (dynamo_calls.round_trips(), dynamo_calls.operations()) == (3, ["BatchGetItem", "GetItem", "BatchGetItem"])
    dynamo_calls.reset()
    assert len(shop.client.get(methods_path(shop, method["customer_id"])).body) == 4
    # the partner, the customer, its methods' members, the methods, their consents: whatever their number
    assert (dynamo_calls.round_trips(), dynamo_calls.operations()) == (
        5, ["BatchGetItem", "GetItem", "Query", "BatchGetItem", "BatchGetItem"])
    dynamo_calls.reset()
    assert shop.client.get(f"/v1/profiles/{shop.profile_id}/settlements").body == []
    # the partner, the profile (its settlement_count, 0: no page to read)
    assert (dynamo_calls.round_trips(), dynamo_calls.operations()) == (2, ["BatchGetItem", "GetItem"])


# --- the payer under issue 11's rules, as on the payment page -----------------------------------

_LOCKED = "This user is locked. Contact your bank."
_GONE = "You are no longer signed in to your bank. The payment cannot continue here."


def test_a_payer_locked_after_signing_in_fails_the_mandate_before_any_consent(shop, api, admin):
    payer = new_payer(shop.world)
    method = create_method(shop, new_customer(shop)).body
    page = Browser(api.client, method["next"]["redirect"]).open()
    page.submit("bank", bank_id=shop.bank_id)
    page.submit("sign-in", username=payer.username, password=payer.password)
    assert page.options("account_id") == payer.accounts
    webhook_events(EVENTS)  # what came so far
    assert admin.post(f"/obp/v4.0.0/users/{payer.username}/locks").status == 200

    page.submit("account", account_id=payer.accounts[0])  # no consent is asked for now
    assert page.status == 403 and page.text_of("error") == _LOCKED
    got = _get(shop, method)
    assert (got["state"], got["failure_reason"], got["next"]) == ("failed", "refused_by_the_bank", None)
    assert method_store.get_checkout(method["id"]).consent_id is None
    assert [(t, b["id"]) for t, b in webhook_events(EVENTS)] == [("payment_method.failed", method["id"])]
    page.open()
    assert page.status == 200 and page.text_of("state") == "Recurring payments not authorised"


def test_a_payer_deleted_at_the_code_step_never_accepts_the_consent(shop, api, admin):
    payer = new_payer(shop.world)
    method = create_method(shop, new_customer(shop)).body
    page = to_the_mandate_code(api.client, method, payer, shop.bank_id)
    assert 'id="code"' in page.html
    code = consent_code_for(payer.email)
    consent_id = method_store.get_checkout(method["id"]).consent_id
    assert admin.delete(f"/obp/v4.0.0/users/{payer.user_id}").status == 200

    page.submit("confirm", code=code)
    assert page.status == 403 and page.text_of("error") == _GONE
    got = _get(shop, method)
    assert (got["state"], got["failure_reason"]) == ("failed", "refused_by_the_bank")
    assert consent_store.get_consent(consent_id).status == "INITIATED"  # never answered, never ACCEPTED


def test_a_locked_payers_mandate_is_refused_until_unlocked_and_a_deleted_payers_ends(shop, api, admin):
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer, amount=1000)
    assert admin.post(f"/obp/v4.0.0/users/{payer.username}/locks").status == 200
    r = charge(shop, method, 500)
    assert (r.status, r.body["state"], r.body["failure_reason"]) == (201, "failed", "refused_by_the_bank")
    assert _get(shop, method)["state"] == "succeeded"  # the bank may unlock the payer
    assert admin.put(f"/obp/v3.1.0/users/{payer.username}/lock-status").status == 200
    assert charge(shop, method, 500).body["state"] == "succeeded"

    assert admin.delete(f"/obp/v4.0.0/users/{payer.user_id}").status == 200
    r = charge(shop, method, 500)
    assert (r.body["state"], r.body["failure_reason"]) == ("failed", "mandate_unusable")
    got = _get(shop, method)
    assert (got["state"], got["expiry_reason"]) == ("expired", "payer_gone")
