"""Payment methods of a profile's customers (recurring openbanking mandates): create, list, get, delete."""
from chalicelib.api.enterprise.http import body, idempotent, partner, v1
from chalicelib.api.routing import Request
from chalicelib.schemas.enterprise_recurring import PaymentMethodIn, payment_method_json
from chalicelib.services.enterprise import payment_methods

_METHODS = "/v1/profiles/{profile_id}/customers/{customer_id}/payment-methods"
_TAGS = ("Payment methods",)


@v1("GET", _METHODS, response="PaymentMethods", tags=_TAGS)
def list_payment_methods(req: Request, profile_id: str, customer_id: str):
    """List a customer's payment methods

    Oldest first, as an array (the provider's); a customer has at most 100."""
    return [payment_method_json(m) for m in payment_methods.list_methods(partner(req), profile_id, customer_id)]


@v1("POST", _METHODS, status=201, body=PaymentMethodIn, response="PaymentMethod", tags=_TAGS)
def create_payment_method(req: Request, profile_id: str, customer_id: str):
    """Create a payment method: a recurring openbanking mandate

    Answers `state: created` with `next.redirect`, the hosted page where the payer authorises the
    mandate (an OBP VRP consent). A repeated `reference` returns the first method. Idempotent with
    an `Idempotency-Key` header."""
    who = partner(req)
    data = body(req, PaymentMethodIn)
    new = data.to_new(payment_methods.now().date())
    return idempotent(req, who, f"create-payment-method {profile_id} {customer_id}", payment_method_json, 201,
                      lambda also: payment_methods.create_method(who, profile_id, customer_id, new, also))


@v1("GET", _METHODS + "/{payment_method_id}", response="PaymentMethod", tags=_TAGS)
def get_payment_method(req: Request, profile_id: str, customer_id: str, payment_method_id: str):
    """Get a payment method"""
    return payment_method_json(payment_methods.get_method(partner(req), profile_id, customer_id, payment_method_id))


@v1("DELETE", _METHODS + "/{payment_method_id}", response="PaymentMethod", tags=_TAGS)
def delete_payment_method(req: Request, profile_id: str, customer_id: str, payment_method_id: str):
    """Delete a payment method (end its mandate)

    A mandate ends at once (state expired, `expiry_reason: deleted`; the payer's consent is
    terminated); a method not yet authorised fails. Answers the method."""
    return payment_method_json(payment_methods.delete_method(partner(req), profile_id, customer_id, payment_method_id))
