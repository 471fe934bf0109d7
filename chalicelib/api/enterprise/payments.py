"""Payments of a profile and their refunds: create, list (paged, filtered), get."""
from chalicelib.api.enterprise.http import body, idempotent, paging, partner, v1
from chalicelib.api.routing import Request
from chalicelib.schemas.enterprise import page_json
from chalicelib.schemas.enterprise_payments import PaymentIn, RefundIn, payment_json, refund_json
from chalicelib.services.enterprise import payments, refunds

_PAYMENT = "/v1/profiles/{profile_id}/payments/{payment_id}"


@v1("POST", "/v1/profiles/{profile_id}/payments", status=201)
def create_payment(req: Request, profile_id: str):
    who = partner(req)
    data = body(req, PaymentIn)
    return idempotent(req, who, f"create-payment {profile_id}", payment_json, 201,
                      lambda also: payments.create_payment(who, profile_id, data.to_new(), also))


@v1("GET", "/v1/profiles/{profile_id}/payments")
def list_payments(req: Request, profile_id: str):
    who = partner(req)
    found = payments.list_payments(who, profile_id, *paging(req), state=req.query.get("state"),
                                   customer_id=req.query.get("customer_id"))
    return page_json(found, payment_json)


@v1("GET", _PAYMENT)
def get_payment(req: Request, profile_id: str, payment_id: str):
    return payment_json(payments.get_payment(partner(req), profile_id, payment_id))


@v1("POST", _PAYMENT + "/refunds", status=201)
def create_refund(req: Request, profile_id: str, payment_id: str):
    who = partner(req)
    data = body(req, RefundIn)
    return idempotent(req, who, f"create-refund {payment_id}", refund_json, 201,
                      lambda also: refunds.create_refund(who, profile_id, payment_id, data.amount,
                                                         description=data.description, metadata=data.metadata,
                                                         also=also))


@v1("GET", _PAYMENT + "/refunds")
def list_refunds(req: Request, profile_id: str, payment_id: str):
    return [refund_json(r) for r in refunds.list_refunds(partner(req), profile_id, payment_id)]


@v1("GET", _PAYMENT + "/refunds/{refund_id}")
def get_refund(req: Request, profile_id: str, payment_id: str, refund_id: str):
    return refund_json(refunds.get_refund(partner(req), profile_id, payment_id, refund_id))
