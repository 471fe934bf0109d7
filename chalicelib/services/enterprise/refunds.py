"""Refunds of a payment: full or partial, never more than was paid in total, races included.

    pending --(ledger: clearing -> payer's account, or -> the card acquirer's funds)--> succeeded
       '--(the ledger or the acquirer refuses)--> failed (its amount may be refunded again)

A refund first reserves its amount on the payment: one atomic ADD conditioned on what is left
(store.stage_refund_reservation), committed with the pending refund and its event, so ten refunds
racing for the same payment get exactly as far as the amount allows. Then the money moves in the
ledger's transaction with pending -> succeeded and the payment's refunded total. A refund left
pending by a crash is finished by the payment sweeper (`resume`).
"""
from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Callable

from chalicelib import outbox
from chalicelib.errors import ApiError
from chalicelib.services import booking, transfers, webhooks
from chalicelib.services.enterprise import payments, provider_accounts
from chalicelib.services.enterprise.acquirer import ACQUIRER
from chalicelib.services.enterprise.common import commit, write_once
from chalicelib.services.enterprise.errors import invalid_request, not_found
from chalicelib.services.enterprise.oauth import Partner
from chalicelib.services.money import from_minor_units
from chalicelib.settings import get_settings
from chalicelib.store import ledger
from chalicelib.store.enterprise import payments as store
from chalicelib.store.enterprise import write

logger = logging.getLogger(__name__)

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
EVENTS = tuple(f"refund.{state}" for state in (PENDING, SUCCEEDED, FAILED))
MAX_REFUNDS = 50  # per payment: bounds every read of a payment's refunds


def event(event_type: str, refund) -> outbox.Message:
    body = {"type": event_type, "id": refund.refund_id, "payment_id": refund.payment_id, "profile_id": refund.profile_id}
    return webhooks.event_message(event_type, [webhooks.profile_scope(refund.profile_id)], body)


def _is_refund_id(value: str) -> bool:
    tail = value[len("refund_"):] if value.startswith("refund_") else ""
    return len(tail) == 32 and all(c in "0123456789abcdef" for c in tail)


def create_refund(partner: Partner, profile_id: str, payment_id: str, amount: int | None, *,
                  description: str | None = None, metadata: dict | None = None, also: Callable | None = None):
    """POST …/payments/{paymentId}/refunds: `amount` in minor units (None: all that is left)."""
    refund_id = f"refund_{uuid.uuid4().hex}"

    def attempt():
        payment = payments.get_payment(partner, profile_id, payment_id)
        refund = _new_refund(payment, refund_id, _amount(payment, amount), description, metadata)
        message = event("refund.pending", refund)

        def build(tx):
            store.stage_refund_reservation(tx, payment, refund, MAX_REFUNDS)
            outbox.stage(tx, message)

        outcome = write(build, (lambda tx: also(tx, refund)) if also else None)
        return outcome, (payment, refund, message)  # "stale": another refund came first; read again

    payment, refund, message = commit(attempt)
    outbox.dispatch(message)
    logger.info("refund %s of payment %s: %s %s pending", refund_id, payment_id, refund.amount, refund.currency)
    return _execute(payment, refund)


def _amount(payment, requested: int | None) -> int:
    if payment.state != payments.SUCCEEDED:
        raise invalid_request(("payment", f"only a succeeded payment can be refunded; this one is {payment.state}"))
    if int(payment.refund_count) >= MAX_REFUNDS:
        raise invalid_request(("payment", f"a payment can be refunded at most {MAX_REFUNDS} times"))
    left = int(payment.amount) - int(payment.refund_reserved)
    amount = left if requested is None else requested
    if left <= 0:
        raise invalid_request(("amount", "the payment has been refunded in full"))
    if amount > left:
        raise invalid_request(("amount", f"must be at most {left}: what is left to refund of the payment"))
    return amount


def _new_refund(payment, refund_id: str, amount: int, description, metadata) -> store.RefundRecord:
    created = payments.now()
    due = created + timedelta(seconds=get_settings().payment_resume_after_seconds)
    pk, sk = store.refund_key(payment.payment_id, refund_id)
    return store.RefundRecord(
        pk=pk, sk=sk, **store.work_keys("R", refund_id, due), refund_id=refund_id, payment_id=payment.payment_id,
        profile_id=payment.profile_id, client_id=payment.client_id, amount=amount, currency=payment.currency,
        description=description, metadata=json.dumps(metadata, separators=(",", ":")) if metadata is not None else None,
        state=PENDING, created_at=created, transaction_request_id=str(uuid.uuid4()),
    )


def _destination(payment) -> tuple[str, str]:
    if payment.method == payments.OPENBANKING:
        return payment.payer_bank_id, payment.payer_account_id
    return provider_accounts.for_bank(payment.clearing_bank_id, payment.currency).acquirer


def _execute(payment, refund):
    """pending -> succeeded with the money moved (clearing -> payer or acquirer), or -> failed."""
    if refund.state != PENDING:
        return refund
    if payment.method == payments.CREDITCARD and not ACQUIRER.refund(payment.acquirer_reference or "",
                                                                    int(refund.amount), refund.currency):
        return _finish_failed(refund, "refused_by_the_acquirer")
    clearing = (payment.clearing_bank_id, payment.clearing_account_id)
    destination = _destination(payment)
    amount = from_minor_units(int(refund.amount), refund.currency)
    description = f"Refund {refund.refund_id} of payment {payment.payment_id} from {payment.merchant_name}"[:255]
    message = event("refund.succeeded", refund)
    request_fields = {
        "from_bank_id": clearing[0], "from_account_id": clearing[1], "start_date": refund.created_at,
        "request_type": "REFUND", "to_bank_id": destination[0], "to_account_id": destination[1],
        "currency": refund.currency, "amount": amount, "description": description,
    }

    def steps(debit_id: str, completed: datetime):
        request = ledger.new_transaction_request(refund.transaction_request_id, status="COMPLETED",
                                                 transaction_id=debit_id, end_date=completed, **request_fields)
        return [
            ("refund", lambda tx: store.stage_refund_outcome(tx, refund, SUCCEEDED, {
                "debit_transaction_id": debit_id, "completed_at": completed}, refunded=int(refund.amount),
                clearing_bank_id=payment.clearing_bank_id)),
            ("request", lambda tx: ledger.stage_new_request(tx, request)),
            ("outbox", lambda tx: outbox.stage(tx, message)),
        ]

    transfer = transfers.Transfer(
        from_key=clearing, to_key=destination, amount=amount, currency=refund.currency, description=description,
        transaction_type="REFUND", transaction_request_id=refund.transaction_request_id,
    )
    try:
        posted = transfers.post(transfer, steps)
    except transfers.InsufficientFunds:
        return _finish_failed(refund, "insufficient_funds_in_clearing", request_fields)
    except ledger.CommitRejected:
        return store.get_refund(refund.payment_id, refund.refund_id)  # finished by another request
    except ApiError as err:  # the ledger never refuses for being busy: only the accounts can
        return _finish_failed(refund, "account_unavailable" if err.code == "OBP-30018" else "refused_by_the_bank",
                              request_fields)
    outbox.dispatch(message)
    store.set_credit_transaction(refund, posted.credit_id)
    return store.get_refund(refund.payment_id, refund.refund_id)


def _finish_failed(refund, reason: str, request_fields: dict | None = None):
    """pending -> failed: the reservation is released, the refund's event sent."""
    message = event("refund.failed", refund)
    request = ledger.new_transaction_request(refund.transaction_request_id, status="FAILED",
                                             end_date=payments.now(), **request_fields) if request_fields else None

    def build(tx):
        store.stage_refund_outcome(tx, refund, FAILED, {"failure_reason": reason, "completed_at": payments.now()},
                                   released=int(refund.amount))
        outbox.stage(tx, message)
        if request is not None:
            ledger.stage_new_request(tx, request)

    if write_once(build) == "done":
        outbox.dispatch(message)
        if request is not None:  # listed in the clearing account's requests once booked
            booking.book_request(request)
    logger.info("refund %s failed: %s", refund.refund_id, reason)
    return store.get_refund(refund.payment_id, refund.refund_id)


def resume(payment_id: str, refund_id: str) -> int:
    """The sweeper: finish a refund left pending. 1 when it is finished now."""
    refund = store.get_refund(payment_id, refund_id)
    payment = store.get_payment(payment_id)
    if refund is None or payment is None or refund.state != PENDING:
        return 0
    return int(_execute(payment, refund).state != PENDING)


# --- reads ----------------------------------------------------------------------------------------

def list_refunds(partner: Partner, profile_id: str, payment_id: str) -> list:
    payments.get_payment(partner, profile_id, payment_id)
    return store.refunds_of(payment_id, MAX_REFUNDS)


def get_refund(partner: Partner, profile_id: str, payment_id: str, refund_id: str):
    payments.get_payment(partner, profile_id, payment_id)
    refund = store.get_refund(payment_id, refund_id) if _is_refund_id(refund_id) else None
    if refund is None:
        raise not_found()
    return refund
