"""The outbox and the delivery claims that make the SQS handlers idempotent.

Keys:
  OUTBOX#<event_id> / OUTBOX            a message not yet handed to SQS; gsi1 OUTBOX / <created iso>
  DELIVERY#<key> / DELIVERY             a handler's claim on one delivery (IN_PROGRESS or DONE)
The outbox record holds only the sealed (encrypted) envelope, never a clear OTP.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.store.base import Entity

_PENDING = "OUTBOX"
_RETENTION = timedelta(days=14)


class OutboxRecord(Entity, discriminator="Outbox"):
    event_id = UnicodeAttribute()
    queue = UnicodeAttribute()
    envelope = UnicodeAttribute()
    delay_seconds = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()


class DeliveryClaim(Entity, discriminator="DeliveryClaim"):
    status = UnicodeAttribute()
    lease_until = UTCDateTimeAttribute()


def _outbox_record(event_id: str, queue: str, envelope: str, delay_seconds: int) -> OutboxRecord:
    now = datetime.now(timezone.utc)
    return OutboxRecord(
        pk=f"OUTBOX#{event_id}", sk="OUTBOX", gsi1pk=_PENDING, gsi1sk=now.isoformat(),
        event_id=event_id, queue=queue, envelope=envelope, delay_seconds=delay_seconds,
        created_at=now, expires_at=now + _RETENTION,
    )


def stage(tx: TransactWrite, event_id: str, queue: str, envelope: str, delay_seconds: int = 0) -> None:
    """Add a pending message to the caller's transaction: it commits with the write it describes."""
    tx.save(_outbox_record(event_id, queue, envelope, delay_seconds), condition=OutboxRecord.pk.does_not_exist())


def mark_dispatched(event_ids: list[str]) -> None:
    """Clear the outbox records of messages now on their queue (one BatchWriteItem per 25)."""
    if not event_ids:
        return
    with OutboxRecord.batch_write() as batch:
        for event_id in event_ids:
            batch.delete(OutboxRecord(pk=f"OUTBOX#{event_id}", sk="OUTBOX"))


def pending_older_than(age: timedelta, limit: int = 100) -> list[OutboxRecord]:
    cutoff = (datetime.now(timezone.utc) - age).isoformat()
    return list(OutboxRecord.gsi1.query(_PENDING, OutboxRecord.gsi1sk < cutoff, limit=limit))


# --- delivery claims -------------------------------------------------------------------------

def claim(key: str, lease_seconds: int = 120) -> str:
    """Claim a delivery before doing it. Returns "claimed", "done" (already delivered: skip) or
    "busy" (another worker holds a live lease: retry later). A crashed worker's lease expires."""
    now = datetime.now(timezone.utc)
    record = DeliveryClaim(
        pk=f"DELIVERY#{key}", sk="DELIVERY", status="IN_PROGRESS",
        lease_until=now + timedelta(seconds=lease_seconds), expires_at=now + _RETENTION,
    )
    try:
        record.save(
            condition=DeliveryClaim.pk.does_not_exist()
            | ((DeliveryClaim.status == "IN_PROGRESS") & (DeliveryClaim.lease_until < now))
        )
        return "claimed"
    except PutError:
        existing = DeliveryClaim.get(f"DELIVERY#{key}", "DELIVERY", consistent_read=True)
        return "done" if existing.status == "DONE" else "busy"


def complete(key: str) -> None:
    try:
        DeliveryClaim(pk=f"DELIVERY#{key}", sk="DELIVERY").update(
            actions=[DeliveryClaim.status.set("DONE")], condition=DeliveryClaim.pk.exists()
        )
    except UpdateError:
        pass


def release(key: str) -> None:
    """Give a claim back after a failed attempt so the retry can claim it at once."""
    try:
        DeliveryClaim(pk=f"DELIVERY#{key}", sk="DELIVERY").delete(condition=DeliveryClaim.status == "IN_PROGRESS")
    except DeleteError:
        pass
