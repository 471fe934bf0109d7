"""Payments and refunds of the Enterprise API, the hosted page's session, and their lists.

Keys:
  PAYMENT#<payment_id> / PAYMENT               a payment: state, amount in minor units, who paid from
      where, the ledger ids of its money; gsi2 PAYMENT_WORK#<shard> / <due iso>#P#<payment_id>
      while it is `created` (due: its expiry) or `processing` (due: when to resume it), the
      sweeper's to-do list (sparse: removed with the last state change)
  PAYMENT#<payment_id> / CHECKOUT              its hosted-page session (token hash, the payer's steps)
  PAYMENT#<payment_id> / REFUND#<refund_id>    a refund; gsi2 as above (…#R#<refund_id>) while pending
      A succeeded payment or refund not yet in a settlement is on the settlements' to-do list, gsi3
      UNSETTLED#<shard> / <profile_id>#<currency>#<clearing bank>#<completed iso>#<P|R>#<id>
      (sparse: removed by the settlement that claims it, store/enterprise/settlements.py)
  PROFILE#<profile_id> / PAYIDX#<set>#<number> payment <number> is in list <set> (its payment_id)
  PROFILE#<profile_id> / PAYCOUNT#<set>#<level>#<index>   the counting tree of <set> (profiles.counting_tree)
  UNIQUE#PAYMENT_REFERENCE#<profile_id>#<sha256(reference)> / UNIQUE   the payment of a reference

Lists: a payment gets the profile's next number (`next_payment_number`) and is a member of the
sets `all`, `state=<s>` and, with a customer, `customer=<c>` and `customer=<c>&state=<s>`. A state
change moves it between the state sets in the same transaction (membership item and counters), so
any filter pages exactly like customers: each set is a numbered list of store/positions.py (the
profile's `payment_seq` its last number, its live count the sum of its top counters), its
membership items the list's index.

Every write here is a staged write (it adds to a transaction it is given): payments change state
inside the ledger's transaction (services/transfers.post) or in their own.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError

from chalicelib.store import positions
from chalicelib.store.base import Entity, get_item, get_many, put_unique, resolve_unique
from chalicelib.store.enterprise.customers import AddressMap
from chalicelib.store.enterprise.profiles import counting_tree, profile_pk, seq_key

REFERENCE = "PAYMENT_REFERENCE"
WORK_SHARDS = 4
_REFUND = "REFUND#"
_MEMBER = "PAYIDX#"
_COUNTER = "PAYCOUNT#"


class ContactMap(MapAttribute):
    company = UnicodeAttribute(null=True)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    address = AddressMap(null=True)


class PaymentRecord(Entity, discriminator="EnterprisePayment"):
    payment_id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    client_id = UnicodeAttribute()
    seq = NumberAttribute()
    customer_id = UnicodeAttribute(null=True)
    method = UnicodeAttribute()  # openbanking | creditcard
    state = UnicodeAttribute()  # created | processing | succeeded | failed | expired
    amount = NumberAttribute()  # minor units of `currency`
    currency = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    reference = UnicodeAttribute(null=True)
    metadata = UnicodeAttribute(null=True)  # compact JSON object
    billing = ContactMap(null=True)
    shipping = ContactMap(null=True)
    redirect_url = UnicodeAttribute(null=True)  # none for a charge through a payment method
    merchant_name = UnicodeAttribute()
    payment_method_id = UnicodeAttribute(null=True)  # paid through that method's mandate, without a page
    request_fingerprint = UnicodeAttribute()  # what a repeated `reference` must match
    checkout_sealed = UnicodeAttribute(null=True)  # the hosted page's token, sealed: next.redirect
    created_at = UTCDateTimeAttribute()
    expires = UTCDateTimeAttribute()  # created -> expired from then on (not the table's TTL)
    processing_at = UTCDateTimeAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)
    # openbanking: the payer's account (never shown to the merchant)
    payer_bank_id = UnicodeAttribute(null=True)
    payer_account_id = UnicodeAttribute(null=True)
    payer_user_id = UnicodeAttribute(null=True)
    challenge_id = UnicodeAttribute(null=True)  # the payer's OTP: TR#<transaction_request_id> / CHALLENGE#<id>
    # creditcard: the only card data kept
    card_bin = UnicodeAttribute(null=True)
    card_last4 = UnicodeAttribute(null=True)
    card_expiry = UnicodeAttribute(null=True)
    card_holder = UnicodeAttribute(null=True)
    card_scheme = UnicodeAttribute(null=True)
    acquirer_reference = UnicodeAttribute(null=True)
    # the money: where it clears, and the ledger records that moved it
    clearing_bank_id = UnicodeAttribute()
    clearing_account_id = UnicodeAttribute()
    transaction_request_id = UnicodeAttribute(null=True)
    debit_transaction_id = UnicodeAttribute(null=True)  # on the payer's (or the acquirer's) account
    credit_transaction_id = UnicodeAttribute(null=True)  # on the clearing account
    amount_refunded = NumberAttribute(default=0)  # succeeded refunds
    refund_reserved = NumberAttribute(default=0)  # pending + succeeded refunds: never above amount
    refund_count = NumberAttribute(default=0)
    settlement_id = UnicodeAttribute(null=True)  # set once, by the settlement that pays it out


class CheckoutRecord(Entity, discriminator="EnterpriseCheckout"):
    """The hosted page's session: bound to one payment (or payment method: a mandate to authorise),
    valid until `valid_until`."""

    payment_id = UnicodeAttribute()  # or the payment method's id
    token_hash = UnicodeAttribute()
    valid_until = UTCDateTimeAttribute()
    version = NumberAttribute(default=1)
    browser_hash = UnicodeAttribute(null=True)  # the browser the payer signed in with
    bank_id = UnicodeAttribute(null=True)
    payer_user_id = UnicodeAttribute(null=True)
    payer_account_id = UnicodeAttribute(null=True)
    sign_in_attempts = NumberAttribute(default=0)
    transaction_request_id = UnicodeAttribute(null=True)  # its challenge: TR#<id> / CHALLENGE#<challenge_id>
    challenge_id = UnicodeAttribute(null=True)
    consent_id = UnicodeAttribute(null=True)  # a mandate's: the payer's VRP consent whose challenge the page asks
    otp_sent_to = UnicodeAttribute(null=True)  # masked, for the page
    # a card waiting for its 3-D Secure step (the summary only)
    card_bin = UnicodeAttribute(null=True)
    card_last4 = UnicodeAttribute(null=True)
    card_expiry = UnicodeAttribute(null=True)
    card_holder = UnicodeAttribute(null=True)
    card_scheme = UnicodeAttribute(null=True)
    acquirer_reference = UnicodeAttribute(null=True)


class RefundRecord(Entity, discriminator="EnterpriseRefund"):
    refund_id = UnicodeAttribute()
    payment_id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    client_id = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    metadata = UnicodeAttribute(null=True)
    state = UnicodeAttribute()  # pending | succeeded | failed
    failure_reason = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    completed_at = UTCDateTimeAttribute(null=True)
    transaction_request_id = UnicodeAttribute()
    debit_transaction_id = UnicodeAttribute(null=True)  # on the clearing account
    credit_transaction_id = UnicodeAttribute(null=True)  # on the payer's (or the acquirer's) account
    settlement_id = UnicodeAttribute(null=True)  # set once, by the settlement that nets it out


class PaymentMember(Entity, discriminator="EnterprisePaymentMember"):
    payment_id = UnicodeAttribute()


# --- keys -----------------------------------------------------------------------------------------

def payment_pk(payment_id: str) -> str:
    return f"PAYMENT#{payment_id}"


def payment_key(payment_id: str) -> tuple[str, str]:
    return payment_pk(payment_id), "PAYMENT"


def checkout_key(payment_id: str) -> tuple[str, str]:
    return payment_pk(payment_id), "CHECKOUT"


def refund_key(payment_id: str, refund_id: str) -> tuple[str, str]:
    return payment_pk(payment_id), f"{_REFUND}{refund_id}"


def _reference_value(profile_id: str, reference: str) -> str:
    return f"{profile_id}#{hashlib.sha256(reference.encode()).hexdigest()}"


def work_keys(kind: str, item_id: str, due: datetime) -> dict:
    """gsi2 keys putting an item on the sweeper's to-do list (kind P: payment, R: refund)."""
    return {"gsi2pk": f"PAYMENT_WORK#{int(item_id[-2:], 16) % WORK_SHARDS}",
            "gsi2sk": f"{due.isoformat()}#{kind}#{item_id}"}


UNSETTLED_SHARDS = 8


def unsettled_group(profile_id: str, currency: str, clearing_bank_id: str) -> tuple[str, str]:
    """(gsi3pk, sort key prefix) of a profile's unsettled items clearing at a bank in a currency."""
    shard = int(hashlib.sha256(profile_id.encode()).hexdigest()[:4], 16) % UNSETTLED_SHARDS
    return f"UNSETTLED#{shard}", f"{profile_id}#{currency}#{clearing_bank_id}#"


def unsettled_keys(profile_id: str, currency: str, clearing_bank_id: str, completed: datetime, kind: str,
                   item_id: str) -> dict:
    """gsi3 keys putting a succeeded payment (kind P) or refund (R) on the settlements' to-do list."""
    pk, prefix = unsettled_group(profile_id, currency, clearing_bank_id)
    return {"gsi3pk": pk, "gsi3sk": f"{prefix}{completed.isoformat()}#{kind}#{item_id}"}


def list_sets(customer_id: str | None, state: str) -> list[str]:
    sets = ["all", f"state={state}"]
    if customer_id:
        sets += [f"customer={customer_id}", f"customer={customer_id}&state={state}"]
    return sets


def _state_sets(customer_id: str | None, state: str) -> list[str]:
    return [s for s in list_sets(customer_id, state) if "state=" in s]


# --- reads ----------------------------------------------------------------------------------------

def get_payment(payment_id: str) -> PaymentRecord | None:
    return get_item(PaymentRecord, *payment_key(payment_id))


def get_payment_and_checkout(payment_id: str) -> tuple[PaymentRecord | None, CheckoutRecord | None]:
    """Both in one BatchGetItem."""
    found = get_many([payment_key(payment_id), checkout_key(payment_id)])
    payment, checkout = found.get(payment_key(payment_id)), found.get(checkout_key(payment_id))
    return (payment if isinstance(payment, PaymentRecord) else None,
            checkout if isinstance(checkout, CheckoutRecord) else None)


def get_checkout(payment_id: str) -> CheckoutRecord | None:
    return get_item(CheckoutRecord, *checkout_key(payment_id))


def payment_of_reference(profile_id: str, reference: str) -> str | None:
    return resolve_unique(REFERENCE, _reference_value(profile_id, reference))


def refunds_of(payment_id: str, limit: int) -> list[RefundRecord]:
    """A payment's refunds, oldest first (a payment has at most `limit`: the caller's cap)."""
    items = RefundRecord.query(payment_pk(payment_id), RefundRecord.sk.startswith(_REFUND), consistent_read=True,
                               limit=limit)
    return sorted((r for r in items if isinstance(r, RefundRecord)), key=lambda r: (r.created_at, r.refund_id))


def get_refund(payment_id: str, refund_id: str) -> RefundRecord | None:
    return get_item(RefundRecord, *refund_key(payment_id, refund_id))


def _tree(profile_id: str, set_name: str) -> positions.CountingTree:
    return counting_tree(profile_id, f"{_COUNTER}{set_name}#")


def count_in_set(profile_id: str, set_name: str) -> int:
    return _tree(profile_id, set_name).total()


def page(profile_id: str, set_name: str, last_number: int, count: int, offset: int, size: int) -> list[PaymentRecord]:
    """The set's payments of ranks offset..offset+size-1, newest first (`last_number`: the
    profile's payment_seq; `count`: count_in_set): at most one counter Query per level (none while
    the set has every number up to the last), one Query of at most 63 + size members, all strongly
    consistent, and one BatchGetItem of the payments."""
    prefix = f"{_MEMBER}{set_name}#"
    members = positions.read_from(PaymentMember, PaymentMember.sk, profile_pk(profile_id),
                                  positions.Head(last=last_number, live=count), _tree(profile_id, set_name),
                                  offset=offset, limit=size, descending=True, consistent=True,
                                  key_of=lambda number: prefix + seq_key(number))
    payments = get_many(payment_key(m.payment_id) for m in members)
    return [payments[payment_key(m.payment_id)] for m in members if payment_key(m.payment_id) in payments]


def due_work(shard: int, now: datetime, limit: int) -> list[Entity]:
    """Payments and refunds on the sweeper's list that are due (gsi2, eventually consistent:
    the sweeper reads each again before acting)."""
    return list(Entity.gsi2.query(f"PAYMENT_WORK#{shard}", Entity.gsi2sk < now.isoformat(), limit=limit))


# --- staged writes --------------------------------------------------------------------------------

def _join(tx, payment: PaymentRecord, set_name: str) -> None:
    member = PaymentMember(pk=profile_pk(payment.profile_id), sk=f"{_MEMBER}{set_name}#{seq_key(int(payment.seq))}",
                           payment_id=payment.payment_id)
    tx.save(member)
    _tree(payment.profile_id, set_name).stage(tx, int(payment.seq), +1)


def _leave(tx, payment: PaymentRecord, set_name: str) -> None:
    pk = profile_pk(payment.profile_id)
    tx.delete(PaymentMember(pk=pk, sk=f"{_MEMBER}{set_name}#{seq_key(int(payment.seq))}"))
    _tree(payment.profile_id, set_name).stage(tx, int(payment.seq), -1)


def stage_new_payment(tx, payment: PaymentRecord) -> None:
    """The payment, its reference guard (the transaction fails if the reference is taken) and its
    list memberships."""
    tx.save(payment, condition=PaymentRecord.pk.does_not_exist())
    if payment.reference:
        put_unique(tx, REFERENCE, _reference_value(payment.profile_id, payment.reference), payment.payment_id)
    for set_name in list_sets(payment.customer_id, payment.state):
        _join(tx, payment, set_name)


def stage_transition(tx, payment: PaymentRecord, to_state: str, from_states: tuple[str, ...], *,
                     condition=None, fields: dict | None = None, work_due: datetime | None = None) -> None:
    """Move the payment from one of `from_states` (as read: `payment.state`) to `to_state`,
    setting `fields` (None removes one), and move it between the state lists. `work_due` keeps it
    on the sweeper's list until then; without it the payment leaves the list. The update is
    conditioned on the state (and `condition`), so a transition happens once."""
    actions = [PaymentRecord.state.set(to_state)]
    for name, value in (fields or {}).items():
        attribute = getattr(PaymentRecord, name)
        actions.append(attribute.set(value) if value is not None else attribute.remove())
    if work_due is not None:
        keys = work_keys("P", payment.payment_id, work_due)
        actions += [PaymentRecord.gsi2pk.set(keys["gsi2pk"]), PaymentRecord.gsi2sk.set(keys["gsi2sk"])]
    else:
        actions += [PaymentRecord.gsi2pk.remove(), PaymentRecord.gsi2sk.remove()]
    if to_state == "succeeded":  # money in clearing: on the settlements' to-do list
        keys = unsettled_keys(payment.profile_id, payment.currency, payment.clearing_bank_id,
                              (fields or {})["completed_at"], "P", payment.payment_id)
        actions += [PaymentRecord.gsi3pk.set(keys["gsi3pk"]), PaymentRecord.gsi3sk.set(keys["gsi3sk"])]
    guard = PaymentRecord.state.is_in(*from_states) & (PaymentRecord.state == payment.state)
    tx.update(PaymentRecord(pk=payment.pk, sk=payment.sk), actions=actions,
              condition=guard if condition is None else guard & condition)
    if to_state != payment.state:
        for set_name in _state_sets(payment.customer_id, payment.state):
            _leave(tx, payment, set_name)
        for set_name in _state_sets(payment.customer_id, to_state):
            _join(tx, payment, set_name)


def stage_checkout(tx, checkout: CheckoutRecord) -> None:
    tx.save(checkout, condition=CheckoutRecord.pk.does_not_exist())


def stage_checkout_update(tx, checkout: CheckoutRecord, values: dict) -> None:
    """Set (None: remove) session fields if the session is still the version read; bumps it."""
    actions = [getattr(CheckoutRecord, n).set(v) if v is not None else getattr(CheckoutRecord, n).remove()
               for n, v in values.items()]
    actions.append(CheckoutRecord.version.set(int(checkout.version) + 1))
    tx.update(CheckoutRecord(pk=checkout.pk, sk=checkout.sk), actions=actions,
              condition=CheckoutRecord.version == int(checkout.version))


def count_sign_in(checkout: CheckoutRecord, allowed: int) -> int | None:
    """Count one more sign-in attempt on the page, atomically and before it is checked: the new
    count, or None when `allowed` attempts were made already."""
    record = CheckoutRecord(pk=checkout.pk, sk=checkout.sk)
    try:
        record.update(actions=[CheckoutRecord.sign_in_attempts.add(1)], condition=CheckoutRecord.sign_in_attempts < allowed)
    except UpdateError:
        return None
    return int(record.sign_in_attempts)


def stage_refund_reservation(tx, payment: PaymentRecord, refund: RefundRecord, max_refunds: int) -> None:
    """Reserve the refund's amount on the payment: the reservation is an atomic ADD conditioned on
    what is left (amount - reserved >= refund), so racing refunds never pass the amount paid."""
    amount = int(refund.amount)
    tx.update(PaymentRecord(pk=payment.pk, sk=payment.sk),
              actions=[PaymentRecord.refund_reserved.add(amount), PaymentRecord.refund_count.add(1)],
              condition=(PaymentRecord.state == "succeeded")
              & (PaymentRecord.refund_reserved <= int(payment.amount) - amount)
              & (PaymentRecord.refund_count < max_refunds))
    tx.save(refund, condition=RefundRecord.pk.does_not_exist())


def stage_refund_outcome(tx, refund: RefundRecord, to_state: str, fields: dict, *, refunded: int = 0,
                         released: int = 0, clearing_bank_id: str | None = None) -> None:
    """pending -> succeeded (`refunded` added to the payment's refunded amount; the refund goes on
    the settlements' to-do list of the clearing bank) or failed (`released` given back to what may
    be refunded); the refund leaves the sweeper's list."""
    actions = [RefundRecord.state.set(to_state), RefundRecord.gsi2pk.remove(), RefundRecord.gsi2sk.remove()]
    if to_state == "succeeded":
        keys = unsettled_keys(refund.profile_id, refund.currency, clearing_bank_id, fields["completed_at"], "R",
                              refund.refund_id)
        actions += [RefundRecord.gsi3pk.set(keys["gsi3pk"]), RefundRecord.gsi3sk.set(keys["gsi3sk"])]
    actions += [getattr(RefundRecord, n).set(v) for n, v in fields.items() if v is not None]
    tx.update(RefundRecord(pk=refund.pk, sk=refund.sk), actions=actions, condition=RefundRecord.state == "pending")
    payment = PaymentRecord(pk=refund.pk, sk="PAYMENT")
    if refunded:
        tx.update(payment, actions=[PaymentRecord.amount_refunded.add(refunded)], condition=PaymentRecord.pk.exists())
    if released:
        tx.update(payment, actions=[PaymentRecord.refund_reserved.add(-released)], condition=PaymentRecord.pk.exists())


def set_credit_transaction(record: PaymentRecord | RefundRecord, transaction_id: str) -> None:
    """The clearing side's transaction id, noted once the ledger committed (the ledger's transaction
    request links both sides as well: every ledger transaction carries its request's id)."""
    model = type(record)
    model(pk=record.pk, sk=record.sk).update(
        actions=[model.credit_transaction_id.set(transaction_id)], condition=model.pk.exists())
