"""Money movement: transactions, transaction requests, their challenges, and the one way to
commit writes that must hold together.

Keys (the account's partition, ACCOUNT#<bank_id>#<account_id>, holds its ledger):
  ACCOUNT#POSTING#<transaction_id>     a transaction committed by a transfer and not yet booked
      (PendingTransactionRecord: no running balance yet; `applied` when its amount is already in
      the balance, as a debit's is)
  ACCOUNT#REQUEST#<id>                 a transaction request of this account not yet given its
      place in the account's list of requests
  TXN#<transaction_id>                 a booked transaction, with its running balance (new_balance)
      and its position in the account (`sequence`, 1, 2, ...)
  TXNSEQ#<position>                    the same booked transaction under its position, so a page of
      the account's transactions is one key range (store.base.query_positions)
  Both markers carry gsi1 UNBOOKED#<shard> / <created iso>#<id>, so a sweeper finds accounts whose
  booking a request left unfinished.
Transaction requests, in their own partitions:
  TR#<transaction_request_id> / TR     a transaction request; once booked, gsi1 lists the account's
      requests by position: TRS#<bank_id>#<account_id> / <position>
  TR#<transaction_request_id> / CHALLENGE#<challenge_id>    one challenge (OTP stored as a keyed hash)
Booking itself (running balances, positions, webhook events) is services/booking.py.
"""
from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Callable

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.store.accounts import AccountRecord, account_pk
from chalicelib.store.base import (
    DecimalAttribute,
    Entity,
    failed_keys,
    get_many,
    is_conflict,
    position_key,
    query_positions,
    sent_keys,
    transaction,
)

_TXN = "TXN#"
_TXN_POSITION = "TXNSEQ#"
_PENDING_TXN = "ACCOUNT#POSTING#"
_PENDING_REQUEST = "ACCOUNT#REQUEST#"
_UNBOOKED = "UNBOOKED#"
UNBOOKED_SHARDS = 8


class TransactionRecord(Entity, discriminator="Transaction"):
    transaction_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    transaction_type = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    currency = UnicodeAttribute()
    amount = DecimalAttribute()  # signed: negative for a debit
    new_balance = DecimalAttribute(null=True)  # the running balance, set when booked
    sequence = NumberAttribute(null=True)  # its position in the account, set when booked
    posted = UTCDateTimeAttribute()
    completed = UTCDateTimeAttribute()
    transaction_request_id = UnicodeAttribute(default="")
    other_bank_id = UnicodeAttribute(default="")
    other_account_id = UnicodeAttribute(default="")
    other_holder_name = UnicodeAttribute(default="")


class PendingTransactionRecord(TransactionRecord, discriminator="PendingTransaction"):
    """A committed transaction waiting to be booked (the marker booking looks for)."""

    applied = BooleanAttribute()  # its amount is already in the balance (a debit's is; a credit's is not)


class PendingRequestRecord(Entity, discriminator="PendingRequest"):
    """A transaction request waiting for its position in the account's list."""

    transaction_request_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    since = UTCDateTimeAttribute()  # when the request was made: booking positions requests in this order


class TransactionRequestRecord(Entity, discriminator="TransactionRequest"):
    transaction_request_id = UnicodeAttribute()
    request_type = UnicodeAttribute()
    from_bank_id = UnicodeAttribute()
    from_account_id = UnicodeAttribute()
    to_bank_id = UnicodeAttribute()
    to_account_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    amount = DecimalAttribute()
    description = UnicodeAttribute(default="")
    status = UnicodeAttribute()
    start_date = UTCDateTimeAttribute()
    end_date = UTCDateTimeAttribute()
    transaction_id = UnicodeAttribute(default="")
    charge_summary = UnicodeAttribute(default="")
    charge_currency = UnicodeAttribute(default="")
    charge_amount = UnicodeAttribute(default="")
    challenge_type = UnicodeAttribute(default="")
    challenge_ids = ListAttribute(of=UnicodeAttribute, default=list)
    challenge_user_ids = ListAttribute(of=UnicodeAttribute, default=list)
    required_answers = NumberAttribute(default=0)
    # Counted under a condition so two correct answers racing cannot both think they were last.
    successful_answers = NumberAttribute(default=0)
    created_by_user_id = UnicodeAttribute(default="")
    view_id = UnicodeAttribute(default="")  # the view it was made through
    counterparty_id = UnicodeAttribute(default="")  # COUNTERPARTY requests: the beneficiary
    reject_reason_code = UnicodeAttribute(null=True)
    reject_information = UnicodeAttribute(null=True)


class ChallengeRecord(Entity, discriminator="TransactionChallenge"):
    challenge_id = UnicodeAttribute()
    transaction_request_id = UnicodeAttribute()
    expected_user_id = UnicodeAttribute()
    answer_hash = UnicodeAttribute()  # crypto.keyed_hash of the OTP, never the OTP
    attempts = NumberAttribute(default=0)
    successful = BooleanAttribute(default=False)
    valid_until = UTCDateTimeAttribute()


# --- keys and constructors ----------------------------------------------------------------------

def tr_pk(transaction_request_id: str) -> str:
    return f"TR#{transaction_request_id}"


def new_transaction(bank_id: str, account_id: str, transaction_id: str, **fields) -> TransactionRecord:
    return TransactionRecord(
        pk=account_pk(bank_id, account_id), sk=f"{_TXN}{transaction_id}",
        transaction_id=transaction_id, bank_id=bank_id, account_id=account_id, **fields,
    )


def new_transaction_request(transaction_request_id: str, *, from_bank_id: str, from_account_id: str,
                            start_date: datetime, **fields) -> TransactionRequestRecord:
    """A request not yet listed: booking gives it its place (gsi1) in the account's list."""
    return TransactionRequestRecord(
        pk=tr_pk(transaction_request_id), sk="TR",
        transaction_request_id=transaction_request_id, from_bank_id=from_bank_id, from_account_id=from_account_id,
        start_date=start_date, **fields,
    )


def _requests_key(bank_id: str, account_id: str) -> str:
    return f"TRS#{bank_id}#{account_id}"


def _unbooked_keys(pk: str, marker_id: str) -> dict:
    now = datetime.now(timezone.utc)
    return {"gsi1pk": f"{_UNBOOKED}{zlib.crc32(pk.encode()) % UNBOOKED_SHARDS}", "gsi1sk": f"{now.isoformat()}#{marker_id}"}


def new_challenge(transaction_request_id: str, challenge_id: str, **fields) -> ChallengeRecord:
    return ChallengeRecord(
        pk=tr_pk(transaction_request_id), sk=f"CHALLENGE#{challenge_id}",
        challenge_id=challenge_id, transaction_request_id=transaction_request_id, **fields,
    )


# --- reads ----------------------------------------------------------------------------------------

def get_transaction(bank_id: str, account_id: str, transaction_id: str) -> TransactionRecord | None:
    """The transaction, booked or still pending (then without new_balance): one BatchGetItem."""
    pk = account_pk(bank_id, account_id)
    found = get_many([(pk, f"{_TXN}{transaction_id}"), (pk, f"{_PENDING_TXN}{transaction_id}")])
    for sk in (f"{_TXN}{transaction_id}", f"{_PENDING_TXN}{transaction_id}"):
        if isinstance(found.get((pk, sk)), TransactionRecord):
            return found[(pk, sk)]
    return None


def transactions_page(account: AccountRecord, *, offset: int, limit: int, descending: bool) -> list[TransactionRecord]:
    """A page of the account's booked transactions in booking order: one Query of at most `limit`
    items whatever the offset (positions 1..transaction_count of the account record read)."""
    return query_positions(TransactionRecord, account.pk, TransactionRecord.sk, _TXN_POSITION,
                           int(account.transaction_count), offset=offset, limit=limit, descending=descending,
                           consistent_read=True)


def requests_page(account: AccountRecord, *, offset: int, limit: int, descending: bool) -> list[TransactionRequestRecord]:
    """A page of the account's booked transaction requests in the order they were made: one Query
    of gsi1 reading at most `limit` items whatever the offset."""
    return query_positions(TransactionRequestRecord.gsi1, _requests_key(account.bank_id, account.account_id),
                           TransactionRequestRecord.gsi1sk, "", int(account.request_count), offset=offset,
                           limit=limit, descending=descending)


@dataclass
class Unbooked:
    """What one consistent Query of an account's partition finds still to book."""

    account: AccountRecord | None
    transactions: list[PendingTransactionRecord] = field(default_factory=list)
    requests: list[PendingRequestRecord] = field(default_factory=list)
    more_unread: bool = False  # the Query stopped at its limit: more may be pending


def unbooked(bank_id: str, account_id: str, limit: int) -> Unbooked:
    """The account and up to `limit` of its pending transactions (oldest first), then pending
    requests: one strongly consistent Query (the sort keys starting with ACCOUNT)."""
    found, read = Unbooked(None), 0
    for item in Entity.query(account_pk(bank_id, account_id), Entity.sk.startswith("ACCOUNT"),
                             consistent_read=True, limit=limit + 1):
        read += 1
        if isinstance(item, AccountRecord):
            found.account = item
        elif isinstance(item, PendingTransactionRecord):
            found.transactions.append(item)
        elif isinstance(item, PendingRequestRecord):
            found.requests.append(item)
    found.more_unread = read > limit
    return found


@dataclass(frozen=True)
class Glance:
    """The account's booking counts and the key of its first pending item (None: nothing pending)."""

    counts: tuple[int, int] | None  # (transaction_count, request_count); None: no such account
    first_pending: str | None


def glance(bank_id: str, account_id: str) -> Glance:
    """One strongly consistent Query of two items: the account and its first pending item."""
    items = list(Entity.query(account_pk(bank_id, account_id), Entity.sk.startswith("ACCOUNT"),
                              consistent_read=True, limit=2))
    account = next((i for i in items if isinstance(i, AccountRecord)), None)
    first = next((i.sk for i in items if isinstance(i, (PendingTransactionRecord, PendingRequestRecord))), None)
    counts = (int(account.transaction_count), int(account.request_count)) if account is not None else None
    return Glance(counts, first)


def accounts_with_unbooked(older_than: timedelta, limit: int = 100) -> list[tuple[str, str]]:
    """(bank_id, account_id) of accounts holding something unbooked for longer than `older_than`:
    one Query of gsi1 per shard."""
    cutoff = (datetime.now(timezone.utc) - older_than).isoformat()
    accounts: dict[tuple[str, str], None] = {}
    for shard in range(UNBOOKED_SHARDS):
        for item in Entity.gsi1.query(f"{_UNBOOKED}{shard}", Entity.gsi1sk < cutoff, limit=limit):
            if isinstance(item, (PendingTransactionRecord, PendingRequestRecord)):
                accounts[(item.bank_id, item.account_id)] = None
    return list(accounts)


@dataclass
class LoadedRequest:
    request: TransactionRequestRecord | None
    challenges: dict[str, ChallengeRecord] = field(default_factory=dict)


def load_request(transaction_request_id: str) -> LoadedRequest:
    """The request and its challenges: one strongly consistent Query."""
    loaded = LoadedRequest(None)
    for item in Entity.query(tr_pk(transaction_request_id), consistent_read=True):
        if isinstance(item, TransactionRequestRecord):
            loaded.request = item
        elif isinstance(item, ChallengeRecord):
            loaded.challenges[item.challenge_id] = item
    return loaded


def count_attempt(challenge: ChallengeRecord, allowed: int) -> ChallengeRecord | None:
    """Atomically count one more answer before it is compared (OBP's RACE-1 rule): None when the
    attempts are used up or the challenge was already answered."""
    try:
        challenge.update(
            actions=[ChallengeRecord.attempts.add(1)],
            condition=(ChallengeRecord.attempts < allowed) & (ChallengeRecord.successful == False),  # noqa: E712
        )
    except UpdateError:
        return None
    return challenge


def set_request_status(request: TransactionRequestRecord, status: str, *, from_statuses: tuple[str, ...],
                       end_date: datetime, **extra) -> bool:
    """Compare-and-set the status; False when another request moved it first."""
    actions = [TransactionRequestRecord.status.set(status), TransactionRequestRecord.end_date.set(end_date)]
    actions += [getattr(TransactionRequestRecord, name).set(value) for name, value in extra.items()]
    try:
        request.update(actions=actions, condition=TransactionRequestRecord.status.is_in(*from_statuses))
    except UpdateError:
        return False
    return True


# --- staged writes: each adds exactly one action to a transaction ----------------------------------

def put_new(tx, record: Entity) -> None:
    tx.save(record, condition=type(record).pk.does_not_exist())


def stage_pending_transaction(tx, txn: TransactionRecord, *, applied: bool) -> None:
    """A transfer's leg on one account, to be booked: its amount is already in the balance
    (`applied`, a debit) or is added when booked (a credit)."""
    pk = account_pk(txn.bank_id, txn.account_id)
    pending = PendingTransactionRecord(**{
        **_transaction_fields(txn), "pk": pk, "sk": f"{_PENDING_TXN}{txn.transaction_id}",
        **_unbooked_keys(pk, txn.transaction_id)}, applied=applied)
    tx.save(pending, condition=PendingTransactionRecord.pk.does_not_exist())


def _transaction_fields(record: TransactionRecord) -> dict:
    """The transaction's own attributes (no type, no index keys, no booking results)."""
    skip = {"record_type", "applied", "gsi1pk", "gsi1sk", "new_balance", "sequence"}
    return {k: v for k, v in record.attribute_values.items() if k not in skip}


def request_marker(request: TransactionRequestRecord) -> tuple[str, str]:
    """(pk, sk) of the request's marker in its from account (what booking turns into its place)."""
    return account_pk(request.from_bank_id, request.from_account_id), f"{_PENDING_REQUEST}{request.transaction_request_id}"


def stage_new_request(tx, request: TransactionRequestRecord) -> None:
    """The request, and its marker in the account that booking turns into a place in the list."""
    put_new(tx, request)
    pk, sk = request_marker(request)
    tx.save(PendingRequestRecord(
        pk=pk, sk=sk, since=request.start_date,
        transaction_request_id=request.transaction_request_id, bank_id=request.from_bank_id,
        account_id=request.from_account_id, **_unbooked_keys(pk, request.transaction_request_id),
    ))


def stage_booked_transaction(tx, pending: PendingTransactionRecord, *, new_balance: Decimal, sequence: int) -> None:
    """Book one pending transaction: it becomes TXN#<id> and TXNSEQ#<position> with its running
    balance; the marker goes."""
    fields = _transaction_fields(pending)
    for sk in (f"{_TXN}{pending.transaction_id}", f"{_TXN_POSITION}{position_key(sequence)}"):
        tx.save(TransactionRecord(**{**fields, "sk": sk, "new_balance": new_balance, "sequence": sequence}),
                condition=TransactionRecord.pk.does_not_exist())
    tx.delete(PendingTransactionRecord(pk=pending.pk, sk=pending.sk))


def stage_request_position(tx, pending: PendingRequestRecord, position: int) -> None:
    """Give a request its place in the account's list (gsi1); the marker goes."""
    tx.update(
        TransactionRequestRecord(pk=tr_pk(pending.transaction_request_id), sk="TR"),
        actions=[TransactionRequestRecord.gsi1pk.set(_requests_key(pending.bank_id, pending.account_id)),
                 TransactionRequestRecord.gsi1sk.set(position_key(position))],
        condition=TransactionRequestRecord.pk.exists(),
    )
    tx.delete(PendingRequestRecord(pk=pending.pk, sk=pending.sk))


def complete_challenge(tx, challenge: ChallengeRecord) -> None:
    """Single use: only a challenge not yet answered can become successful."""
    tx.update(
        ChallengeRecord(pk=challenge.pk, sk=challenge.sk),
        actions=[ChallengeRecord.successful.set(True)],
        condition=ChallengeRecord.successful == False,  # noqa: E712
    )


def advance_request(tx, request: TransactionRequestRecord, *, status: str, from_statuses: tuple[str, ...],
                    successful_answers: int, end_date: datetime, transaction_id: str = "") -> None:
    """Move a request on, provided its status and answer count are still those that were read."""
    tx.update(
        TransactionRequestRecord(pk=request.pk, sk=request.sk),
        actions=[
            TransactionRequestRecord.status.set(status),
            TransactionRequestRecord.successful_answers.set(successful_answers),
            TransactionRequestRecord.end_date.set(end_date),
            TransactionRequestRecord.transaction_id.set(transaction_id),
        ],
        condition=TransactionRequestRecord.status.is_in(*from_statuses)
        & (TransactionRequestRecord.successful_answers == int(request.successful_answers)),
    )


# --- commit ----------------------------------------------------------------------------------------

class CommitRejected(Exception):
    """The transaction was cancelled: `failed` names the steps whose condition failed;
    `conflict` is true when it lost a race with another transaction (safe to retry)."""

    def __init__(self, failed: set[str], conflict: bool):
        super().__init__(f"transaction cancelled: failed={sorted(failed)} conflict={conflict}")
        self.failed = failed
        self.conflict = conflict


@dataclass
class Steps:
    """Named writes that commit together (TransactWriteItems takes at most 100 actions); a
    cancelled commit names the steps whose condition failed."""

    steps: list[tuple[str, Callable]] = field(default_factory=list)

    def add(self, name: str, stage: Callable) -> None:
        self.steps.append((name, stage))

    def __len__(self) -> int:
        return len(self.steps)


MAX_ACTIONS = 100


def commit(steps: Steps) -> list[tuple[str, str]]:
    """One TransactWriteItems with its own ClientRequestToken, so the SDK's own retry of a request
    whose answer was lost cannot apply it twice. Returns the (pk, sk) it wrote."""
    if len(steps) > MAX_ACTIONS:
        raise ValueError(f"{len(steps)} writes do not fit one DynamoDB transaction")
    step_of: dict[tuple[str, str], str] = {}
    tx = transaction(str(uuid.uuid4()))
    try:
        with tx:
            for name, stage in steps.steps:
                stage(tx)
                for key in sent_keys(tx):
                    step_of.setdefault(key, name)
    except TransactWriteError as err:
        failed = {step_of[key] for key in failed_keys(tx, err) if key in step_of}
        conflict = is_conflict(err)
        if not failed and not conflict:
            raise
        raise CommitRejected(failed, conflict) from err
    return list(step_of)


def pending_keys(written: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The markers among keys a commit wrote: what booking has to do for it."""
    return {(pk, sk) for pk, sk in written if sk.startswith((_PENDING_TXN, _PENDING_REQUEST))}
