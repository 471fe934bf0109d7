"""Variable Recurring Payments: a VRP consent request finalised by the payer (OBP v5.1.0).

Finalising creates, in the consent's own transaction: the beneficiary counterparty (its routings
name an account here) with the request's limits, a generated custom view `_VRP-<id>` on the
payer's account allowing payments to beneficiaries only, the payer's access to that view, and a
consent whose only view is it. The consent's holder then pays the counterparty with COUNTERPARTY
transaction requests through that view, within the limits (services/transaction_requests.py).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from chalicelib.errors import ApiError
from chalicelib.services import consents, routings, views
from chalicelib.services.access import Caller
from chalicelib.services.accounts import OBP_ROUTING_SCHEME, account_by_routing
from chalicelib.services.banks import require_bank
from chalicelib.services.consent_requests import payload_of, valid_from
from chalicelib.services.money import fits_currency, is_iso_currency
from chalicelib.store import access as access_store
from chalicelib.store import counterparties as counterparty_store

VRP_VIEW_PERMISSIONS = (
    "can_add_transaction_request_to_beneficiary", "can_see_transaction_requests", "can_get_counterparty",
    "can_see_bank_account_label", "can_see_bank_account_currency",
)
_PAYING = ("can_add_transaction_request_to_any_account", "can_add_transaction_request_to_beneficiary")


def _bank_of(routing: dict) -> str:
    """A bank routing: scheme OBP, the address being the BANK_ID (the one scheme banks are found by here)."""
    if routing.get("scheme") != OBP_ROUTING_SCHEME:
        raise ApiError("OBP-10001", f"bank_routing scheme must be {OBP_ROUTING_SCHEME} (the BANK_ID).", status=400)
    require_bank(routing.get("address", ""))
    return routing["address"]


def _account_of(side: dict):
    bank_id = _bank_of(side["bank_routing"])
    routing = side["account_routing"]
    return account_by_routing(bank_id, routing["scheme"], routing["address"])


def _amount(limit: dict, name: str, currency: str) -> Decimal | None:
    raw = limit.get(name)
    if raw is None:
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value <= 0 or not fits_currency(value, currency):
        raise ApiError("OBP-10001", f"to_account.limit.{name} must be a positive {currency} amount.", status=400)
    return value


def _count(limit: dict, name: str) -> int | None:
    raw = limit.get(name)
    if raw is not None and (not isinstance(raw, int) or raw < 1):
        raise ApiError("OBP-10001", f"to_account.limit.{name} must be a positive whole number.", status=400)
    return raw


def create_consent(caller: Caller, record, sca_method: str, *, also=None, max_time_to_live: int | None = None):
    """createConsentByConsentRequestId for a VRP request (the request's checks are done). `also(tx,
    consent_id)` adds writes to the consent's transaction; `max_time_to_live` allows a longer life
    than consent_max_ttl_seconds (a payment mandate's)."""
    payload = payload_of(record)
    source = _account_of(payload["from_account"])
    to = payload["to_account"]
    target = _account_of(to)
    paying = [views.usable_view(caller, source.bank_id, source.account_id, a.view_id, held=True)
              for a in access_store.list_user_account_views(caller.user_id, source.bank_id, source.account_id)]
    if not any(v is not None and any(v.allows(p) for p in _PAYING) for v in paying):
        raise ApiError("OBP-35014", " The payer may not make payments from the from_account.", status=400)
    if (target.bank_id, target.account_id) == (source.bank_id, source.account_id):
        raise ApiError("OBP-10001", "to_account must not be the from_account.", status=400)
    limit = to["limit"]
    currency = limit["currency"]
    if not is_iso_currency(currency) or currency != source.currency:
        raise ApiError("OBP-40003", f"The limits' currency must be the from account's, {source.currency}.", status=400)

    now = datetime.now(timezone.utc)
    view_id = f"_VRP-{uuid.uuid4().hex[:12]}"
    to_scheme, to_address = routings.canonical(to["account_routing"]["scheme"], to["account_routing"]["address"])
    counterparty = counterparty_store.new_counterparty(
        str(uuid.uuid4()), name=to["counterparty_name"], this_bank_id=source.bank_id, this_account_id=source.account_id,
        this_view_id=view_id, created_by_user_id=caller.user_id,
        other_bank_routing_scheme=to["bank_routing"]["scheme"], other_bank_routing_address=to["bank_routing"]["address"],
        other_account_routing_scheme=to_scheme, other_account_routing_address=to_address,
        other_branch_routing_scheme=(to.get("branch_routing") or {}).get("scheme", ""),
        other_branch_routing_address=(to.get("branch_routing") or {}).get("address", ""),
        other_bank_id=target.bank_id, other_account_id=target.account_id, currency=currency,
        max_single_amount=_amount(limit, "max_single_amount", currency),
        max_monthly_amount=_amount(limit, "max_monthly_amount", currency),
        max_number_of_monthly_transactions=_count(limit, "max_number_of_monthly_transactions"),
        max_yearly_amount=_amount(limit, "max_yearly_amount", currency),
        max_number_of_yearly_transactions=_count(limit, "max_number_of_yearly_transactions"),
        max_total_amount=_amount(limit, "max_total_amount", currency),
        max_number_of_transactions=_count(limit, "max_number_of_transactions"),
        created_at=now,
    )
    view = access_store.new_custom_view(
        source.bank_id, source.account_id, view_id, name=view_id,
        description=f"Variable Recurring Payments to {to['counterparty_name']}", permissions=list(VRP_VIEW_PERMISSIONS),
    )

    def vrp_records(tx, consent_id: str):
        counterparty_store.stage_new(tx, counterparty)
        tx.save(view, condition=access_store.CustomViewRecord.pk.does_not_exist())
        tx.save(access_store.new_access(caller.user_id, source.bank_id, source.account_id, view_id))
        if also is not None:
            also(tx, consent_id)

    ask = consents.ConsentAsk(
        everything=False, consumer_id=record.consumer_id, time_to_live=payload.get("time_to_live"),
        valid_from=valid_from(payload.get("valid_from")), email=payload.get("email"),
        phone_number=payload.get("phone_number"),
    )
    account_access = {"bank_id": source.bank_id, "account_id": source.account_id, "view_id": view_id,
                      "helper_info": {"counterparty_id": [counterparty.counterparty_id]}}
    return consents.create_consent(caller, sca_method, ask, consents.Extra(
        request=record, account_access=account_access, also=vrp_records,
        views=[(source.bank_id, source.account_id, view_id)], max_time_to_live=max_time_to_live,
    ))
