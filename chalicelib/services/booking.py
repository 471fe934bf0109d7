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
each other. Requests do not race to book the same items either: a request books at once where its
own item comes first in the account; elsewhere it waits for the booking under way, which takes its
item along in the same batch, and takes over when a short wait passes without progress. A booking
that still loses a race leaves its work to the winner. So a request answers once its transfer is
booked; what a request that died leaves, `sweep` books (the outbox_sweeper schedule, the local
stack's poller).
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
from chalicelib.store.accounts import account_pk
from chalicelib.store.parallel import together

logger = logging.getLogger(__name__)

# A batch is read with one Query and booked with one transaction (at most 100 writes: 16
# transactions with their events); a request's first look reads only the first three pending items.
_PENDING_READ = 16
_FIRST_LOOK = 3
_WRITES_PER_TRANSACTION = 3  # under its id, under its position, the marker deleted
_WRITES_PER_REQUEST = 2  # its list position, the marker deleted
# Requests do not race to book the same items: a request books at once where its own item comes
# first in the account; elsewhere it waits for the booking under way (the account's counts move)
# and takes over when nothing moved for TAKEOVER_AFTER (the request ahead died). Waits start at
# FIRST_WAIT and double up to LONGEST_WAIT; after BOOKING_SECONDS the rest is left to the next
# booking or the sweeper.
FIRST_WAIT, LONGEST_WAIT = 0.02, 0.25
TAKEOVER_AFTER = 1.0
BOOKING_SECONDS = 10.0


def book(*accounts: tuple[str, str], awaited: Iterable[tuple[str, str]] = ()) -> None:
    """Book the accounts (bank_id, account_id) a request has just written to, until its own
    pending items (`awaited`: the (pk, sk) of the markers its commit wrote, ledger.pending_keys)
    are booked, by this request or by another. Without `awaited` (the sweeper), book every account
    until nothing is pending. The accounts of a transfer are booked together in one transaction
    when the request's items come first in both and everything pending fits in one."""
    keys = list(dict.fromkeys(accounts))
    if not awaited:
        for key in keys:
            _book_everything(key)
        return
    mine = {key: {sk for pk, sk in awaited if pk == account_pk(*key)} for key in keys}
    keys = [key for key in keys if mine[key]]
    deadline = time.monotonic() + BOOKING_SECONDS
    # The accounts' first looks are independent reads: sent together, one round trip.
    found = dict(zip(keys, together(*[lambda k=k: ledger.unbooked(*k, _FIRST_LOOK) for k in keys])))
    # Where ours comes first, book at once (others wait for us there); then wait where it does not.
    first_in_line = [key for key in keys if _first_pending(found[key]) in mine[key]]
    if len(first_in_line) > 1 and _commit_together([found[key] for key in first_in_line]):
        keys = [key for key in keys if key not in first_in_line]
    for key in sorted(keys, key=lambda k: k not in first_in_line):
        _book_own(key, mine[key], found[key], deadline)


def book_request(request: ledger.TransactionRequestRecord) -> None:
    """Give a request committed without a transfer (staged with ledger.stage_new_request) its
    place in its from account's list of requests."""
    book((request.from_bank_id, request.from_account_id), awaited={ledger.request_marker(request)})


def _first_pending(found: ledger.Unbooked) -> str | None:
    first = (found.transactions or found.requests or [None])[0]
    return first.sk if first is not None else None


def _commit_together(found: list[ledger.Unbooked]) -> bool:
    """What is pending in these accounts in one transaction; False (nothing written) when it does
    not fit in one or another booking came first."""
    if any(f.more_unread for f in found):
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


def _book_own(key: tuple[str, str], mine: set[str], found: ledger.Unbooked | None, deadline: float) -> None:
    """Until the account's first pending item comes after the last of ours (bookings take pending
    items in key order, so ours are booked then): book when ours comes first; else wait, glancing
    at the account (two items), and take over when its counts have not moved for TAKEOVER_AFTER
    or ten of our own round trips, whichever is longer (a slow store is not an idle one). A wait
    lasts at least three round trips, about what the booking ahead needs for a batch."""
    last_mine, wait, round_trip = max(mine), FIRST_WAIT, 0.0
    seen, quiet_since, booking_here = None, time.monotonic(), False
    while time.monotonic() < deadline:
        if found is not None:
            counts = (int(found.account.transaction_count), int(found.account.request_count)) if found.account else None
            first = _first_pending(found)
        else:
            started = time.monotonic()
            glance = ledger.glance(*key)
            round_trip = time.monotonic() - started
            counts, first = glance.counts, glance.first_pending
        if counts is None or first is None or first > last_mine:
            return
        if counts != seen:
            seen, quiet_since = counts, time.monotonic()
        idle = time.monotonic() - quiet_since >= max(TAKEOVER_AFTER, 10 * round_trip)
        if first in mine or idle or booking_here:  # first in line, or nobody else is booking
            if found is None or found.more_unread:
                found = ledger.unbooked(*key, _PENDING_READ)
            batch = _Batch()
            last_taken = batch.add(found)
            try:
                batch.commit()
            except ledger.CommitRejected:  # another booking came first; it may have taken ours
                wait, found, booking_here = FIRST_WAIT, None, False
                continue
            if last_taken is not None and last_taken >= last_mine:
                return
            booking_here = True  # more ahead of ours: carry on
        else:  # a booking is under way (or about to start): give it the time it needs here
            pause = max(wait, 3 * round_trip)
            time.sleep(random.uniform(pause / 2, pause))
            wait = min(2 * wait, LONGEST_WAIT)
        found = None
    logger.info("booking of %s/%s left to the next booking or the sweeper after %.0f s", *key, BOOKING_SECONDS)


def _book_everything(key: tuple[str, str]) -> None:
    for attempt in range(25):
        found = ledger.unbooked(*key, _PENDING_READ)
        if found.account is None or not (found.transactions or found.requests):
            return
        batch = _Batch()
        batch.add(found)
        try:
            batch.commit()
        except ledger.CommitRejected:  # another booking came first
            time.sleep(random.uniform(0, min(LONGEST_WAIT, FIRST_WAIT * 2 ** attempt)))


class _Batch:
    """The writes of one booking transaction, for one account or several, within its 100 writes."""

    def __init__(self):
        self.steps, self.messages = ledger.Steps(), []
        self.budget = ledger.MAX_ACTIONS
        self.complete = True  # everything read was taken

    def add(self, found: ledger.Unbooked) -> str | None:
        """Take the account's pending items in key order while they fit; returns the key of the
        last one taken (None: none)."""
        account = found.account
        if not found.transactions and not found.requests:
            return None
        if self.budget < 1 + _WRITES_PER_REQUEST:
            self.complete = False
            return None
        last_taken = None
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
            last_taken = pending.sk
        taken = []
        if self.complete:  # requests come after every transaction in key order
            for pending in found.requests:
                if self.budget < _WRITES_PER_REQUEST:
                    self.complete = False
                    break
                self.budget -= _WRITES_PER_REQUEST
                taken.append(pending)
                last_taken = pending.sk
        request_position = int(account.request_count)
        for pending in sorted(taken, key=lambda r: r.since):  # positions in the order they were made
            request_position += 1
            self.steps.add("request", lambda tx, p=pending, n=request_position: ledger.stage_request_position(tx, p, n))
        self.steps.add("account", lambda tx: account_store.stage_booking(
            tx, account, booked_balance=running, transactions=position - int(account.transaction_count),
            requests=request_position - int(account.request_count), credit=credit))
        return last_taken

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
