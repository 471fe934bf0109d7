"""Payments of a profile and their refunds: create, list (paged, filtered), get."""
from chalicelib.api.enterprise.http import PAGING, body, idempotent, paging, partner, v1
from chalicelib.api.routing import Request
from chalicelib.schemas.enterprise import page_json
from chalicelib.schemas.enterprise_payments import PaymentIn, RefundIn, payment_json, refund_json
from chalicelib.services.enterprise import payments, refunds

_PAYMENT = "/v1/profiles/{profile_id}/payments/{payment_id}"
_PAYMENTS = ("Payments",)
_REFUNDS = ("Refunds",)


@v1("POST", "/v1/profiles/{profile_id}/payments", status=201, body=PaymentIn, response="Payment", tags=_PAYMENTS)
def create_payment(req: Request, profile_id: str):
    """Create a payment

    `state` is `created`; send the payer to `next.redirect`, the hosted payment page, which returns
    them to `session.redirect_url` with `payment_id` added. `amount` is in integer minor units of
    `currency` (EUR 8230 = 82.30, JPY has none, CLF four). `creditcard` payments need `billing`
    (with an email or phone for the 3-D Secure code) and `shipping`. The profile needs a
    `payout_account`. A `reference` already used in the profile returns that payment (409 if the
    details differ); so does a repeated `Idempotency-Key`. Events: `payment.created`, then
    `payment.processing` and `payment.succeeded`, `payment.failed` or `payment.expired`."""
    who = partner(req)
    data = body(req, PaymentIn)
    return idempotent(req, who, f"create-payment {profile_id}", payment_json, 201,
                      lambda also: payments.create_payment(who, profile_id, data.to_new(), also))


@v1("GET", "/v1/profiles/{profile_id}/payments", response="PaymentPage", tags=_PAYMENTS,
    query=(*PAGING, ("state", "string", "Only payments in this state: created, processing, succeeded, failed, expired"),
           ("customer_id", "string", "Only this customer's payments")))
def list_payments(req: Request, profile_id: str):
    """List a profile's payments

    Newest first, paged with `page` (from 0) and `size` (1 to 100), optionally only one `state`
    and/or one `customer_id`."""
    who = partner(req)
    found = payments.list_payments(who, profile_id, *paging(req), state=req.query.get("state"),
                                   customer_id=req.query.get("customer_id"))
    return page_json(found, payment_json)


@v1("GET", _PAYMENT, response="Payment", tags=_PAYMENTS)
def get_payment(req: Request, profile_id: str, payment_id: str):
    """Get a payment

    A payment still `created` past its `expires` is `expired` from this read on."""
    return payment_json(payments.get_payment(partner(req), profile_id, payment_id))


@v1("POST", _PAYMENT + "/refunds", status=201, body=RefundIn, response="Refund", tags=_REFUNDS)
def create_refund(req: Request, profile_id: str, payment_id: str):
    """Refund a payment

    Of a `succeeded` payment, all that is left (no `amount`) or part of it, in minor units; never
    more than was paid in total, racing refunds included. `state` is `pending` until the money is
    back on the payer's account (or the card acquirer's funds): then `succeeded` or `failed`.
    Idempotent with an `Idempotency-Key` header. Events: `refund.pending`, `refund.succeeded`,
    `refund.failed`."""
    who = partner(req)
    data = body(req, RefundIn)
    return idempotent(req, who, f"create-refund {payment_id}", refund_json, 201,
                      lambda also: refunds.create_refund(who, profile_id, payment_id, data.amount,
                                                         description=data.description, metadata=data.metadata,
                                                         also=also))


@v1("GET", _PAYMENT + "/refunds", response="Refunds", tags=_REFUNDS)
def list_refunds(req: Request, profile_id: str, payment_id: str):
    """List a payment's refunds

    Oldest first; a payment takes at most 50 refunds."""
    return [refund_json(r) for r in refunds.list_refunds(partner(req), profile_id, payment_id)]


@v1("GET", _PAYMENT + "/refunds/{refund_id}", response="Refund", tags=_REFUNDS)
def get_refund(req: Request, profile_id: str, payment_id: str, refund_id: str):
    """Get a refund"""
    return refund_json(refunds.get_refund(partner(req), profile_id, payment_id, refund_id))
