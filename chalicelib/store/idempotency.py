"""Idempotency keys: the first response to a request, replayed to its retries.

Keys:
  IDEMPOTENCY#<sha256(scope, key)> / IDEMPOTENCY    one (caller, Idempotency-Key); TTL 24 h
A record is IN_PROGRESS (held by one request, `owner`, until `lease_until`) or COMPLETE (with the
sealed response). Completion can be staged in the very transaction of the write it answers, so a
request that dies between its write and its completion cannot be executed twice.
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.store.base import Entity, get_item

IN_PROGRESS, COMPLETE = "IN_PROGRESS", "COMPLETE"


class IdempotencyRecord(Entity, discriminator="Idempotency"):
    fingerprint = UnicodeAttribute()
    state = UnicodeAttribute()
    owner = UnicodeAttribute()
    lease_until = UTCDateTimeAttribute()
    response_status = NumberAttribute(null=True)
    response_sealed = UnicodeAttribute(null=True)


def _pk(key_hash: str) -> str:
    return f"IDEMPOTENCY#{key_hash}"


def claim(key_hash: str, fingerprint: str, owner: str, lease_until: datetime,
          expires: datetime) -> tuple[bool, IdempotencyRecord | None]:
    """Take the key for this request: (True, None); or (False, the record holding it, read
    strongly consistent; None if it vanished meanwhile). A key is free when new, past its TTL,
    or IN_PROGRESS for the same request with an expired lease (its holder died uncommitted)."""
    now = datetime.now(timezone.utc)
    record = IdempotencyRecord(pk=_pk(key_hash), sk="IDEMPOTENCY", fingerprint=fingerprint, state=IN_PROGRESS,
                               owner=owner, lease_until=lease_until, expires_at=expires)
    try:
        record.save(condition=IdempotencyRecord.pk.does_not_exist() | (IdempotencyRecord.expires_at < now) | (
            (IdempotencyRecord.state == IN_PROGRESS) & (IdempotencyRecord.lease_until < now)
            & (IdempotencyRecord.fingerprint == fingerprint)))
        return True, None
    except PutError:
        return False, get_item(IdempotencyRecord, _pk(key_hash), "IDEMPOTENCY")


def _completion(key_hash: str, owner: str, status: int, sealed: str):
    record = IdempotencyRecord(pk=_pk(key_hash), sk="IDEMPOTENCY")
    actions = [IdempotencyRecord.state.set(COMPLETE), IdempotencyRecord.response_status.set(status),
               IdempotencyRecord.response_sealed.set(sealed)]
    condition = (IdempotencyRecord.owner == owner) & (IdempotencyRecord.state == IN_PROGRESS)
    return record, actions, condition


def stage_complete(tx: TransactWrite, key_hash: str, owner: str, status: int, sealed: str) -> None:
    """Add the completion to the write's transaction; it fails the transaction if the claim was lost."""
    record, actions, condition = _completion(key_hash, owner, status, sealed)
    tx.update(record, actions=actions, condition=condition)


def complete(key_hash: str, owner: str, status: int, sealed: str) -> bool:
    record, actions, condition = _completion(key_hash, owner, status, sealed)
    try:
        record.update(actions=actions, condition=condition)
    except UpdateError:
        return False
    return True


def release(key_hash: str, owner: str) -> None:
    """Give the key back (the request failed and wrote nothing): a retry executes afresh."""
    try:
        IdempotencyRecord(pk=_pk(key_hash), sk="IDEMPOTENCY").delete(
            condition=(IdempotencyRecord.owner == owner) & (IdempotencyRecord.state == IN_PROGRESS))
    except DeleteError:
        pass
