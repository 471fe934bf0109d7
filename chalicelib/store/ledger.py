"""Money movement: transactions, transaction requests, their challenges, and the one way to
commit writes that must hold together.

Keys:
  ACCOUNT#<bank_id>#<account_id> / TXN#<transaction_id>   a completed transaction on the account
      (ids are time-ordered UUIDs, so the partition lists an account's transactions by time)
  TR#<transaction_request_id> / TR                          a transaction request; gsi1 lists an
      account's requests: TRS#<bank_id>#<account_id> / <start iso>#<id>
  TR#<transaction_request_id> / CHALLENGE#<challenge_id>    one challenge (OTP stored as a keyed hash)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.store.accounts import account_pk
from chalicelib.store.base import DecimalAttribute, Entity, failed_keys, get_item, is_conflict, sent_keys, transaction

_TXN = "TXN#"


class TransactionRecord(Entity, discriminator="Transaction"):
    transaction_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    transaction_type = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    currency = UnicodeAttribute()
    amount = DecimalAttribute()  # signed: negative for a debit
    new_balance = DecimalAttribute()
    posted = UTCDateTimeAttribute()
    completed = UTCDateTimeAttribute()
    transaction_request_id = UnicodeAttribute(default="")
    other_bank_id = UnicodeAttribute(default="")
    other_account_id = UnicodeAttribute(default="")
    other_holder_name = UnicodeAttribute(default="")


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
    return TransactionRequestRecord(
        pk=tr_pk(transaction_request_id), sk="TR",
        gsi1pk=f"TRS#{from_bank_id}#{from_account_id}", gsi1sk=f"{start_date.isoformat()}#{transaction_request_id}",
        transaction_request_id=transaction_request_id, from_bank_id=from_bank_id, from_account_id=from_account_id,
        start_date=start_date, **fields,
    )


def new_challenge(transaction_request_id: str, challenge_id: str, **fields) -> ChallengeRecord:
    return ChallengeRecord(
        pk=tr_pk(transaction_request_id), sk=f"CHALLENGE#{challenge_id}",
        challenge_id=challenge_id, transaction_request_id=transaction_request_id, **fields,
    )


# --- reads ----------------------------------------------------------------------------------------

def get_transaction(bank_id: str, account_id: str, transaction_id: str) -> TransactionRecord | None:
    return get_item(TransactionRecord, account_pk(bank_id, account_id), f"{_TXN}{transaction_id}")


def list_transactions(bank_id: str, account_id: str, *, newest_first: bool, limit: int) -> list[TransactionRecord]:
    items = TransactionRecord.query(
        account_pk(bank_id, account_id), TransactionRecord.sk.startswith(_TXN),
        scan_index_forward=not newest_first, consistent_read=True, limit=limit,
    )
    return [t for t in items if isinstance(t, TransactionRecord)]


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


def list_requests(bank_id: str, account_id: str, limit: int = 500) -> list[TransactionRequestRecord]:
    return list(TransactionRequestRecord.gsi1.query(f"TRS#{bank_id}#{account_id}", limit=limit))


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


def commit(steps: Steps) -> None:
    if len(steps) > MAX_ACTIONS:
        raise ValueError(f"{len(steps)} writes do not fit one DynamoDB transaction")
    step_of: dict[tuple[str, str], str] = {}
    tx = transaction()
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
