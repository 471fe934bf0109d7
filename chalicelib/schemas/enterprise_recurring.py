"""The Enterprise API's payment method, settlement and fee schedule JSON (/v1, seed 003 and
reference §2.5, §2.7): request models and the renderers (what they send is described by
schemas/responses.py's PaymentMethod, Settlement and FeeSchedule, which every test holds them to).

Amounts are integer minor units of their currency; dates of a schedule are yyyy-mm-dd (UTC days);
times are the provider's `2024-09-25T12:01:00.103Z`.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Optional

from pydantic import Field, StrictInt, StrictStr, field_validator

from chalicelib.schemas.enterprise import EnterpriseModel, iso_millis
from chalicelib.schemas.enterprise_payments import SessionIn, _metadata, minor_unit_currency
from chalicelib.services.enterprise import fees, recurring
from chalicelib.services.enterprise.payment_methods import METHODS, checkout_url


def _day(value: str | None) -> str | None:
    """A yyyy-mm-dd date, as sent."""
    if value is None:
        return value
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date such as 2025-03-15") from None
    if len(value) != 10:
        raise ValueError("must be a date such as 2025-03-15")
    return value


# --- requests -------------------------------------------------------------------------------------

class RecurringIn(EnterpriseModel):
    amount: StrictInt = Field(ge=1)
    currency: StrictStr
    frequency: StrictStr
    day_of_execution: Optional[StrictInt] = None
    month_of_execution: Optional[StrictInt] = None
    start_date: Optional[StrictStr] = None  # default: today (UTC)
    end_date: Optional[StrictStr] = None

    _currency = field_validator("currency")(minor_unit_currency)

    @field_validator("frequency")
    @classmethod
    def _frequency(cls, value):
        if value not in recurring.FREQUENCIES:
            raise ValueError(f"must be one of {', '.join(recurring.FREQUENCIES)}")
        return value

    _dates = field_validator("start_date", "end_date")(_day)

    def to_recurring(self, today: date) -> recurring.Recurring:
        return recurring.Recurring(
            amount=self.amount, currency=self.currency, frequency=self.frequency,
            start_date=date.fromisoformat(self.start_date) if self.start_date else today,
            end_date=date.fromisoformat(self.end_date) if self.end_date else None,
            day_of_execution=self.day_of_execution, month_of_execution=self.month_of_execution,
        )


class OpenbankingMethodIn(EnterpriseModel):
    recurring: RecurringIn


class PaymentMethodIn(EnterpriseModel):
    method: StrictStr
    reference: Optional[StrictStr] = Field(default=None, max_length=255)
    description: Optional[StrictStr] = Field(default=None, max_length=255)
    metadata: Optional[dict[str, Any]] = None
    openbanking: OpenbankingMethodIn  # its recurring schedule: the mandate's
    session: SessionIn

    @field_validator("method")
    @classmethod
    def _method(cls, value):
        if value not in METHODS:
            raise ValueError("only openbanking methods with a recurring schedule can be created")
        return value

    _metadata = field_validator("metadata")(_metadata)

    def to_new(self, today: date):
        from chalicelib.services.enterprise.payment_methods import NewPaymentMethod

        return NewPaymentMethod(
            method=self.method, recurring=self.openbanking.recurring.to_recurring(today),
            redirect_url=self.session.redirect_url, description=self.description, reference=self.reference,
            metadata=self.metadata,
        )


class FeePartIn(EnterpriseModel):
    fixed: StrictInt = Field(ge=0, le=fees.MAX_FIXED)
    basis_points: StrictInt = Field(ge=0, le=fees.MAX_BASIS_POINTS)


class FeeScheduleIn(EnterpriseModel):
    openbanking: FeePartIn
    creditcard: FeePartIn
    refund: FeePartIn

    def to_schedule(self) -> dict:
        return {kind: getattr(self, kind).model_dump(exclude={"id", "created"}) for kind in fees.KINDS}


# --- rendering ------------------------------------------------------------------------------------

def payment_method_json(method) -> dict:
    url = checkout_url(method)
    return {
        "id": method.payment_method_id,
        "profile_id": method.profile_id,
        "customer_id": method.customer_id,
        "reference": method.reference,
        "method": method.method,
        "description": method.description,
        "metadata": json.loads(method.metadata) if method.metadata else None,
        "state": method.state,
        "openbanking": {
            "bank_id": method.payer_bank_id,
            "recurring": {
                "amount": int(method.amount), "currency": method.currency, "frequency": method.frequency,
                "day_of_execution": int(method.day_of_execution) if method.day_of_execution is not None else None,
                "month_of_execution": int(method.month_of_execution) if method.month_of_execution is not None else None,
                "start_date": method.start_date, "end_date": method.end_date,
            },
        },
        "session": {"redirect_url": method.redirect_url},
        "next": {"redirect": url} if url else None,
        "next_charge_date": method.next_charge_date if method.state == "succeeded" else None,
        "failure_reason": method.failure_reason,
        "expiry_reason": method.expiry_reason,
        "created": iso_millis(method.created_at),
        "completed": iso_millis(method.completed_at) if method.completed_at else None,
        "expired": iso_millis(method.expired_at) if method.expired_at else None,
    }


def settlement_json(settlement) -> dict:
    return {
        "id": settlement.settlement_id,
        "profile_id": settlement.profile_id,
        "currency": settlement.currency,
        "charges": {kind: int(getattr(settlement, f"charges_{kind}")) for kind in fees.KINDS},
        "charges_total": settlement.charges_total,
        "amount": int(settlement.amount or 0),
        "payout": {
            "payments": {"count": int(settlement.payments_count), "sum": int(settlement.payments_sum)},
            "refunds": {"count": int(settlement.refunds_count), "sum": int(settlement.refunds_sum)},
        },
        "carried_over": {"from_previous": int(settlement.carried_in), "to_next": int(settlement.carried_out or 0)},
        "payout_account": {"bank_id": settlement.payout_bank_id, "account_id": settlement.payout_account_id},
        "transaction_request_ids": {"charges": settlement.charges_transaction_request_id,
                                    "payout": settlement.payout_transaction_request_id},
        "scheduled": iso_millis(settlement.scheduled),
        "created": iso_millis(settlement.created_at),
    }


def fee_schedule_json(profile_id: str, schedule: dict, custom: bool) -> dict:
    return {"profile_id": profile_id, "custom": custom, "fees": {kind: dict(schedule[kind]) for kind in fees.KINDS}}
