"""Payments of a profile (seed 003, reference §2.6): create, read, list, and the state machine

    created --(payer authorises on the hosted page)--> processing --(ledger)--> succeeded
       |                                                   '--(no funds, account gone)--> failed
       |--(payer cancels, card declined, attempts used up)--> failed
       '--(nobody finished within payment_expiry_seconds)--> expired

Money (DESIGN.md, "Enterprise payments"): on authorisation the payer's account (openbanking) or
the card acquirer's funds (creditcard) are debited and the provider's clearing account at the
profile's payout bank credited, through services/transfers.post, in ONE ledger transaction with
the payment's processing -> succeeded change, its transaction request and its event. The payment
records the transaction request and both transaction ids, so every cent is traceable.

Every state change commits with its event (`payment.<state>`, a thin notification {"type", "id",
"profile_id"} to the profile's webhooks) and moves the payment between the state lists.
A payment whose page nobody finished expires at its deadline: on read, or by the sweeper
(`sweep`), which also resumes payments left `processing` by a crash.

A payment naming a `payment_method` (a recurring openbanking method whose mandate the payer
authorised) has no page: it is made, authorised by the mandate and executed in the same request
(created -> processing -> succeeded | failed), paid as a COUNTERPARTY transaction request through
the payer's VRP consent within its limits (services/enterprise/mandates.py); over a limit, or
with the consent gone, it fails with the reason. The sweeper finishes one a crash left unfinished.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Callable

from chalicelib import crypto, outbox
from chalicelib.errors import ApiError
from chalicelib.services import booking, idempotency, transfers, webhooks
from chalicelib.services.enterprise import customers, mandates, payment_methods, profiles, provider_accounts
from chalicelib.services.enterprise.common import Page, check_paging, write_once
from chalicelib.services.enterprise.errors import conflict, invalid_request, not_found
from chalicelib.services.enterprise.oauth import Partner
from chalicelib.services.money import from_minor_units, to_minor_units
from chalicelib.settings import get_settings
from chalicelib.store import ledger
from chalicelib.store.enterprise import payment_methods as pm_store
from chalicelib.store.enterprise import payments as store
from chalicelib.store.enterprise import profiles as profile_store
from chalicelib.store.enterprise import write

logger = logging.getLogger(__name__)

CREATED, PROCESSING, SUCCEEDED, FAILED, EXPIRED = "created", "processing", "succeeded", "failed", "expired"
STATES = (CREATED, PROCESSING, SUCCEEDED, FAILED, EXPIRED)
OPENBANKING, CREDITCARD = "openbanking", "creditcard"
METHODS = (OPENBANKING, CREDITCARD)
EVENTS = tuple(f"payment.{state}" for state in STATES)
WEB_FORM_CHALLENGE = "OTP_VIA_WEB_FORM"
_SEAL_PURPOSE = "checkout-link"
_PAYMENT_ID_HEX = 32


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class NewPayment:
    method: str
    amount: int  # minor units
    currency: str
    redirect_url: str | None  # none for a payment through a payment method
    description: str | None = None
    reference: str | None = None
    customer_id: str | None = None
    billing: dict | None = None
    shipping: dict | None = None
    metadata: dict | None = field(default=None)
    payment_method_id: str | None = None


# --- ids and links ----------------------------------------------------------------------------------

def is_payment_id(value: str) -> bool:
    tail = value[len("payment_"):] if isinstance(value, str) and value.startswith("payment_") else ""
    return len(tail) == _PAYMENT_ID_HEX and all(c in "0123456789abcdef" for c in tail)


def checkout_url(payment) -> str | None:
    """next.redirect: the hosted page, while the payer can still act on it."""
    if payment.state != CREATED or not payment.checkout_sealed:
        return None
    secret = crypto.unseal(payment.checkout_sealed, _SEAL_PURPOSE).decode()
    return f"{get_settings().hostname.rstrip('/')}/checkout/{payment.payment_id}/{secret}"


def event(event_type: str, payment) -> outbox.Message:
    body = {"type": event_type, "id": payment.payment_id, "profile_id": payment.profile_id}
    return webhooks.event_message(event_type, [webhooks.profile_scope(payment.profile_id)], body)


def ledger_description(payment) -> str:
    text = f"Payment {payment.payment_id} to {payment.merchant_name}"
    return (text + f": {payment.description}" if payment.description else text)[:255]


# --- create ---------------------------------------------------------------------------------------

def create_payment(partner: Partner, profile_id: str, new: NewPayment, also: Callable | None = None):
    """POST /v1/profiles/{profileId}/payments. A `reference` already used in the profile returns
    that payment (409 if this request differs from it). `also(tx, payment)` adds writes that
    commit with it (an Idempotency-Key record)."""
    profile = profiles.get_profile(partner, profile_id)
    method = _payment_method(partner, profile_id, new) if new.payment_method_id else None
    _check_method_needs(new)
    if method is None and not profile.payout_account_id:
        raise invalid_request(("profile", "the profile has no payout_account: set it before taking payments"))
    if method is None and new.redirect_url is None:
        raise invalid_request(("session", "is required (session.redirect_url) unless the payment names a payment_method"))
    if method is not None:
        new = replace(new, customer_id=method.customer_id)
    if new.customer_id is not None:
        try:
            customers.get_customer(partner, profile_id, new.customer_id)
        except ApiError:
            raise invalid_request(("customer_id", "no such customer of this profile")) from None
    fingerprint = idempotency.fingerprint("payment", asdict(new))
    if new.reference is not None:
        earlier = _by_reference(profile_id, new.reference, fingerprint)
        if earlier is not None:
            return earlier
    if method is None:
        clearing = provider_accounts.for_bank(profile.payout_bank_id, new.currency).clearing
    else:
        clearing = (method.clearing_bank_id, method.clearing_account_id)  # the mandate's beneficiary
    number = profile_store.next_payment_number(profile_id)
    payment, checkout = _new_records(profile, new, number, clearing, fingerprint)
    message = event("payment.created", payment)

    def build(tx):
        store.stage_new_payment(tx, payment)
        if checkout is not None:
            store.stage_checkout(tx, checkout)
        outbox.stage(tx, message)

    outcome = write(build, (lambda tx: also(tx, payment)) if also else None)
    if outcome == "stale" and new.reference is not None:  # another request took the reference first
        earlier = _by_reference(profile_id, new.reference, fingerprint)
        if earlier is not None:
            return earlier
    if outcome == "lost":
        raise conflict("Another request with this Idempotency-Key took over; retry to get its response")
    if outcome != "done":
        raise conflict("The payment could not be created; try again")
    outbox.dispatch(message)
    logger.info("payment %s created (%s, %s %s) for profile %s", payment.payment_id, new.method, new.amount,
                new.currency, profile_id)
    return finish_mandate_payment(payment) if method is not None else payment


def _payment_method(partner: Partner, profile_id: str, new: NewPayment):
    """The payment method a payment names: the profile's, authorised, in the payment's currency."""
    method = payment_methods.method_for_payment(partner, profile_id, new.payment_method_id)
    if method is None:
        raise invalid_request(("payment_method", "no such payment method of this profile"))
    problems = []
    if method.state != payment_methods.SUCCEEDED:
        problems.append(("payment_method", f"its mandate does not allow charges: the payment method is {method.state}"))
    if new.method != OPENBANKING:
        problems.append(("method", "must be openbanking with a payment_method"))
    if new.currency != method.currency:
        problems.append(("currency", f"must be the payment method's currency, {method.currency}"))
    if new.customer_id is not None and new.customer_id != method.customer_id:
        problems.append(("customer_id", "must be the payment method's customer"))
    if problems:
        raise invalid_request(*problems)
    return method


def _check_method_needs(new: NewPayment) -> None:
    """At most OBP's payment limit (transactionRequests_payment_limit, in major units). Card-not-
    present payments need billing and shipping (reference §2.6), and the billing contact must say
    where the cardholder's 3-D Secure code can go."""
    limit = get_settings().payment_limit
    if from_minor_units(new.amount, new.currency) > limit:
        raise invalid_request(("amount", f"must be at most {to_minor_units(limit, new.currency)} ({limit} {new.currency})"))
    if new.method != CREDITCARD:
        return
    problems = [(name, "is required for creditcard payments") for name in ("billing", "shipping") if getattr(new, name) is None]
    if new.billing is not None and not (new.billing.get("email") or new.billing.get("phone")):
        problems.append(("billing", "needs an email or a phone for the cardholder's 3-D Secure code"))
    if problems:
        raise invalid_request(*problems)


def _by_reference(profile_id: str, reference: str, fingerprint: str):
    payment_id = store.payment_of_reference(profile_id, reference)
    payment = store.get_payment(payment_id) if payment_id else None
    if payment is None:
        return None
    if payment.request_fingerprint != fingerprint:
        raise conflict(f"reference {reference!r} already names payment {payment.payment_id}, made with other details")
    return finish_mandate_payment(payment) if payment.payment_method_id else expire_if_due(payment)


def _new_records(profile, new: NewPayment, number: int, clearing: tuple[str, str], fingerprint: str):
    """The payment and, unless a payment method pays it, its hosted page's session."""
    created = now()
    settings = get_settings()
    expires = created + timedelta(seconds=settings.payment_expiry_seconds)
    payment_id = f"payment_{uuid.uuid4().hex}"
    paged = new.payment_method_id is None
    secret = crypto.new_token() if paged else None
    # The sweeper's visit: a page's deadline, or soon for a charge a crash could leave unfinished.
    work_due = expires if paged else created + timedelta(seconds=settings.payment_resume_after_seconds)
    contact = {name: _contact(getattr(new, name)) for name in ("billing", "shipping")}
    payment = store.PaymentRecord(
        pk=store.payment_pk(payment_id), sk="PAYMENT", **store.work_keys("P", payment_id, work_due),
        payment_id=payment_id, profile_id=profile.profile_id, client_id=profile.client_id, seq=number,
        customer_id=new.customer_id, method=new.method, state=CREATED, amount=new.amount, currency=new.currency,
        description=new.description, reference=new.reference,
        metadata=json.dumps(new.metadata, separators=(",", ":")) if new.metadata is not None else None,
        redirect_url=new.redirect_url, merchant_name=profile.name, request_fingerprint=fingerprint,
        payment_method_id=new.payment_method_id,
        checkout_sealed=crypto.seal(secret.encode(), _SEAL_PURPOSE) if paged else None, created_at=created,
        expires=expires, clearing_bank_id=clearing[0], clearing_account_id=clearing[1],
        amount_refunded=0, refund_reserved=0, refund_count=0, **contact,
    )
    checkout = store.CheckoutRecord(
        pk=store.payment_pk(payment_id), sk="CHECKOUT", payment_id=payment_id, token_hash=crypto.hash_token(secret),
        valid_until=expires, version=1, sign_in_attempts=0, expires_at=expires + timedelta(days=1),
    ) if paged else None
    return payment, checkout


def _contact(value: dict | None):
    if value is None:
        return None
    fields = {k: v for k, v in value.items() if v is not None and k != "address"}
    address = value.get("address")
    return store.ContactMap(**fields, address=store.AddressMap(**address) if address else None)


# --- read -----------------------------------------------------------------------------------------

def get_payment(partner: Partner, profile_id: str, payment_id: str):
    """The partner's payment (404 for another partner's or another profile's)."""
    payment = store.get_payment(payment_id) if is_payment_id(payment_id) else None
    if payment is None or payment.client_id != partner.client_id or payment.profile_id != profile_id:
        raise not_found()
    return expire_if_due(payment)


def _set_name(state: str | None, customer_id: str | None) -> str:
    parts = ([f"customer={customer_id}"] if customer_id else []) + ([f"state={state}"] if state else [])
    return "&".join(parts) or "all"


def list_payments(partner: Partner, profile_id: str, page: int, size: int, *, state: str | None = None,
                  customer_id: str | None = None) -> Page:
    """Newest first, optionally only one state and/or one customer's; reads bounded by the page."""
    check_paging(page, size)
    problems = []
    if state is not None and state not in STATES:
        problems.append(("state", f"must be one of {', '.join(STATES)}"))
    if customer_id is not None and customers.store.seq_of(customer_id) is None:
        problems.append(("customer_id", "must be a customer id (customer_...)"))
    if problems:
        raise invalid_request(*problems)
    profile = profiles.get_profile(partner, profile_id)
    set_name = _set_name(state, customer_id)
    count = store.count_in_set(profile_id, set_name)
    items = store.page(profile_id, set_name, int(profile.payment_seq), count, page * size, size)
    return Page(page, size, count, [expire_if_due(p) for p in items])


# --- state changes --------------------------------------------------------------------------------

def transition(payment, to_state: str, from_states: tuple[str, ...], *, condition=None, fields: dict | None = None,
               work_due: datetime | None = None, also: Callable | None = None):
    """Change the state in its own transaction with its event; `also(tx)` adds writes. Returns
    the payment as written, or None when the payment was no longer as read (someone else moved it)."""
    message = event(f"payment.{to_state}", payment)

    def build(tx):
        store.stage_transition(tx, payment, to_state, from_states, condition=condition, fields=fields,
                               work_due=work_due)
        outbox.stage(tx, message)

    if write_once(build, also) != "done":
        return None
    outbox.dispatch(message)
    return store.get_payment(payment.payment_id)


def expire_if_due(payment):
    """A created payment past its deadline becomes expired now (the sweeper does the same)."""
    if payment.state != CREATED or payment.expires > now():
        return payment
    moved = transition(payment, EXPIRED, (CREATED,), condition=store.PaymentRecord.expires <= now(),
                       fields={"completed_at": now(), "checkout_sealed": None})
    return moved or store.get_payment(payment.payment_id)


def fail(payment, reason: str, from_states: tuple[str, ...] = (CREATED,), fields: dict | None = None,
         also: Callable | None = None):
    """-> failed with a reason (cancelled, declined, attempts used up, no funds)."""
    values = {"failure_reason": reason, "completed_at": now(), "checkout_sealed": None, **(fields or {})}
    moved = transition(payment, FAILED, from_states, fields=values, also=also)
    logger.info("payment %s failed: %s", payment.payment_id, reason)
    return moved or store.get_payment(payment.payment_id)


def start_processing(payment, fields: dict, also: Callable | None = None):
    """created -> processing: the payer authorised (before the deadline). Returns the payment as
    written, or None when it was no longer created (expired, cancelled, or authorised twice)."""
    started = now()
    resume_at = started + timedelta(seconds=get_settings().payment_resume_after_seconds)
    return transition(payment, PROCESSING, (CREATED,), condition=store.PaymentRecord.expires > started,
                      fields={"processing_at": started, "checkout_sealed": None, **fields}, work_due=resume_at,
                      also=also)


def execute(payment):
    """processing -> succeeded: move the money (payer's account or acquirer's funds -> clearing)
    in the ledger's transaction, with the state change, the transaction request and the event.
    Safe to repeat: the state change is conditioned on `processing`."""
    if payment.state != PROCESSING:
        return payment
    if payment.payment_method_id:
        return _execute_through_mandate(payment)
    source = _source_account(payment)
    amount = from_minor_units(int(payment.amount), payment.currency)
    request_type = "ACCOUNT" if payment.method == OPENBANKING else "CARD"
    message = event("payment.succeeded", payment)
    request_fields = _request_fields(payment, source, request_type)

    def steps(debit_id: str, completed: datetime):
        request = ledger.new_transaction_request(payment.transaction_request_id, status="COMPLETED",
                                                 transaction_id=debit_id, end_date=completed, **request_fields)
        return [
            ("payment", lambda tx: store.stage_transition(tx, payment, SUCCEEDED, (PROCESSING,), fields={
                "debit_transaction_id": debit_id, "completed_at": completed})),
            ("request", lambda tx: ledger.stage_new_request(tx, request)),
            ("outbox", lambda tx: outbox.stage(tx, message)),
        ]

    transfer = transfers.Transfer(
        from_key=source, to_key=(payment.clearing_bank_id, payment.clearing_account_id), amount=amount,
        currency=payment.currency, description=ledger_description(payment), transaction_type=request_type,
        transaction_request_id=payment.transaction_request_id,
    )
    try:
        posted = transfers.post(transfer, steps)
    except transfers.InsufficientFunds:
        return _refused(payment, "insufficient_funds", request_fields)
    except ledger.CommitRejected:
        return store.get_payment(payment.payment_id)  # completed by another request or the sweeper
    except ApiError as err:  # the ledger never refuses for being busy: only the accounts can
        return _refused(payment, "account_unavailable" if err.code == "OBP-30018" else "refused_by_the_bank",
                        request_fields)
    outbox.dispatch(message)
    store.set_credit_transaction(payment, posted.credit_id)
    logger.info("payment %s succeeded: transaction request %s", payment.payment_id, payment.transaction_request_id)
    return store.get_payment(payment.payment_id)


def finish_mandate_payment(payment):
    """A payment through a payment method, taken as far as it goes now: created -> processing
    (the mandate is its authorisation) -> succeeded | failed."""
    if payment.state == CREATED:
        method = pm_store.get_method(payment.payment_method_id)
        processing = start_processing(payment, {
            "transaction_request_id": str(uuid.uuid4()), "payer_bank_id": method.payer_bank_id,
            "payer_account_id": method.payer_account_id, "payer_user_id": method.payer_user_id,
        }) if method is not None else None
        payment = processing or store.get_payment(payment.payment_id)
    return execute(payment) if payment.state == PROCESSING else expire_if_due(payment)


def _execute_through_mandate(payment):
    """processing -> succeeded: a COUNTERPARTY payment from the payer's account to clearing
    through the mandate (the payer's VRP consent), within its limits; refused -> failed with the
    reason, and a mandate that can never pay again expires."""
    method = pm_store.get_method(payment.payment_method_id)
    message = event("payment.succeeded", payment)
    request_fields = _request_fields(payment, (payment.payer_bank_id, payment.payer_account_id), "COUNTERPARTY", method)

    def steps(debit_id: str, completed: datetime):
        return [
            ("payment", lambda tx: store.stage_transition(tx, payment, SUCCEEDED, (PROCESSING,), fields={
                "debit_transaction_id": debit_id, "completed_at": completed})),
            ("outbox", lambda tx: outbox.stage(tx, message)),
        ]

    try:
        if method is None:
            raise mandates.Refused("mandate_unusable")
        posted = mandates.pay(payment, method, steps)
    except mandates.Refused as refused:
        failed = _refused(payment, refused.reason, request_fields)
        if refused.ends and method is not None and method.state == payment_methods.SUCCEEDED:
            payment_methods.expire(method, refused.ends)
        return failed
    except ledger.CommitRejected:
        return store.get_payment(payment.payment_id)  # completed by another request or the sweeper
    outbox.dispatch(message)
    store.set_credit_transaction(payment, posted.credit_id)
    logger.info("payment %s succeeded through payment method %s", payment.payment_id, payment.payment_method_id)
    return store.get_payment(payment.payment_id)


def _source_account(payment) -> tuple[str, str]:
    if payment.method == OPENBANKING:
        return payment.payer_bank_id, payment.payer_account_id
    return provider_accounts.for_bank(payment.clearing_bank_id, payment.currency).acquirer


def _request_fields(payment, source: tuple[str, str], request_type: str, method=None) -> dict:
    """The transaction request the payer's bank shows for the payment (OBP's record of it)."""
    if method is not None:  # through the mandate: a COUNTERPARTY request through its view, no challenge
        return {
            "from_bank_id": source[0], "from_account_id": source[1], "start_date": payment.processing_at,
            "request_type": request_type, "to_bank_id": payment.clearing_bank_id,
            "to_account_id": payment.clearing_account_id, "currency": payment.currency,
            "amount": from_minor_units(int(payment.amount), payment.currency), "description": ledger_description(payment),
            "created_by_user_id": method.payer_user_id or "", "view_id": method.view_id or "",
            "counterparty_id": method.counterparty_id or "",
        }
    challenged = payment.method == OPENBANKING  # the payer's one-time password, on the hosted page
    return {
        "from_bank_id": source[0], "from_account_id": source[1], "start_date": payment.processing_at,
        "request_type": request_type, "to_bank_id": payment.clearing_bank_id,
        "to_account_id": payment.clearing_account_id, "currency": payment.currency,
        "amount": from_minor_units(int(payment.amount), payment.currency), "description": ledger_description(payment),
        "challenge_type": WEB_FORM_CHALLENGE if challenged else "", "required_answers": 1 if challenged else 0,
        "successful_answers": 1 if challenged else 0, "created_by_user_id": payment.payer_user_id or "",
        "challenge_ids": [payment.challenge_id] if challenged and payment.challenge_id else [],
        "challenge_user_ids": [payment.payer_user_id] if challenged and payment.payer_user_id else [],
        "view_id": "owner" if payment.method == OPENBANKING else "",
    }


def _refused(payment, reason: str, request_fields: dict):
    """processing -> failed; the payer's bank keeps a FAILED transaction request, listed once
    booking gives it its place (as every request of the account)."""
    request = ledger.new_transaction_request(payment.transaction_request_id, status="FAILED", end_date=now(),
                                             **request_fields)
    failed = fail(payment, reason, (PROCESSING,), also=lambda tx: ledger.stage_new_request(tx, request))
    booking.book_request(request)  # nothing to book if another request failed the payment first
    return failed


# --- the sweeper ----------------------------------------------------------------------------------

def sweep(limit: int = 100) -> dict[str, int]:
    """Expire created payments past their deadline, resume payments left processing and refunds
    left pending (a crash between two commits), finish charges through payment methods a crash
    left created, fail payment methods whose page was never finished. Reads only what is due (gsi2)."""
    from chalicelib.services.enterprise import refunds  # refunds build on payments

    done = {"expired": 0, "resumed": 0, "refunds_resumed": 0, "payment_methods_failed": 0}
    at = now()
    for shard in range(store.WORK_SHARDS):
        for item in store.due_work(shard, at, limit):
            try:
                if isinstance(item, store.PaymentRecord):
                    payment = store.get_payment(item.payment_id)
                    if payment is not None and payment.state == CREATED and payment.payment_method_id:
                        done["resumed"] += finish_mandate_payment(payment).state not in (CREATED, PROCESSING)
                    elif payment is not None and payment.state == CREATED:
                        done["expired"] += expire_if_due(payment).state == EXPIRED
                    elif payment is not None and payment.state == PROCESSING:
                        done["resumed"] += execute(payment).state != PROCESSING
                elif isinstance(item, store.RefundRecord):
                    done["refunds_resumed"] += refunds.resume(item.payment_id, item.refund_id)
                elif isinstance(item, pm_store.PaymentMethodRecord):
                    done["payment_methods_failed"] += payment_methods.sweep_item(item.payment_method_id)
            except Exception:  # noqa: BLE001 - one bad item must not stop the sweep
                logger.exception("payment sweeper: %s failed", item.pk)
    return done
