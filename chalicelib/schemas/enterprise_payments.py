"""The Enterprise API's payment and refund JSON (/v1, seed 003 and reference §2.6).

Amounts are integer minor units of the currency (EUR 8230 = 82.30, JPY 8230 = 8230, CLF 12345 =
1.2345): a fraction, a string or a float is a 400 naming the field. Currencies are ISO 4217 codes
with minor units; countries ISO 3166-1 alpha-2 codes.
"""
from __future__ import annotations

import json
from typing import Any, Optional
from urllib.parse import urlsplit

from pydantic import Field, StrictInt, StrictStr, field_validator

from chalicelib.schemas.enterprise import CustomerIn, EnterpriseModel, iso_millis
from chalicelib.services.enterprise.payments import METHODS, checkout_url
from chalicelib.services.money import has_minor_units
from chalicelib.settings import get_settings

MAX_METADATA_BYTES = 4096


class ContactIn(CustomerIn):
    """Billing and shipping: the customer's fields (reference §2.6)."""

    def as_dict(self) -> dict:
        out = self.model_dump(exclude={"id", "created", "address"}, exclude_none=True)
        if self.address is not None:
            out["address"] = self.address.model_dump(exclude={"id", "created"}, exclude_none=True)
        return out


class SessionIn(EnterpriseModel):
    redirect_url: StrictStr = Field(max_length=2048)

    @field_validator("redirect_url")
    @classmethod
    def _url(cls, value):
        parts = urlsplit(value)
        allowed = ("https", "http") if get_settings().is_local else ("https",)
        if parts.scheme not in allowed or not parts.hostname or parts.username or parts.password:
            raise ValueError("must be an https URL" + (" (or http in the local stage)" if get_settings().is_local else "")
                             + " without user information")
        return value


def _metadata(value):
    """Key/value pairs of the merchant's own: string keys and string values, at most 50 and 4 KB."""
    if value is None:
        return value
    if not all(isinstance(v, str) for v in value.values()):
        raise ValueError("values must be strings")
    if len(value) > 50 or len(json.dumps(value, separators=(",", ":")).encode()) > MAX_METADATA_BYTES:
        raise ValueError(f"must have at most 50 keys and {MAX_METADATA_BYTES} bytes")
    return value


def minor_unit_currency(value: str) -> str:
    if not has_minor_units(value):
        raise ValueError("must be an ISO 4217 currency code with minor units, in capitals (e.g. EUR)")
    return value


class PaymentIn(EnterpriseModel):
    method: StrictStr
    amount: StrictInt = Field(ge=1)
    currency: StrictStr
    description: Optional[StrictStr] = Field(default=None, max_length=255)
    reference: Optional[StrictStr] = Field(default=None, max_length=255)
    customer_id: Optional[StrictStr] = Field(default=None, max_length=64)
    billing: Optional[ContactIn] = None
    shipping: Optional[ContactIn] = None
    metadata: Optional[dict[str, Any]] = None
    session: Optional[SessionIn] = None  # required unless payment_method pays it
    payment_method: Optional[StrictStr] = Field(default=None, max_length=64)

    @field_validator("method")
    @classmethod
    def _method(cls, value):
        if value not in METHODS:
            raise ValueError(f"must be one of {', '.join(METHODS)}")
        return value

    _currency = field_validator("currency")(minor_unit_currency)
    _metadata = field_validator("metadata")(_metadata)

    def to_new(self):
        from chalicelib.services.enterprise.payments import NewPayment

        return NewPayment(
            method=self.method, amount=self.amount, currency=self.currency,
            redirect_url=self.session.redirect_url if self.session else None,
            description=self.description, reference=self.reference, customer_id=self.customer_id,
            billing=self.billing.as_dict() if self.billing else None,
            shipping=self.shipping.as_dict() if self.shipping else None, metadata=self.metadata,
            payment_method_id=self.payment_method,
        )


class RefundIn(EnterpriseModel):
    amount: Optional[StrictInt] = Field(default=None, ge=1)
    description: Optional[StrictStr] = Field(default=None, max_length=255)
    metadata: Optional[dict[str, Any]] = None

    _metadata = field_validator("metadata")(_metadata)


# --- rendering ------------------------------------------------------------------------------------

def _contact_json(contact) -> dict | None:
    if contact is None:
        return None
    out = {name: getattr(contact, name) for name in ("company", "first_name", "last_name", "email", "phone")}
    address = contact.address
    out["address"] = None if address is None else {
        name: (int(value) if name == "premise" and value is not None else value)
        for name in ("premise", "sub_premise", "building", "postal_code", "thoroughfare", "locality", "state", "country")
        for value in [getattr(address, name)]
    }
    return out


def payment_json(payment) -> dict:
    url = checkout_url(payment)
    out = {
        "id": payment.payment_id,
        "profile_id": payment.profile_id,
        "customer_id": payment.customer_id,
        "reference": payment.reference,
        "method": payment.method,
        "state": payment.state,
        "amount": int(payment.amount),
        "currency": payment.currency,
        "description": payment.description,
        "metadata": json.loads(payment.metadata) if payment.metadata else None,
        "billing": _contact_json(payment.billing),
        "shipping": _contact_json(payment.shipping),
        "session": {"redirect_url": payment.redirect_url} if payment.redirect_url else None,
        "next": {"redirect": url} if url else None,
        "payment_method": payment.payment_method_id,
        "amount_refunded": int(payment.amount_refunded or 0),
        "failure_reason": payment.failure_reason,
        "created": iso_millis(payment.created_at),
        "expires": iso_millis(payment.expires),
        "completed": iso_millis(payment.completed_at) if payment.completed_at else None,
        "settlement_id": payment.settlement_id,
    }
    if payment.method == "openbanking":
        out["openbanking"] = {"bank_id": payment.payer_bank_id} if payment.payer_bank_id else None
    else:
        out["creditcard"] = {"card": {
            "scheme": payment.card_scheme, "bin": payment.card_bin, "last4": payment.card_last4,
            "expiration": payment.card_expiry, "holder_name": payment.card_holder,
        }} if payment.card_last4 else None
    return out


def refund_json(refund) -> dict:
    return {
        "id": refund.refund_id,
        "payment_id": refund.payment_id,
        "amount": int(refund.amount),
        "currency": refund.currency,
        "description": refund.description,
        "metadata": json.loads(refund.metadata) if refund.metadata else None,
        "state": refund.state,
        "failure_reason": refund.failure_reason,
        "created": iso_millis(refund.created_at),
        "completed": iso_millis(refund.completed_at) if refund.completed_at else None,
        "settlement_id": refund.settlement_id,
    }


# --- the provider's accounts (admin) ----------------------------------------------------------------

class ProviderAccountsIn(EnterpriseModel):
    bank_id: StrictStr = Field(max_length=254)
    currency: StrictStr = Field(max_length=3)


def provider_accounts_json(accounts, balances: dict) -> dict:
    from chalicelib.services.money import to_minor_units

    def one(account_id: str) -> dict:
        balance = balances.get(account_id)
        return {"account_id": account_id,
                "balance": to_minor_units(balance, accounts.currency) if balance is not None else None}

    return {
        "bank_id": accounts.bank_id, "currency": accounts.currency,
        "clearing_account": one(accounts.clearing_account_id), "fee_account": one(accounts.fee_account_id),
        "card_acquirer_account": one(accounts.acquirer_account_id),
        "created": iso_millis(accounts.record.created_at),
    }
