"""Posting a transfer: the one way money moves.

`post(Transfer, extra_steps)` commits, in ONE DynamoDB transaction, the debit (the amount taken off
the from account's balance under a condition on the stored balance: the funds check), both legs
as pending transactions, and the caller's own writes (the transaction request, a challenge, an
idempotency record, counterparty limits). Nothing in it depends on a version read earlier, so
transfers racing each other all commit while the funds last; a debit that would pass the floor is
refused (400 OBP-10035) and a commit cancelled by a concurrent transaction (AWS's
TransactionConflict: it wrote nothing) is sent again until it commits. Nothing is ever refused for
being busy: a transfer is refused for its funds, or for its caller's own conditions. Then booking (services/booking.py) gives both legs their
running balances, adds the credit to the to account and stages the webhook events.

The floor of a debit is minus the account's overdraft limit: its OVERDRAFT_LIMIT attribute (copied
from its product), else the setting `default_overdraft_limit` (OBP_DEFAULT_OVERDRAFT_LIMIT):
unlimited in the local stage, as OBP's sandbox, and 0 in deployed stages, where a bank refuses
insufficient funds unless an overdraft was agreed.
"""
from __future__ import annotations

import itertools
import logging
import os
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Callable

from chalicelib.errors import ApiError
from chalicelib.services import booking
from chalicelib.services.money import convert, parse_plain_number
from chalicelib.settings import get_settings
from chalicelib.store import accounts as account_store
from chalicelib.store import ledger

logger = logging.getLogger(__name__)

OVERDRAFT_ATTRIBUTE = "OVERDRAFT_LIMIT"
# The longest pause before a commit cancelled by a concurrent transaction is sent again (AWS only:
# the local stack's moto answers one request at a time, so it never reports a conflict). Only a
# debit touches a shared item (the from account's balance), so a conflict means another debit of
# the same account committed meanwhile: someone always makes progress.
LONGEST_CONFLICT_PAUSE = 0.2


def new_transaction_id() -> str:
    """A version-7 UUID: 48 bits of milliseconds, then 74 random bits, so an account's
    transactions sort by time in its partition."""
    millis = int(time.time() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big") & ((1 << 74) - 1)
    value = (millis << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0x2 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def overdraft_limit(account) -> Decimal | None:
    """How far below zero the account may go; None: no limit."""
    raw = account.attribute(OVERDRAFT_ATTRIBUTE)
    if raw is None:
        return get_settings().default_overdraft_limit
    limit = parse_plain_number(raw)
    return limit if limit is not None and limit > 0 else Decimal("0")


class InsufficientFunds(ApiError):
    def __init__(self):
        super().__init__("OBP-10035", "Insufficient funds: the amount exceeds what the from account may pay.", status=400)


def floor(account) -> Decimal | None:
    """The lowest balance a debit may leave; None: no floor."""
    limit = overdraft_limit(account)
    return None if limit is None else -limit


def check_funds(account, amount: Decimal) -> None:
    """400 OBP-10035 when the debit would take the balance read below the floor (the commit checks
    the stored balance again)."""
    lowest = floor(account)
    if lowest is not None and account.balance - amount < lowest:
        raise InsufficientFunds()


@dataclass(frozen=True)
class Transfer:
    from_key: tuple[str, str]  # (bank_id, account_id)
    to_key: tuple[str, str]
    amount: Decimal
    currency: str  # the from account's; the to account is credited at the static FX rate
    description: str
    transaction_type: str
    transaction_request_id: str


@dataclass(frozen=True)
class Posted:
    debit_id: str
    credit_id: str
    completed: datetime


# Given the debit transaction id and the completion time, the caller's own writes: (name, stage).
ExtraSteps = Callable[[str, datetime], list[tuple[str, Callable]]]


def post(transfer: Transfer, extra_steps: ExtraSteps, *, preloaded: dict | None = None) -> Posted:
    """Commit the transfer with the caller's writes, then book both accounts. A failed condition
    of the caller's own steps is raised as ledger.CommitRejected for the caller to interpret."""
    accounts = preloaded if preloaded is not None else account_store.get_accounts([transfer.from_key, transfer.to_key])
    source, target = accounts.get(transfer.from_key), accounts.get(transfer.to_key)
    if source is None or target is None:
        raise ApiError("OBP-30018", "The account of the transfer no longer exists.")
    if source.currency != transfer.currency:
        raise ApiError("OBP-40003", f"Current from account currency is {source.currency}", status=400)
    check_funds(source, transfer.amount)
    posted = Posted(new_transaction_id(), new_transaction_id(), datetime.now(timezone.utc))
    written = _commit(_steps(transfer, source, target, posted, extra_steps), transfer)
    booking.book(transfer.from_key, transfer.to_key, awaited=ledger.pending_keys(written))
    return posted


def _commit(steps: ledger.Steps, transfer: Transfer) -> list[tuple[str, str]]:
    """Commit, sent again until it commits while concurrent transactions cancel it (never a
    refusal for being busy); each attempt is a new request (ledger.commit gives each its own
    ClientRequestToken), and one that was cancelled wrote nothing. Pauses grow to
    LONGEST_CONFLICT_PAUSE, with jitter so racing debits spread out."""
    for attempt in itertools.count():
        try:
            return ledger.commit(steps)
        except ledger.CommitRejected as rejected:
            if "debit_balance" in rejected.failed:
                raise InsufficientFunds() from rejected
            if rejected.failed:
                raise
            logger.info("transfer %s met a concurrent transaction (attempt %s); sending it again",
                        transfer.transaction_request_id, attempt + 1)
            time.sleep(random.uniform(0, min(LONGEST_CONFLICT_PAUSE, 0.005 * 2 ** attempt)))


def _steps(transfer: Transfer, source, target, posted: Posted, extra_steps: ExtraSteps) -> ledger.Steps:
    credit_amount = convert(transfer.amount, source.currency, target.currency)
    common = {
        "transaction_type": transfer.transaction_type, "description": transfer.description,
        "posted": posted.completed, "completed": posted.completed,
        "transaction_request_id": transfer.transaction_request_id,
    }
    debit = ledger.new_transaction(
        source.bank_id, source.account_id, posted.debit_id, currency=source.currency, amount=-transfer.amount,
        other_bank_id=target.bank_id, other_account_id=target.account_id,
        other_holder_name=target.holders[0].name if target.holders else "", **common,
    )
    credit = ledger.new_transaction(
        target.bank_id, target.account_id, posted.credit_id, currency=target.currency, amount=credit_amount,
        other_bank_id=source.bank_id, other_account_id=source.account_id,
        other_holder_name=source.holders[0].name if source.holders else "", **common,
    )
    lowest = floor(source)
    steps = ledger.Steps()
    steps.add("debit_balance", lambda tx: account_store.stage_debit(tx, source, transfer.amount, lowest))
    steps.add("debit_transaction", lambda tx: ledger.stage_pending_transaction(tx, debit, applied=True))
    steps.add("credit_transaction", lambda tx: ledger.stage_pending_transaction(tx, credit, applied=False))
    for name, stage in extra_steps(posted.debit_id, posted.completed):
        steps.add(name, stage)
    return steps
