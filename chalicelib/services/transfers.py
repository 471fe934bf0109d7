"""Posting a transfer: both balances, both transaction records, the caller's own writes (the
transaction request, a challenge, an idempotency record) and the webhook events, all in ONE
DynamoDB transaction.

Each balance is written on the version that was read, so a transfer that raced another one is
cancelled and retried from fresh balances (a bounded number of times, with jittered back-off);
money is never created or lost. The balance a debit may reach is minus the account's overdraft
limit: the OVERDRAFT_LIMIT account attribute (copied from its product), 0 when absent. OBP's
sandbox connector lets balances go negative without limit; a bank refuses insufficient funds
unless an overdraft was agreed, and so do we.
"""
from __future__ import annotations

import logging
import os
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Callable

from chalicelib import outbox
from chalicelib.errors import ApiError
from chalicelib.services import customer_links, webhooks
from chalicelib.services.money import convert, parse_plain_number, render_with_currency
from chalicelib.store import accounts as account_store
from chalicelib.store import ledger

logger = logging.getLogger(__name__)

OVERDRAFT_ATTRIBUTE = "OVERDRAFT_LIMIT"
MAX_ATTEMPTS = 12
_BALANCE_STEPS = frozenset({"debit_balance", "credit_balance"})


def new_transaction_id() -> str:
    """A version-7 UUID: 48 bits of milliseconds, then 74 random bits, so an account's
    transactions sort by time in its partition."""
    millis = int(time.time() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big") & ((1 << 74) - 1)
    value = (millis << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0x2 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def overdraft_limit(account) -> Decimal:
    limit = parse_plain_number(account.attribute(OVERDRAFT_ATTRIBUTE) or "")
    return limit if limit is not None and limit > 0 else Decimal("0")


class InsufficientFunds(ApiError):
    def __init__(self):
        super().__init__("OBP-10035", "Insufficient funds: the amount exceeds what the from account may pay.", status=400)


def check_funds(account, amount: Decimal) -> None:
    """400 OBP-10035 when the debit would take the balance below the overdraft limit."""
    if account.balance - amount < -overdraft_limit(account):
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
    """Commit the transfer with the caller's writes; retried on a lost race. A failed condition
    of the caller's own steps is raised as ledger.CommitRejected for the caller to interpret."""
    accounts = preloaded
    for attempt in range(MAX_ATTEMPTS):
        if accounts is None:
            accounts = account_store.get_accounts([transfer.from_key, transfer.to_key])
        source, target = accounts.get(transfer.from_key), accounts.get(transfer.to_key)
        if source is None or target is None:
            raise ApiError("OBP-30018", "The account of the transfer no longer exists.")
        if source.currency != transfer.currency:
            raise ApiError("OBP-40003", f"Current from account currency is {source.currency}", status=400)
        check_funds(source, transfer.amount)
        posted = Posted(new_transaction_id(), new_transaction_id(), datetime.now(timezone.utc))
        steps, messages = _steps(transfer, source, target, posted, extra_steps)
        try:
            ledger.commit(steps)
        except ledger.CommitRejected as rejected:
            if rejected.failed - _BALANCE_STEPS:
                raise
            logger.info("transfer %s lost a race (attempt %s); retrying", transfer.transaction_request_id, attempt + 1)
            accounts = None
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))
            continue
        outbox.dispatch(*messages)
        return posted
    raise ApiError("OBP-60003", "The accounts are too busy right now; please retry.", status=503)


def _steps(transfer: Transfer, source, target, posted: Posted, extra_steps: ExtraSteps):
    credit_amount = convert(transfer.amount, source.currency, target.currency)
    debit_balance = source.balance - transfer.amount
    credit_balance = target.balance + credit_amount
    common = {
        "transaction_type": transfer.transaction_type, "description": transfer.description,
        "posted": posted.completed, "completed": posted.completed,
        "transaction_request_id": transfer.transaction_request_id,
    }
    debit = ledger.new_transaction(
        source.bank_id, source.account_id, posted.debit_id, currency=source.currency, amount=-transfer.amount,
        new_balance=debit_balance, other_bank_id=target.bank_id, other_account_id=target.account_id,
        other_holder_name=target.holders[0].name if target.holders else "", **common,
    )
    credit = ledger.new_transaction(
        target.bank_id, target.account_id, posted.credit_id, currency=target.currency, amount=credit_amount,
        new_balance=credit_balance, other_bank_id=source.bank_id, other_account_id=source.account_id,
        other_holder_name=source.holders[0].name if source.holders else "", **common,
    )
    steps = ledger.Steps()
    steps.add("debit_balance", lambda tx: account_store.set_balance(tx, source, debit_balance))
    steps.add("credit_balance", lambda tx: account_store.set_balance(tx, target, credit_balance))
    steps.add("debit_transaction", lambda tx: ledger.put_new(tx, debit))
    steps.add("credit_transaction", lambda tx: ledger.put_new(tx, credit))
    for name, stage in extra_steps(posted.debit_id, posted.completed):
        steps.add(name, stage)
    messages = transaction_events(source, debit) + transaction_events(target, credit)
    for message in messages:
        steps.add("outbox", lambda tx, m=message: outbox.stage(tx, m))
    return steps, messages


def transaction_events(account, txn) -> list[outbox.Message]:
    """OBP's webhook events of one committed transaction (reference §7): a credit fires
    OnBalanceChange, OnCreditTransaction, OnCreateTransaction; a debit OnBalanceChange,
    OnDebitTransaction, OnCreateTransaction; a zero amount nothing."""
    if txn.amount == 0:
        return []
    account_triggers = ["OnBalanceChange", "OnCreditTransaction" if txn.amount > 0 else "OnDebitTransaction"]
    messages = []
    for trigger in account_triggers:
        event_id = str(uuid.uuid4())
        messages.append(webhooks.event_message(trigger, [webhooks.account_scope(account.bank_id, account.account_id)], {
            "event_name": trigger, "event_id": event_id, "bank_id": account.bank_id, "account_id": account.account_id,
            "amount": render_with_currency(txn.amount, txn.currency),
            "balance": render_with_currency(txn.new_balance, txn.currency),
        }, event_id))
    event_id = str(uuid.uuid4())
    messages.append(webhooks.event_message(
        "OnCreateTransaction", [webhooks.bank_scope(account.bank_id), webhooks.system_scope()], {
            "event_name": "OnCreateTransaction", "event_id": event_id, "bank_id": account.bank_id,
            "account_id": account.account_id, "transaction_id": txn.transaction_id,
            "related_entities": customer_links.related_entities(account.bank_id, account.holder_ids),
        }, event_id))
    return messages
