"""Payment methods of a profile's customers (openbanking recurring mandates) and their lists.

Keys:
  PAYMENT_METHOD#<id> / PAYMENT_METHOD        the method: its state, its recurring schedule, and once
      authorised its mandate (the payer's OBP VRP consent, counterparty and view, the payer's
      account); gsi2 PAYMENT_WORK#<shard> / <deadline>#M#<id> while `created` (the payments
      sweeper fails it when the page was never finished); gsi3 MANDATE_DUE#<shard> /
      <next execution date>#<id> while `succeeded` (the recurring charges' to-do list)
  PAYMENT_METHOD#<id> / CHECKOUT              its hosted-page session (store/enterprise/payments.py's
      CheckoutRecord, with the consent whose challenge the payer answers)
  PAYMENT_METHODS#<customer_id> / PM#<created iso>#<id>   the customer's methods, oldest first
  PAYMENT_METHODS#<customer_id> / COUNT       how many the customer has (at most MAX_PER_CUSTOMER)
  UNIQUE#PAYMENT_METHOD_REFERENCE#<profile_id>#<sha256(reference)>   a method's reference
  UNIQUE#RECURRING_CHARGE#<id>#<period>       the one scheduled charge of a period (its payment id)
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import Entity, get_item, get_many, put_unique, resolve_unique
from chalicelib.store.enterprise.payments import CheckoutRecord

REFERENCE = "PAYMENT_METHOD_REFERENCE"
RECURRING_CHARGE = "RECURRING_CHARGE"
MAX_PER_CUSTOMER = 100
DUE_SHARDS = 4
_MEMBER = "PM#"


class PaymentMethodRecord(Entity, discriminator="EnterprisePaymentMethod"):
    payment_method_id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    client_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    method = UnicodeAttribute()  # openbanking
    state = UnicodeAttribute()  # created | succeeded | failed | expired
    description = UnicodeAttribute(null=True)
    reference = UnicodeAttribute(null=True)
    metadata = UnicodeAttribute(null=True)  # compact JSON object
    request_fingerprint = UnicodeAttribute()
    # openbanking.recurring
    amount = NumberAttribute()  # minor units
    currency = UnicodeAttribute()
    frequency = UnicodeAttribute()
    day_of_execution = NumberAttribute(null=True)
    month_of_execution = NumberAttribute(null=True)
    start_date = UnicodeAttribute()  # yyyy-mm-dd
    end_date = UnicodeAttribute(null=True)
    # the hosted page
    redirect_url = UnicodeAttribute()
    merchant_name = UnicodeAttribute()
    checkout_sealed = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    expires = UTCDateTimeAttribute()  # created -> failed from then on
    completed_at = UTCDateTimeAttribute(null=True)  # authorised or failed
    failure_reason = UnicodeAttribute(null=True)
    # the mandate: an OBP VRP consent of the payer (never shown to the merchant but its bank)
    consent_id = UnicodeAttribute(null=True)
    consumer_id = UnicodeAttribute(null=True)
    counterparty_id = UnicodeAttribute(null=True)
    view_id = UnicodeAttribute(null=True)
    payer_bank_id = UnicodeAttribute(null=True)
    payer_account_id = UnicodeAttribute(null=True)
    payer_user_id = UnicodeAttribute(null=True)
    clearing_bank_id = UnicodeAttribute(null=True)
    clearing_account_id = UnicodeAttribute(null=True)
    next_charge_date = UnicodeAttribute(null=True)  # yyyy-mm-dd, while succeeded
    expired_at = UTCDateTimeAttribute(null=True)
    expiry_reason = UnicodeAttribute(null=True)  # ended | revoked_by_the_payer | deleted | consent_...


class PaymentMethodMember(Entity, discriminator="EnterprisePaymentMethodMember"):
    payment_method_id = UnicodeAttribute()


class PaymentMethodCount(Entity, discriminator="EnterprisePaymentMethodCount"):
    count = NumberAttribute(default=0)


# --- keys -----------------------------------------------------------------------------------------

def method_pk(payment_method_id: str) -> str:
    return f"PAYMENT_METHOD#{payment_method_id}"


def method_key(payment_method_id: str) -> tuple[str, str]:
    return method_pk(payment_method_id), "PAYMENT_METHOD"


def checkout_key(payment_method_id: str) -> tuple[str, str]:
    return method_pk(payment_method_id), "CHECKOUT"


def _list_pk(customer_id: str) -> str:
    return f"PAYMENT_METHODS#{customer_id}"


def _reference_value(profile_id: str, reference: str) -> str:
    return f"{profile_id}#{hashlib.sha256(reference.encode()).hexdigest()}"


def due_keys(payment_method_id: str, next_date: str) -> dict:
    """gsi3 keys putting a succeeded method on the recurring charges' to-do list."""
    return {"gsi3pk": f"MANDATE_DUE#{int(payment_method_id[-2:], 16) % DUE_SHARDS}",
            "gsi3sk": f"{next_date}#{payment_method_id}"}


# --- reads ----------------------------------------------------------------------------------------

def get_method(payment_method_id: str) -> PaymentMethodRecord | None:
    return get_item(PaymentMethodRecord, *method_key(payment_method_id))


def get_method_and_checkout(payment_method_id: str) -> tuple[PaymentMethodRecord | None, CheckoutRecord | None]:
    """Both in one BatchGetItem."""
    found = get_many([method_key(payment_method_id), checkout_key(payment_method_id)])
    method, checkout = found.get(method_key(payment_method_id)), found.get(checkout_key(payment_method_id))
    return (method if isinstance(method, PaymentMethodRecord) else None,
            checkout if isinstance(checkout, CheckoutRecord) else None)


def get_checkout(payment_method_id: str) -> CheckoutRecord | None:
    return get_item(CheckoutRecord, *checkout_key(payment_method_id))


def methods_of(customer_id: str) -> list[PaymentMethodRecord]:
    """The customer's methods, oldest first: one Query of at most MAX_PER_CUSTOMER members, one
    BatchGetItem."""
    members = list(PaymentMethodMember.query(_list_pk(customer_id), PaymentMethodMember.sk.startswith(_MEMBER),
                                             consistent_read=True, limit=MAX_PER_CUSTOMER))
    found = get_many(method_key(m.payment_method_id) for m in members if isinstance(m, PaymentMethodMember))
    return [found[method_key(m.payment_method_id)] for m in members
            if isinstance(m, PaymentMethodMember) and method_key(m.payment_method_id) in found]


def method_of_reference(profile_id: str, reference: str) -> str | None:
    return resolve_unique(REFERENCE, _reference_value(profile_id, reference))


def charge_of_period(payment_method_id: str, period: str) -> str | None:
    """The payment id of a period's scheduled charge, if it was made."""
    return resolve_unique(RECURRING_CHARGE, f"{payment_method_id}#{period}")


def due_methods(shard: int, today: str, limit: int) -> list[PaymentMethodRecord]:
    """Succeeded methods whose next execution date is today or before (gsi3, eventually
    consistent: each is read again before it is charged)."""
    return list(PaymentMethodRecord.gsi3.query(f"MANDATE_DUE#{shard}", PaymentMethodRecord.gsi3sk < f"{today}#~",
                                               limit=limit))


# --- staged writes --------------------------------------------------------------------------------

def stage_new_method(tx, method: PaymentMethodRecord, checkout: CheckoutRecord) -> None:
    """The method, its session, its reference guard, its place in the customer's list and the
    customer's count (the transaction fails when the customer has MAX_PER_CUSTOMER methods)."""
    tx.save(method, condition=PaymentMethodRecord.pk.does_not_exist())
    tx.save(checkout, condition=CheckoutRecord.pk.does_not_exist())
    if method.reference:
        put_unique(tx, REFERENCE, _reference_value(method.profile_id, method.reference), method.payment_method_id)
    pk = _list_pk(method.customer_id)
    tx.save(PaymentMethodMember(pk=pk, sk=f"{_MEMBER}{method.created_at.isoformat()}#{method.payment_method_id}",
                                payment_method_id=method.payment_method_id))
    tx.update(PaymentMethodCount(pk=pk, sk="COUNT"),
              actions=[PaymentMethodCount.count.add(1), PaymentMethodCount.record_type.set(PaymentMethodCount)],
              condition=PaymentMethodCount.count.does_not_exist() | (PaymentMethodCount.count < MAX_PER_CUSTOMER))


def stage_transition(tx, method: PaymentMethodRecord, to_state: str, from_states: tuple[str, ...], *,
                     fields: dict | None = None, work_due: datetime | None = None, due_date: str | None = None,
                     condition=None) -> None:
    """Move the method from one of `from_states` (and still the state read) to `to_state`, setting
    `fields` (None removes one). `work_due` keeps it on the sweeper's list; `due_date` puts it on
    the recurring charges' list; without them it leaves the lists."""
    from chalicelib.store.enterprise.payments import work_keys

    actions = [PaymentMethodRecord.state.set(to_state)]
    for name, value in (fields or {}).items():
        attribute = getattr(PaymentMethodRecord, name)
        actions.append(attribute.set(value) if value is not None else attribute.remove())
    if work_due is not None:
        keys = work_keys("M", method.payment_method_id, work_due)
        actions += [PaymentMethodRecord.gsi2pk.set(keys["gsi2pk"]), PaymentMethodRecord.gsi2sk.set(keys["gsi2sk"])]
    else:
        actions += [PaymentMethodRecord.gsi2pk.remove(), PaymentMethodRecord.gsi2sk.remove()]
    actions += _due_actions(method.payment_method_id, due_date)
    guard = PaymentMethodRecord.state.is_in(*from_states) & (PaymentMethodRecord.state == method.state)
    tx.update(PaymentMethodRecord(pk=method.pk, sk=method.sk), actions=actions,
              condition=guard if condition is None else guard & condition)


def _due_actions(payment_method_id: str, due_date: str | None) -> list:
    if due_date is None:
        return [PaymentMethodRecord.next_charge_date.remove(), PaymentMethodRecord.gsi3pk.remove(),
                PaymentMethodRecord.gsi3sk.remove()]
    keys = due_keys(payment_method_id, due_date)
    return [PaymentMethodRecord.next_charge_date.set(due_date), PaymentMethodRecord.gsi3pk.set(keys["gsi3pk"]),
            PaymentMethodRecord.gsi3sk.set(keys["gsi3sk"])]


def stage_next_charge(tx, method: PaymentMethodRecord, from_date: str, to_date: str | None) -> None:
    """Advance a succeeded method's next execution date (None: no more), if it is still the one read."""
    tx.update(PaymentMethodRecord(pk=method.pk, sk=method.sk), actions=_due_actions(method.payment_method_id, to_date),
              condition=(PaymentMethodRecord.state == "succeeded") & (PaymentMethodRecord.next_charge_date == from_date))


def stage_period_charge(tx, payment_method_id: str, period: str, payment_id: str) -> None:
    """The period's one scheduled charge: the transaction fails when the period has one already."""
    put_unique(tx, RECURRING_CHARGE, f"{payment_method_id}#{period}", payment_id)
