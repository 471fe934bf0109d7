"""Booking: where a committed transfer gets its running balance, and a transaction request its
place in the account's list.

A transfer (services/transfers.py) commits each leg as a pending transaction in its account's
partition: a debit's amount leaves the balance at once, under a condition on the stored balance
(the funds check); a credit's waits, so credits to one account never touch a common item and never
conflict with each other, on AWS either. Booking then takes an account's pending transactions and
requests, oldest first, and commits a batch of them in ONE transaction that
  * gives each transaction the account's next position (1, 2, ...) and its running balance
    (`new_balance`), stored under its id and under its position (store/ledger.py);
  * adds the batch's credits to the balance;
  * gives each pending request the next position in the account's list of requests;
  * stages the transactions' webhook events, now that their balances are known;
  * moves the account's counts on, conditioned on the counts it read.
Bookings of one account are serialised on purpose, and nothing else is: transfers never wait for
each other. A booking that loses the race to another leaves its work to the winner, which books
everything it saw. The request that made a transfer books both accounts before it answers; if it
dies in between, `sweep` (the outbox_sweeper schedule, the local stack's poller) books the rest.
"""
from __future__ import annotations

import logging
import random
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Iterable

from chalicelib import outbox
from chalicelib.services import customer_links, webhooks
from chalicelib.services.money import render_with_currency
from chalicelib.store import accounts as account_store
from chalicelib.store import ledger

logger = logging.getLogger(__name__)

# A batch is read with one Query and booked with one transaction (at most 100 writes).
_PENDING_READ = 40
_WRITES_PER_TRANSACTION = 3  # under its id, under its position, the marker deleted
_WRITES_PER_REQUEST = 2  # its list position, the marker deleted
MAX_ROUNDS = 25


def book(*accounts: tuple[str, str], awaited: Iterable[str] = ()) -> None:
    """Book the accounts (bank_id, account_id). With `awaited` (ids of transactions and requests),
    return once those are booked, by this call or by another; without, book until nothing is
    pending. The accounts of a transfer are booked together in one transaction when their pending
    work fits in one; else, or when another booking interferes, one by one. Gives up after
    MAX_ROUNDS lost races: the next booking of the account or the sweeper books the rest."""
    keys = list(dict.fromkeys(accounts))
    awaited = set(awaited)
    if len(keys) > 1 and _book_together(keys):
        return
    for bank_id, account_id in keys:
        _book_account(bank_id, account_id, awaited)


def _book_together(keys: list[tuple[str, str]]) -> bool:
    """Everything pending in these accounts in one transaction; False when it does not fit in one
    or another booking came first (nothing was written then)."""
    found = [ledger.unbooked(bank_id, account_id, _PENDING_READ) for bank_id, account_id in keys]
    if any(f.account is None or f.more_unread for f in found):
        return False
    batch = _Batch()
    for unbooked in found:
        batch.add(unbooked)
    if not batch.complete:
        return False
    try:
        batch.commit()
    except ledger.CommitRejected:
        return False
    return True


def _book_account(bank_id: str, account_id: str, awaited: set[str]) -> None:
    for attempt in range(MAX_ROUNDS):
        found = ledger.unbooked(bank_id, account_id, _PENDING_READ)
        pending = found.pending_ids()
        if found.account is None or not pending or (awaited and not awaited & pending and not found.more_unread):
            return
        batch = _Batch()
        batch.add(found)
        try:
            batch.commit()
        except ledger.CommitRejected:  # another booking of the account came first
            time.sleep(random.uniform(0, min(0.05, 0.002 * 2 ** attempt)))
            continue
        if awaited and not awaited & (pending - batch.booked) and not found.more_unread:
            return
    logger.info("booking of %s/%s left to the next booking or the sweeper after %d rounds", bank_id, account_id, MAX_ROUNDS)


class _Batch:
    """The writes of one booking transaction, for one account or several, within its 100 writes."""

    def __init__(self):
        self.steps, self.messages, self.booked = ledger.Steps(), [], set()
        self.budget = ledger.MAX_ACTIONS
        self.complete = True  # everything read was taken

    def add(self, found: ledger.Unbooked) -> None:
        account = found.account
        if not found.transactions and not found.requests:
            return
        if self.budget < 1 + _WRITES_PER_REQUEST:
            self.complete = False
            return
        self.budget -= 1  # the account's own update
        position, running, credit = int(account.transaction_count), account.booked_balance, Decimal("0")
        related = None
        for pending in found.transactions:
            if related is None and pending.amount != 0:
                related = customer_links.related_entities(account.bank_id, account.holder_ids)
            balance = running + pending.amount
            events = transaction_events(account, pending, balance, related or [])
            if self.budget < _WRITES_PER_TRANSACTION + len(events):
                self.complete = False
                break
            self.budget -= _WRITES_PER_TRANSACTION + len(events)
            position, running = position + 1, balance
            credit += 0 if pending.applied else pending.amount
            self.steps.add("transaction", lambda tx, p=pending, b=balance, n=position: ledger.stage_booked_transaction(
                tx, p, new_balance=b, sequence=n))
            self.messages += events
            self.booked.add(pending.transaction_id)
        request_position = int(account.request_count)
        for pending in found.requests:
            if self.budget < _WRITES_PER_REQUEST:
                self.complete = False
                break
            self.budget -= _WRITES_PER_REQUEST
            request_position += 1
            self.steps.add("request", lambda tx, p=pending, n=request_position: ledger.stage_request_position(tx, p, n))
            self.booked.add(pending.transaction_request_id)
        self.steps.add("account", lambda tx: account_store.stage_booking(
            tx, account, booked_balance=running, transactions=position - int(account.transaction_count),
            requests=request_position - int(account.request_count), credit=credit))

    def commit(self) -> None:
        """Commit (ledger.CommitRejected when another booking came first), then send the events."""
        for message in self.messages:
            self.steps.add("outbox", lambda tx, m=message: outbox.stage(tx, m))
        ledger.commit(self.steps)
        outbox.dispatch(*self.messages)


def transaction_events(account, txn, balance: Decimal, related_entities: list[dict]) -> list[outbox.Message]:
    """OBP's webhook events of one booked transaction (reference §7): a credit fires
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
            "balance": render_with_currency(balance, txn.currency),
        }, event_id))
    event_id = str(uuid.uuid4())
    messages.append(webhooks.event_message(
        "OnCreateTransaction", [webhooks.bank_scope(account.bank_id), webhooks.system_scope()], {
            "event_name": "OnCreateTransaction", "event_id": event_id, "bank_id": account.bank_id,
            "account_id": account.account_id, "transaction_id": txn.transaction_id,
            "related_entities": related_entities,
        }, event_id))
    return messages


def sweep(min_age_seconds: int = 30) -> int:
    """Book the accounts whose booking a request left unfinished more than `min_age_seconds` ago.
    Returns how many accounts it booked."""
    accounts = ledger.accounts_with_unbooked(timedelta(seconds=min_age_seconds))
    for key in accounts:
        book(key)
    return len(accounts)
