"""Bank accounts, their holders and the uniqueness of their routings.

Keys:
  ACCOUNT#<bank_id>#<account_id> / ACCOUNT     the account: its balances and counters (below), label,
      currency, routings, holders and attributes inline, so one read gives all of it. The key
      itself makes ACCOUNT_ID unique at its bank. Its transactions and its pending postings share
      this partition (see store/ledger.py); sort keys starting with ACCOUNT are the account and
      what is still to be booked on it.
  USER#<user_id> / HOLDS#<bank_id>#<account_id>  the user holds the account (accounts-held)
  UNIQUE#ACCOUNT_ROUTING#<bank_id>#<scheme>#<address> / UNIQUE   a routing is unique at a bank,
      in its canonical form (services/routings.py; scripts/canonical_routings.py brings older
      records to it)
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import ApiError
from chalicelib.store.access import AccountAccessRecord
from chalicelib.store.base import (
    DecimalAttribute,
    Entity,
    UniqueGuard,
    failed_keys,
    get_item,
    get_many,
    key_of,
    put_unique,
    resolve_unique,
    transaction,
)
from chalicelib.store.users import user_pk

ROUTING = "ACCOUNT_ROUTING"
_HOLDS = "HOLDS#"


def account_pk(bank_id: str, account_id: str) -> str:
    return f"ACCOUNT#{bank_id}#{account_id}"


def account_key(bank_id: str, account_id: str) -> tuple[str, str]:
    return account_pk(bank_id, account_id), "ACCOUNT"


class AccountRoutingMap(MapAttribute):
    scheme = UnicodeAttribute(default="")
    address = UnicodeAttribute(default="")


class AccountHolderMap(MapAttribute):
    user_id = UnicodeAttribute()
    name = UnicodeAttribute(default="")


class AccountAttributeMap(MapAttribute):
    account_attribute_id = UnicodeAttribute()
    product_code = UnicodeAttribute(default="")
    name = UnicodeAttribute()
    attribute_type = UnicodeAttribute(attr_name="type")
    value = UnicodeAttribute(default="")
    product_instance_code = UnicodeAttribute(null=True)


class AccountRecord(Entity, discriminator="Account"):
    bank_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    label = UnicodeAttribute(default="")
    product_code = UnicodeAttribute(default="")
    branch_id = UnicodeAttribute(default="")
    currency = UnicodeAttribute()
    # What the account holds and may spend from: a debit takes its amount off at once (under the
    # funds condition), a credit adds when it is booked (services/booking.py).
    balance = DecimalAttribute()
    # The running balance after the last booked transaction, and how many transactions and
    # transaction requests have been booked (their positions run 1..count). Only booking writes
    # them, conditioned on the counts it read.
    booked_balance = DecimalAttribute(default=lambda: Decimal("0"))
    transaction_count = NumberAttribute(default=0)
    request_count = NumberAttribute(default=0)
    routings = ListAttribute(of=AccountRoutingMap, default=list)
    holders = ListAttribute(of=AccountHolderMap, default=list)
    attributes = ListAttribute(of=AccountAttributeMap, default=list)
    created_by_user_id = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute()

    def attribute(self, name: str) -> str | None:
        return next((a.value for a in self.attributes if a.name == name), None)

    @property
    def holder_ids(self) -> list[str]:
        return [h.user_id for h in self.holders]


class HolderRecord(Entity, discriminator="AccountHolder"):
    user_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    account_id = UnicodeAttribute()


def new_account(bank_id: str, account_id: str, *, currency: str, routings: list[dict], holders: list[dict],
                attributes: list[dict], **fields) -> AccountRecord:
    pk, sk = account_key(bank_id, account_id)
    return AccountRecord(
        pk=pk, sk=sk, bank_id=bank_id, account_id=account_id, currency=currency, balance=Decimal("0"),
        booked_balance=Decimal("0"), transaction_count=0, request_count=0,
        routings=[AccountRoutingMap(**r) for r in routings],
        holders=[AccountHolderMap(**h) for h in holders],
        attributes=[AccountAttributeMap(**a) for a in attributes],
        created_at=datetime.now(timezone.utc), **fields,
    )


def create_account(account: AccountRecord, owner_access: AccountAccessRecord) -> None:
    """The account, its holders, the owner's view and the routing guards in one transaction.
    OBP-30208 when ACCOUNT_ID is taken at the bank, OBP-30115 when a routing is."""
    tx = transaction()
    try:
        with tx:
            tx.save(account, condition=AccountRecord.pk.does_not_exist())
            for routing in account.routings:
                put_unique(tx, ROUTING, routing_value(account.bank_id, routing.scheme, routing.address), account.account_id)
            for holder in account.holders:
                tx.save(HolderRecord(
                    pk=user_pk(holder.user_id), sk=f"{_HOLDS}{account.bank_id}#{account.account_id}",
                    user_id=holder.user_id, bank_id=account.bank_id, account_id=account.account_id,
                ))
            tx.save(owner_access)
    except TransactWriteError as err:
        failed = failed_keys(tx, err)
        if key_of(account) in failed:
            raise ApiError("OBP-30208", f"Current BankId is {account.bank_id} and ACCOUNT_ID is {account.account_id}") from err
        if failed:
            raise ApiError("OBP-30115") from err
        raise


def get_account(bank_id: str, account_id: str) -> AccountRecord | None:
    return get_item(AccountRecord, *account_key(bank_id, account_id))


def account_id_by_routing(bank_id: str, scheme: str, address: str) -> str | None:
    """The account at the bank with this routing (routings are unique per bank)."""
    return resolve_unique(ROUTING, routing_value(bank_id, scheme, address))


def get_accounts(keys: list[tuple[str, str]]) -> dict[tuple[str, str], AccountRecord]:
    """(bank_id, account_id) -> account, for those that exist; one BatchGetItem."""
    found = get_many(account_key(b, a) for b, a in keys)
    out = {}
    for b, a in keys:
        record = found.get(account_key(b, a))
        if isinstance(record, AccountRecord):
            out[(b, a)] = record
    return out


def held_account_ids(user_id: str, bank_id: str) -> list[str]:
    items = HolderRecord.query(user_pk(user_id), HolderRecord.sk.startswith(f"{_HOLDS}{bank_id}#"))
    return [h.account_id for h in items]


def update_label(account: AccountRecord, label: str, linked_customers: list) -> None:
    """The account's label and the label of its customer-link projections (store/customers.py
    CustomerAccountLink), in one transaction; the account must still exist."""
    tx = transaction()
    with tx:
        tx.update(AccountRecord(pk=account.pk, sk=account.sk), actions=[AccountRecord.label.set(label)],
                  condition=AccountRecord.pk.exists())
        for link in linked_customers:
            tx.update(link, actions=[type(link).label.set(label)], condition=type(link).pk.exists())


def stage_debit(tx, account: AccountRecord, amount: Decimal, floor: Decimal | None) -> None:
    """Take `amount` off the balance, provided the balance stays at or above `floor` (None: no
    floor). The condition is on the stored balance, not on a version read earlier: debits racing
    each other all commit while the funds last."""
    condition = AccountRecord.pk.exists()
    if floor is not None:
        condition &= AccountRecord.balance >= floor + amount
    tx.update(AccountRecord(pk=account.pk, sk=account.sk), actions=[AccountRecord.balance.add(-amount)],
              condition=condition)


def stage_booking(tx, account: AccountRecord, *, booked_balance: Decimal, transactions: int, requests: int,
                  credit: Decimal) -> None:
    """Record a booking: `transactions` more transactions and `requests` more transaction requests
    booked, the running balance now `booked_balance`, the booked credits added to the balance.
    Conditioned on the counts that were read, so two bookings of one account never interleave."""
    actions = [
        AccountRecord.booked_balance.set(booked_balance),
        AccountRecord.transaction_count.set(int(account.transaction_count) + transactions),
        AccountRecord.request_count.set(int(account.request_count) + requests),
    ]
    if credit:
        actions.append(AccountRecord.balance.add(credit))
    tx.update(
        AccountRecord(pk=account.pk, sk=account.sk), actions=actions,
        condition=(AccountRecord.transaction_count == int(account.transaction_count))
        & (AccountRecord.request_count == int(account.request_count)),
    )


# --- offline: routings into their canonical form (scripts/canonical_routings.py) ---------------

def routing_value(bank_id: str, scheme: str, address: str) -> str:
    """What a routing's uniqueness guard holds (UNIQUE#ACCOUNT_ROUTING#<value>)."""
    return f"{bank_id}#{scheme}#{address}"


def routing_owner(value: str) -> str | None:
    return resolve_unique(ROUTING, value)


def rewrite_routings(account: AccountRecord, routings: list[dict], claim: list[str], release: list[str]) -> bool:
    """Store `routings` on the account and move its guards in one transaction: each `claim` value
    becomes the account's (if free or already its own), each `release` value is given up (if
    still its own). False when another account holds a claimed value."""
    tx = transaction()
    try:
        with tx:
            tx.update(AccountRecord(pk=account.pk, sk=account.sk),
                      actions=[AccountRecord.routings.set([AccountRoutingMap(**r) for r in routings])],
                      condition=AccountRecord.pk.exists())
            for value in claim:
                tx.save(UniqueGuard(pk=UniqueGuard.key(ROUTING, value), sk="UNIQUE", owner_id=account.account_id),
                        condition=UniqueGuard.pk.does_not_exist() | (UniqueGuard.owner_id == account.account_id))
            for value in release:
                tx.delete(UniqueGuard(pk=UniqueGuard.key(ROUTING, value), sk="UNIQUE"),
                          condition=UniqueGuard.pk.does_not_exist() | (UniqueGuard.owner_id == account.account_id))
    except TransactWriteError:
        return False
    return True
