"""Records of the Enterprise API (/v1): partners and their keys, access tokens, profiles, customers.

Keys (all in the one table, see store/base.py):
  PARTNER#<client_id> / PARTNER                 a partner (API client); profile_count, active_keys
  PARTNER#<client_id> / KEY#<kid>               one of its public keys (active or revoked)
  ASSERTION#<sha256(client_id, jti)> / JTI      a used client-assertion jti (TTL: the assertion's exp + leeway)
  PARTNER_TOKEN#<sha256(token)> / TOKEN         an access token (TTL: its expiry)
  PROFILE#<profile_id> / PROFILE                a profile; customer_count, customer_seq, settlement_count
        gsi1: PARTNER_PROFILES#<client_id> / <profile seq, 12 digits>   a partner's profiles, by creation
  PROFILE#<profile_id> / CUSTOMER#<seq, 12 digits>   a customer (its id carries the seq, see customers.py)
  PROFILE#<profile_id> / CCOUNT#<level>#<index, 12 digits>   live-customer counters (profiles.counting_tree)
  PROFILE#<profile_id> / PAYIDX#<set>#<n>, PAYCOUNT#<set>#…  payment lists (payments.py, profiles.counting_tree)
  PAYMENT#<payment_id> / PAYMENT, CHECKOUT, REFUND#<id>      a payment, its hosted-page session, its refunds
        gsi2: PAYMENT_WORK#<shard> / <due>#…                 the payments sweeper's to-do list
  PROVIDER_ACCOUNTS#<bank_id>#<currency> / PROVIDER_ACCOUNTS the provider's clearing, fee and acquirer accounts
  UNIQUE#PAYMENT_REFERENCE#<profile_id>#<sha256> / UNIQUE     a payment's reference (idempotency)
  PAYMENT_METHOD#<id> / PAYMENT_METHOD, CHECKOUT             a payment method (a mandate), its page session
  PAYMENT_METHODS#<customer_id> / PM#…, COUNT                a customer's payment methods (payment_methods.py)
  SETTLEMENT#<id> / SETTLEMENT; PROFILE#<id> / SETTLING#…, SETTLECARRY#…   settlements (settlements.py)
Store functions report an expected failure as a documented return value, never a PynamoDB error.
"""
from __future__ import annotations

from typing import Callable

from pynamodb.exceptions import TransactWriteError

from chalicelib.store.base import failed_keys, is_conflict, sent_keys, transaction


def write(build: Callable, also: Callable | None = None) -> str:
    """Run one transaction: `build(tx)` adds the record's own writes, then `also(tx)` adds writes
    that must commit with them (an outbox message, an idempotency record). Returns
      "done"      committed;
      "stale"     a condition of build's writes failed: the state read before has changed;
      "lost"      only a condition of also's writes failed (e.g. an idempotency claim taken over);
      "conflict"  a concurrent transaction touched the same items: safe to retry as is.
    """
    tx = transaction()
    own: set[tuple[str, str]] = set()
    try:
        with tx:
            build(tx)
            own = set(sent_keys(tx))
            if also is not None:
                also(tx)
    except TransactWriteError as err:
        failed = failed_keys(tx, err)
        if failed:
            return "stale" if failed & own else "lost"
        if is_conflict(err):
            return "conflict"
        raise
    return "done"


def update_versioned(record, values: dict, also: Callable | None = None) -> str:
    """Set the fields in `values` (None removes one) if the record's `version` is still the one
    read, and bump it; once done, `record` holds the new values. A `write` outcome."""
    model, read = type(record), int(record.version)
    actions = [getattr(model, name).set(value) if value is not None else getattr(model, name).remove()
               for name, value in values.items()]
    actions.append(model.version.set(read + 1))

    def build(tx):
        tx.update(model(pk=record.pk, sk=record.sk), actions=actions, condition=model.version == read)

    outcome = write(build, also)
    if outcome == "done":
        for name, value in values.items():
            setattr(record, name, value)
        record.version = read + 1
    return outcome
