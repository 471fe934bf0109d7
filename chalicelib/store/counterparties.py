"""Counterparties (payment beneficiaries of an account, reached through one view) with their
limits, and the running totals the limits are checked against.

Keys:
  COUNTERPARTY#<counterparty_id> / COUNTERPARTY       the counterparty, its routings, the account
      they resolve to here (empty when they name none here), and its limits (None: no limit);
      gsi1 COUNTERPARTIES#<bank_id>#<account_id> / <created iso>#<counterparty_id> lists an
      account's counterparties, oldest first
  UNIQUE#COUNTERPARTY_NAME#<bank_id>#<account_id>#<view_id>#<name>   a name is unique per view
  COUNTERPARTY#<counterparty_id> / USAGE#<period>     amount and count paid to it in a period:
      TOTAL, Y<yyyy> or M<yyyy-mm> (UTC); updated in the payment's own transaction under a
      condition that keeps them within the limits, so two payments racing cannot both pass one
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import TransactWriteError

from chalicelib.store.base import DecimalAttribute, Entity, failed_keys, get_item, put_unique, transaction

NAME = "COUNTERPARTY_NAME"


def counterparty_key(counterparty_id: str) -> tuple[str, str]:
    return f"COUNTERPARTY#{counterparty_id}", "COUNTERPARTY"


class BespokeMap(MapAttribute):
    key = UnicodeAttribute(default="")
    value = UnicodeAttribute(default="")


class CounterpartyRecord(Entity, discriminator="Counterparty"):
    counterparty_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    is_beneficiary = BooleanAttribute(default=True)
    bespoke = ListAttribute(of=BespokeMap, default=list)
    other_account_secondary_routing_scheme = UnicodeAttribute(default="")
    other_account_secondary_routing_address = UnicodeAttribute(default="")
    this_bank_id = UnicodeAttribute()
    this_account_id = UnicodeAttribute()
    this_view_id = UnicodeAttribute()
    created_by_user_id = UnicodeAttribute()
    other_bank_routing_scheme = UnicodeAttribute(default="")
    other_bank_routing_address = UnicodeAttribute(default="")
    other_account_routing_scheme = UnicodeAttribute(default="")
    other_account_routing_address = UnicodeAttribute(default="")
    other_branch_routing_scheme = UnicodeAttribute(default="")
    other_branch_routing_address = UnicodeAttribute(default="")
    other_bank_id = UnicodeAttribute(default="")  # the account the routings name here ("" for none)
    other_account_id = UnicodeAttribute(default="")
    currency = UnicodeAttribute(default="")
    max_single_amount = DecimalAttribute(null=True)
    max_monthly_amount = DecimalAttribute(null=True)
    max_number_of_monthly_transactions = NumberAttribute(null=True)
    max_yearly_amount = DecimalAttribute(null=True)
    max_number_of_yearly_transactions = NumberAttribute(null=True)
    max_total_amount = DecimalAttribute(null=True)
    max_number_of_transactions = NumberAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class CounterpartyUsage(Entity, discriminator="CounterpartyUsage"):
    amount = DecimalAttribute()
    count = NumberAttribute()


def _of_account(bank_id: str, account_id: str) -> str:
    return f"COUNTERPARTIES#{bank_id}#{account_id}"


def new_counterparty(counterparty_id: str, **fields) -> CounterpartyRecord:
    pk, sk = counterparty_key(counterparty_id)
    bespoke = [BespokeMap(**b) for b in fields.pop("bespoke", [])]
    return CounterpartyRecord(
        pk=pk, sk=sk, gsi1pk=_of_account(fields["this_bank_id"], fields["this_account_id"]),
        gsi1sk=f"{fields['created_at'].isoformat()}#{counterparty_id}", counterparty_id=counterparty_id,
        bespoke=bespoke, **fields,
    )


def stage_new(tx, counterparty: CounterpartyRecord) -> None:
    tx.save(counterparty, condition=CounterpartyRecord.pk.does_not_exist())


class NameTaken(Exception):
    """Another counterparty of the account and view has this name."""


def create(counterparty: CounterpartyRecord) -> None:
    """An explicit counterparty with its name guard (one name per account and view), in one
    transaction; NameTaken when the name is taken."""
    c = counterparty
    tx = transaction()
    try:
        with tx:
            stage_new(tx, c)
            put_unique(tx, NAME, f"{c.this_bank_id}#{c.this_account_id}#{c.this_view_id}#{c.name}", c.counterparty_id)
    except TransactWriteError as err:
        if failed_keys(tx, err):
            raise NameTaken() from err
        raise


def get_counterparty(counterparty_id: str) -> CounterpartyRecord | None:
    return get_item(CounterpartyRecord, *counterparty_key(counterparty_id))


def of_account(bank_id: str, account_id: str) -> list[CounterpartyRecord]:
    """An account's counterparties, oldest first (one Query)."""
    return list(CounterpartyRecord.gsi1.query(_of_account(bank_id, account_id)))


def periods(moment: datetime) -> dict[str, str]:
    """The usage periods a payment at `moment` (UTC) counts in."""
    return {"total": "TOTAL", "year": f"Y{moment:%Y}", "month": f"M{moment:%Y-%m}"}


def stage_usage(tx, counterparty_id: str, period: str, amount: Decimal, *, max_amount: Decimal | None,
                max_count: int | None) -> None:
    """Add a payment to a period's totals, on condition that they stay within the limits."""
    condition = None
    if max_amount is not None:
        condition = CounterpartyUsage.amount.does_not_exist() | (CounterpartyUsage.amount <= max_amount - amount)
    if max_count is not None:
        within = CounterpartyUsage.count.does_not_exist() | (CounterpartyUsage.count <= int(max_count) - 1)
        condition = within if condition is None else condition & within
    pk, _ = counterparty_key(counterparty_id)
    tx.update(
        CounterpartyUsage(pk=pk, sk=f"USAGE#{period}"),
        actions=[CounterpartyUsage.amount.add(amount), CounterpartyUsage.count.add(1),
                 CounterpartyUsage.record_type.set(CounterpartyUsage)],
        condition=condition,
    )


def usage(counterparty_id: str, period: str) -> CounterpartyUsage | None:
    pk, _ = counterparty_key(counterparty_id)
    return get_item(CounterpartyUsage, pk, f"USAGE#{period}")
