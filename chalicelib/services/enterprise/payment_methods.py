"""Payment methods of a profile's customers (seed 003 "Payment methods", reference §2.5): an
openbanking method with a `recurring` schedule is a mandate to charge the payer, authorised by the
payer on the hosted page as an OBP VRP consent (services/enterprise/mandates.py).

    created --(the payer authorises: the consent is ACCEPTED)--> succeeded
       '--(cancelled, wrong or late code, page not finished in time, deleted)--> failed
    succeeded --(the schedule ended, the payer revoked the consent, the merchant deleted it)--> expired

Every change commits with its event (`payment_method.<state>`, a thin notification {"type", "id",
"profile_id", "customer_id"}; its event id derives from the method and the state, so a repeated
dispatch is one delivery). The payer's revocation reaches the method through the consents'
status listener (services/consents.on_status_change) right after it commits; every read and every
charge checks the consent again, so a missed notification only delays the expiry to the next look.

Recurring charges (`charge_due`, a scheduled function): each succeeded method sits on a due list
under its next execution date; on that day a payment of `recurring.amount` is made through the
mandate. A period's charge is one payment whatever the retries: its id is held by a guard item
(UNIQUE#RECURRING_CHARGE#<method>#<period>) written in the payment's own transaction, and the next
execution date advances only after that payment is finished, under a condition on the date read.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from chalicelib import crypto, outbox
from chalicelib.errors import ApiError
from chalicelib.services import consents, idempotency, webhooks
from chalicelib.services.enterprise import customers, mandates, profiles, provider_accounts, recurring
from chalicelib.services.enterprise.common import write_once
from chalicelib.services.enterprise.errors import conflict, invalid_request, not_found
from chalicelib.services.enterprise.oauth import Partner
from chalicelib.settings import get_settings
from chalicelib.store.enterprise import payment_methods as store
from chalicelib.store.enterprise import write
from chalicelib.store.enterprise.payments import CheckoutRecord, stage_checkout_update

logger = logging.getLogger(__name__)

CREATED, SUCCEEDED, FAILED, EXPIRED = "created", "succeeded", "failed", "expired"
STATES = (CREATED, SUCCEEDED, FAILED, EXPIRED)
EVENTS = tuple(f"payment_method.{state}" for state in STATES)
OPENBANKING = "openbanking"
METHODS = (OPENBANKING,)
_SEAL_PURPOSE = "checkout-link"
_ID_HEX = 32
_EVENT_NAMESPACE = uuid.UUID("5d7c8a0e-2b8f-4f4e-8d7b-3c2f1e0a9b61")


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class NewPaymentMethod:
    method: str
    recurring: recurring.Recurring
    redirect_url: str
    description: str | None = None
    reference: str | None = None
    metadata: dict | None = field(default=None)


def is_method_id(value: str) -> bool:
    tail = value[len("pm_"):] if isinstance(value, str) and value.startswith("pm_") else ""
    return len(tail) == _ID_HEX and all(c in "0123456789abcdef" for c in tail)


def checkout_url(method) -> str | None:
    """next.redirect: the hosted page where the payer authorises the mandate, while they can."""
    if method.state != CREATED or not method.checkout_sealed:
        return None
    secret = crypto.unseal(method.checkout_sealed, _SEAL_PURPOSE).decode()
    return f"{get_settings().hostname.rstrip('/')}/checkout/{method.payment_method_id}/{secret}"


def event(state: str, method) -> outbox.Message:
    event_type = f"payment_method.{state}"
    body = {"type": event_type, "id": method.payment_method_id, "profile_id": method.profile_id,
            "customer_id": method.customer_id}
    event_id = str(uuid.uuid5(_EVENT_NAMESPACE, f"{method.payment_method_id}:{state}"))
    return webhooks.event_message(event_type, [webhooks.profile_scope(method.profile_id)], body, event_id)


# --- create ---------------------------------------------------------------------------------------

def create_method(partner: Partner, profile_id: str, customer_id: str, new: NewPaymentMethod,
                  also: Callable | None = None):
    """POST …/customers/{customerId}/payment-methods. A `reference` already used in the profile
    returns that method (409 if this request differs from it)."""
    profile = profiles.get_profile(partner, profile_id)
    customers.get_customer(partner, profile_id, customer_id)
    problems = [(f"openbanking.recurring.{name}", reason) for name, reason in recurring.problems(new.recurring, now().date())]
    if new.method not in METHODS:
        problems.insert(0, ("method", "only openbanking methods with a recurring schedule can be created"))
    if not profile.payout_account_id:
        problems.append(("profile", "the profile has no payout_account: set it before taking payments"))
    if problems:
        raise invalid_request(*problems)
    fingerprint = idempotency.fingerprint("payment-method", {**asdict(new), "customer_id": customer_id})
    if new.reference is not None:
        earlier = _by_reference(profile_id, new.reference, fingerprint)
        if earlier is not None:
            return earlier
    clearing = provider_accounts.for_bank(profile.payout_bank_id, new.recurring.currency)
    method, checkout = _new_records(profile, customer_id, new, clearing, fingerprint)
    message = event(CREATED, method)

    def build(tx):
        store.stage_new_method(tx, method, checkout)
        outbox.stage(tx, message)

    outcome = write(build, (lambda tx: also(tx, method)) if also else None)
    if outcome == "stale" and new.reference is not None:
        earlier = _by_reference(profile_id, new.reference, fingerprint)
        if earlier is not None:
            return earlier
    if outcome == "stale":
        raise invalid_request(("customer_id", f"a customer has at most {store.MAX_PER_CUSTOMER} payment methods"))
    if outcome == "lost":
        raise conflict("Another request with this Idempotency-Key took over; retry to get its response")
    if outcome != "done":
        raise conflict("The payment method could not be created; try again")
    outbox.dispatch(message)
    logger.info("payment method %s created for customer %s of profile %s", method.payment_method_id, customer_id,
                profile_id)
    return method


def _by_reference(profile_id: str, reference: str, fingerprint: str):
    method_id = store.method_of_reference(profile_id, reference)
    method = store.get_method(method_id) if method_id else None
    if method is None:
        return None
    if method.request_fingerprint != fingerprint:
        raise conflict(f"reference {reference!r} already names payment method {method.payment_method_id}, "
                       "made with other details")
    return current(method)


def _new_records(profile, customer_id: str, new: NewPaymentMethod, clearing, fingerprint: str):
    created = now()
    expires = created + timedelta(seconds=get_settings().payment_expiry_seconds)
    method_id = f"pm_{uuid.uuid4().hex}"
    secret = crypto.new_token()
    r = new.recurring
    method = store.PaymentMethodRecord(
        pk=store.method_pk(method_id), sk="PAYMENT_METHOD", **_work_keys(method_id, expires),
        payment_method_id=method_id, profile_id=profile.profile_id, client_id=profile.client_id,
        customer_id=customer_id, method=new.method, state=CREATED, description=new.description,
        reference=new.reference, request_fingerprint=fingerprint,
        metadata=json.dumps(new.metadata, separators=(",", ":")) if new.metadata is not None else None,
        amount=r.amount, currency=r.currency, frequency=r.frequency, day_of_execution=r.day_of_execution,
        month_of_execution=r.month_of_execution, start_date=r.start_date.isoformat(),
        end_date=r.end_date.isoformat() if r.end_date else None, redirect_url=new.redirect_url,
        merchant_name=profile.name, checkout_sealed=crypto.seal(secret.encode(), _SEAL_PURPOSE),
        created_at=created, expires=expires, clearing_bank_id=clearing.bank_id,
        clearing_account_id=clearing.clearing_account_id,
    )
    checkout = CheckoutRecord(
        pk=store.method_pk(method_id), sk="CHECKOUT", payment_id=method_id, token_hash=crypto.hash_token(secret),
        valid_until=expires, version=1, sign_in_attempts=0, expires_at=expires + timedelta(days=1),
    )
    return method, checkout


def _work_keys(method_id: str, due: datetime) -> dict:
    from chalicelib.store.enterprise.payments import work_keys

    return work_keys("M", method_id, due)


# --- read -----------------------------------------------------------------------------------------

def _owned(partner: Partner, profile_id: str, customer_id: str, method) -> bool:
    return (method is not None and method.client_id == partner.client_id and method.profile_id == profile_id
            and method.customer_id == customer_id)


def get_method(partner: Partner, profile_id: str, customer_id: str, payment_method_id: str):
    method = store.get_method(payment_method_id) if is_method_id(payment_method_id) else None
    if not _owned(partner, profile_id, customer_id, method):
        raise not_found()
    return current(method)


def list_methods(partner: Partner, profile_id: str, customer_id: str) -> list:
    """The customer's methods, oldest first (at most MAX_PER_CUSTOMER: one Query, one BatchGetItem,
    and one more for the consents of succeeded ones)."""
    customers.get_customer(partner, profile_id, customer_id)
    methods = [m for m in store.methods_of(customer_id) if _owned(partner, profile_id, customer_id, m)]
    return refreshed(methods)


def method_for_payment(partner: Partner, profile_id: str, payment_method_id: str):
    """The method a payment names (`payment_method`): the partner's, of this profile; None otherwise."""
    method = store.get_method(payment_method_id) if is_method_id(payment_method_id) else None
    if method is None or method.client_id != partner.client_id or method.profile_id != profile_id:
        return None
    return current(method)


def current(method):
    return refreshed([method])[0]


def refreshed(methods: list) -> list:
    """The methods with every due change made now: a page never finished fails at its deadline; a
    mandate expires once its schedule has ended or its consent no longer allows charges (the
    consents of succeeded methods are read in one BatchGetItem)."""
    at = now()
    live = [m for m in methods if m.state == SUCCEEDED]
    consents = mandates.consents_of(live) if live else {}
    out = []
    for method in methods:
        if method.state == CREATED and method.expires <= at:
            method = fail(method, "not_authorised_in_time", condition=store.PaymentMethodRecord.expires <= at)
        elif method.state == SUCCEEDED:
            reason = _schedule_ended(method, at.date()) or mandates.ended(consents.get(method.consent_id), at)
            if reason is not None:
                method = expire(method, reason)
        out.append(method)
    return out


def _schedule_ended(method, today: date) -> str | None:
    return "ended" if method.end_date and today > date.fromisoformat(method.end_date) else None


# --- state changes --------------------------------------------------------------------------------

def _transition(method, to_state: str, from_states: tuple[str, ...], *, fields: dict | None = None,
                due_date: str | None = None, condition=None, also: Callable | None = None):
    """Change the state in its own transaction with its event; the method as it is afterwards."""
    message = event(to_state, method)

    def build(tx):
        store.stage_transition(tx, method, to_state, from_states, fields=fields, due_date=due_date, condition=condition)
        outbox.stage(tx, message)

    if write_once(build, also) == "done":
        outbox.dispatch(message)
        logger.info("payment method %s %s -> %s", method.payment_method_id, method.state, to_state)
    return store.get_method(method.payment_method_id)


def fail(method, reason: str, condition=None, also: Callable | None = None):
    """created -> failed (the page's session ends with it)."""
    return _transition(method, FAILED, (CREATED,), fields={"failure_reason": reason, "completed_at": now(),
                                                           "checkout_sealed": None}, condition=condition, also=also)


def expire(method, reason: str):
    """succeeded -> expired: no more charges through the mandate."""
    return _transition(method, EXPIRED, (SUCCEEDED,), fields={"expiry_reason": reason, "expired_at": now()})


def stage_authorisation(tx, method, checkout, consent, first_date: date) -> None:
    """created -> succeeded in the transaction that accepts the payer's consent: the mandate's
    records, the first execution date on the due list, the page session moved on, the event."""
    access = json.loads(consent.account_access or "{}")
    fields = {
        "consent_id": consent.consent_id, "consumer_id": consent.consumer_id,
        "counterparty_id": (access.get("helper_info") or {}).get("counterparty_id", [None])[0],
        "view_id": access.get("view_id"), "payer_bank_id": checkout.bank_id,
        "payer_account_id": checkout.payer_account_id, "payer_user_id": checkout.payer_user_id,
        "completed_at": now(), "checkout_sealed": None,
    }
    store.stage_transition(tx, method, SUCCEEDED, (CREATED,), fields=fields, due_date=first_date.isoformat(),
                           condition=store.PaymentMethodRecord.expires > now())
    stage_checkout_update(tx, checkout, {})
    outbox.stage(tx, event(SUCCEEDED, method))


def stage_refusal(tx, method, checkout, reason: str) -> None:
    """created -> failed in the transaction that rejects the payer's consent."""
    store.stage_transition(tx, method, FAILED, (CREATED,), fields={
        "failure_reason": reason, "completed_at": now(), "checkout_sealed": None})
    stage_checkout_update(tx, checkout, {})
    outbox.stage(tx, event(FAILED, method))


def dispatch_event_of(method) -> None:
    """Hand the event of the method's current state to SQS again (the same event id as the staged
    one, so at most one delivery): after a transaction staged by another module committed."""
    outbox.dispatch(event(method.state, method))


def delete_method(partner: Partner, profile_id: str, customer_id: str, payment_method_id: str):
    """DELETE …/payment-methods/{id} ("if possible"): a mandate ends at once, its consent
    TERMINATEDBYTPP, in one transaction (expired, `deleted`); a method not yet authorised fails
    (`cancelled_by_the_merchant`); a failed or expired one is answered as it is."""
    method = get_method(partner, profile_id, customer_id, payment_method_id)
    if method.state == CREATED:
        return fail(method, "cancelled_by_the_merchant")
    if method.state != SUCCEEDED:
        return method
    message = event(EXPIRED, method)

    def also(tx):
        store.stage_transition(tx, method, EXPIRED, (SUCCEEDED,), fields={"expiry_reason": "deleted",
                                                                          "expired_at": now()})
        outbox.stage(tx, message)

    if mandates.terminate(method, also):
        outbox.dispatch(message)
        return store.get_method(method.payment_method_id)
    return current(store.get_method(method.payment_method_id))  # the consent had ended: expire for that


# --- the payer's side: consents changing on the OBP side ------------------------------------------------

def consent_status_changed(consent) -> None:
    """services/consents' listener: a mandate whose consent no longer allows charges expires (a
    method still waiting for its payer fails)."""
    if consent.status == consents.ACCEPTED:
        return
    method_id = mandates.method_of_consent(consent.consent_id)
    method = store.get_method(method_id) if method_id else None
    if method is None or (method.consent_id and method.consent_id != consent.consent_id):
        return
    if method.state == SUCCEEDED:
        expire(method, mandates.ended(consent) or "consent_revoked")
    elif method.state == CREATED:
        fail(method, "authorisation_withdrawn")


consents.on_status_change(consent_status_changed)


def sweep_item(payment_method_id: str) -> int:
    """The payments sweeper: a method whose page was never finished fails at its deadline. 1 when done."""
    method = store.get_method(payment_method_id)
    if method is None or method.state != CREATED:
        return 0
    return int(current(method).state == FAILED)


# --- recurring charges --------------------------------------------------------------------------------

def charge_due(at: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """The scheduled function: every succeeded method whose next execution date is on or before
    `at`'s day (UTC) is charged once for that period, then moves on to its next date. Safe to run
    again at any time, and concurrently: a period is charged once whatever the retries."""
    at = at or now()
    today = at.date()
    done = {"charged": 0, "failed": 0, "expired": 0}
    for shard in range(store.DUE_SHARDS):
        for item in store.due_methods(shard, today.isoformat(), limit):
            try:
                _charge_method(item.payment_method_id, today, done)
            except Exception:  # noqa: BLE001 - one bad mandate must not stop the others
                logger.exception("recurring charges: payment method %s failed", item.payment_method_id)
    return done


def _charge_method(payment_method_id: str, today: date, done: dict) -> None:
    for _ in range(62):  # catch up missed periods, one charge each (bounded)
        method = store.get_method(payment_method_id)
        if method is None or method.state != SUCCEEDED or not method.next_charge_date:
            return
        due = date.fromisoformat(method.next_charge_date)
        if due > today:
            return
        r = mandates.recurring_of(method)
        if r.end_date is not None and due > r.end_date:
            done["expired"] += expire(method, "ended").state == EXPIRED
            return
        payment = _period_charge(method, r, due)
        if payment is None or payment.state not in ("succeeded", "failed", "expired"):
            return  # still processing: the payments sweeper finishes it; the date moves on next run
        following = recurring.next_execution(r, due)
        if following is None:
            following = r.end_date + timedelta(days=1)  # a last visit to expire it when the schedule ends
        if not _advance(method, due, following):
            return  # another run finished this period and moved on
        done["charged" if payment.state == "succeeded" else "failed"] += 1


def _period_charge(method, r: recurring.Recurring, due: date):
    """The period's one payment through the mandate, made now unless it exists; finished if it
    was left unfinished. None when the mandate expired on the way."""
    from chalicelib.services.enterprise import payments  # payments use methods: imported when charging

    period = recurring.period_key(r, due)
    payment_id = store.charge_of_period(method.payment_method_id, period)
    if payment_id is None:
        new = payments.NewPayment(
            method=OPENBANKING, amount=int(method.amount), currency=method.currency, redirect_url=method.redirect_url,
            description=(method.description or "Recurring payment") + f" ({period})",
            customer_id=method.customer_id, metadata={"recurring_period": period},
            payment_method_id=method.payment_method_id,
        )
        partner = Partner(method.client_id, "")
        try:
            payment = payments.create_payment(partner, method.profile_id, new, also=lambda tx, p: store.stage_period_charge(
                tx, method.payment_method_id, period, p.payment_id))
        except ApiError as err:
            payment_id = store.charge_of_period(method.payment_method_id, period)
            if payment_id is None:  # not a lost race: the method can no longer be charged
                logger.warning("recurring charge of %s for %s refused: %s", method.payment_method_id, period, err)
                return None
            payment = payments.store.get_payment(payment_id)
    else:
        payment = payments.store.get_payment(payment_id)
    return payments.finish_mandate_payment(payment)


def _advance(method, due: date, following: date) -> bool:
    """The method's next execution date moves on, if it is still `due` (False: another run's)."""
    def build(tx):
        store.stage_next_charge(tx, method, due.isoformat(), following.isoformat())

    return write_once(build) == "done"
