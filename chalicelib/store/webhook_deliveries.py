"""Webhook deliveries: one record per (event, webhook) carrying the delivery's state machine, and
one record per attempt, for the delivery engine and for the webhook's owner.

Keys:
  WEBHOOK_DELIVERY#<delivery_id> / DELIVERY        the delivery: status, next attempt, lease, body
  WEBHOOK_DELIVERY#<delivery_id> / ATTEMPT#<nnnn>  one attempt: when, status code or error,
                                                   duration, the receiver's response (truncated)
  gsi1: WEBHOOK_DELIVERIES#<webhook_id> / <number>   a webhook's deliveries: an append-only
        numbered list (store/positions.py), numbered in the delivery's own transaction
Both expire (TTL) a retention period after their last write. Expiry is the only way out of the
list and no counter sees it: page k, newest first, starts at number last - k, so an offset
counts the deliveries made since, expired or not (the newest 30 days are all there).

`delivery_id` is derived from (event id, webhook id), so an event announced twice finds its
deliveries already there. The delivery record is also the attempt's idempotency guard: attempt n
runs only while `next_attempt == n`, under a lease, and every transition is conditional on it.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.store import positions
from chalicelib.store.base import Entity, failed_keys, get_item, key_of, transaction

PENDING, RETRYING, SUCCEEDED, FAILED = "PENDING", "RETRYING", "SUCCEEDED", "FAILED"
ACTIVE_STATUSES = (PENDING, RETRYING)
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "obp-serverless:webhook-delivery")


class DeliveryRecord(Entity, discriminator="WebhookDelivery"):
    delivery_id = UnicodeAttribute()
    webhook_id = UnicodeAttribute()
    event_id = UnicodeAttribute()  # the `webhook-id` header, the same on every attempt
    event_type = UnicodeAttribute()
    body = UnicodeAttribute()  # the exact bytes signed and sent (UTF-8 JSON)
    status = UnicodeAttribute()
    next_attempt = NumberAttribute()  # the attempt number that may run next (1-based)
    final_attempt = NumberAttribute()  # no automatic retry after this attempt
    redelivery = BooleanAttribute(default=False)  # reopened by its owner: one manual attempt
    lease_until = UTCDateTimeAttribute(null=True)
    next_attempt_at = UTCDateTimeAttribute(null=True)
    attempt_count = NumberAttribute(default=0)
    last_attempt_at = UTCDateTimeAttribute(null=True)
    last_status_code = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class AttemptRecord(Entity, discriminator="WebhookAttempt"):
    delivery_id = UnicodeAttribute()
    attempt = NumberAttribute()
    trigger = UnicodeAttribute()  # "scheduled" or "manual"
    attempted_at = UTCDateTimeAttribute()
    duration_ms = NumberAttribute()
    status_code = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    response_body = UnicodeAttribute(null=True)  # truncated; shown to the webhook's owner only


def delivery_pk(delivery_id: str) -> str:
    return f"WEBHOOK_DELIVERY#{delivery_id}"


def deliveries_list(webhook_id: str) -> positions.NumberedList:
    return positions.NumberedList(f"WEBHOOK_DELIVERIES#{webhook_id}", counted=False)


def delivery_id_for(event_id: str, webhook_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{event_id}/{webhook_id}"))


def new_delivery(event_id: str, webhook_id: str, event_type: str, body: str, final_attempt: int,
                 retention: timedelta) -> DeliveryRecord:
    now = datetime.now(timezone.utc)
    delivery_id = delivery_id_for(event_id, webhook_id)
    return DeliveryRecord(
        pk=delivery_pk(delivery_id), sk="DELIVERY", gsi1pk=deliveries_list(webhook_id).name,
        delivery_id=delivery_id, webhook_id=webhook_id, event_id=event_id, event_type=event_type, body=body,
        status=PENDING, next_attempt=1, final_attempt=final_attempt, next_attempt_at=now,
        created_at=now, expires_at=now + retention,
    )


def new_attempt(delivery_id: str, attempt: int, trigger: str, attempted_at: datetime, duration_ms: int,
                status_code: int | None, error: str | None, response_body: str | None,
                retention: timedelta) -> AttemptRecord:
    return AttemptRecord(
        pk=delivery_pk(delivery_id), sk=f"ATTEMPT#{attempt:04d}", delivery_id=delivery_id, attempt=attempt,
        trigger=trigger, attempted_at=attempted_at, duration_ms=duration_ms, status_code=status_code,
        error=error, response_body=response_body, expires_at=attempted_at + retention,
    )


def _commit(delivery: DeliveryRecord, write: Callable[[TransactWrite], None]) -> bool:
    """Run `write` in one transaction. False when the condition on the delivery record failed
    (the delivery is not in the state the write expected); other failures raise."""
    tx = transaction()
    try:
        with tx:
            write(tx)
    except TransactWriteError as err:
        if key_of(delivery) in failed_keys(tx, err):
            return False
        raise
    return True


def insert_delivery(record: DeliveryRecord, stage: Callable[[TransactWrite], None]) -> bool:
    """Store a new delivery, numbered in its webhook's list, and, in the same transaction, what
    `stage` adds (its first attempt's outbox message). False when the delivery exists already
    (the event was announced before)."""
    lst = deliveries_list(record.webhook_id)

    def build(tx: TransactWrite, numbers: dict[str, int]) -> None:
        record.gsi1sk = lst.key(numbers[lst.name])
        tx.save(record, condition=DeliveryRecord.pk.does_not_exist())
        stage(tx)

    try:
        positions.write(build, [lst])
    except positions.Cancelled as err:
        if key_of(record) in err.failed:
            return False
        raise
    return True


def get_delivery(delivery_id: str) -> DeliveryRecord | None:
    return get_item(DeliveryRecord, delivery_pk(delivery_id), "DELIVERY")


def get_delivery_with_attempts(delivery_id: str) -> tuple[DeliveryRecord | None, list[AttemptRecord]]:
    """The delivery and its attempts in attempt order: one Query."""
    delivery, attempts = None, []
    for item in Entity.query(delivery_pk(delivery_id), consistent_read=True):
        if isinstance(item, DeliveryRecord):
            delivery = item
        elif isinstance(item, AttemptRecord):
            attempts.append(item)
    return delivery, attempts


def deliveries_of_webhook(webhook_id: str, *, limit: int, offset: int = 0) -> list[DeliveryRecord]:
    """A page of the webhook's deliveries, newest first (see the module docstring)."""
    return positions.page(deliveries_list(webhook_id), DeliveryRecord.gsi1, DeliveryRecord.gsi1sk, limit=limit,
                          offset=offset, descending=True)


def claim_attempt(delivery_id: str, attempt: int, lease_seconds: int) -> tuple[str, DeliveryRecord | None]:
    """Take the lease on attempt `attempt`. Returns ("claimed", delivery), ("stale", delivery or
    None) when that attempt is done or superseded (a duplicate message), or ("busy", delivery)
    while another worker holds a live lease."""
    now = datetime.now(timezone.utc)
    record = DeliveryRecord(pk=delivery_pk(delivery_id), sk="DELIVERY")
    try:
        record.update(
            actions=[DeliveryRecord.lease_until.set(now + timedelta(seconds=lease_seconds))],
            condition=(DeliveryRecord.next_attempt == attempt)
            & DeliveryRecord.status.is_in(*ACTIVE_STATUSES)
            & (DeliveryRecord.lease_until.does_not_exist() | (DeliveryRecord.lease_until < now)),
        )
        return "claimed", record
    except UpdateError:
        current = get_delivery(delivery_id)
    if current is None or current.next_attempt != attempt or current.status not in ACTIVE_STATUSES:
        return "stale", current
    return "busy", current


def finish_attempt(delivery: DeliveryRecord, attempt: AttemptRecord, status: str,
                   next_attempt_at: datetime | None, retention: timedelta,
                   stage: Callable[[TransactWrite], None] | None = None) -> bool:
    """Record attempt n and move the delivery on (to `status`), with whatever `stage` adds (the next
    attempt's outbox message) in the same transaction. False when attempt n was finished already."""
    n = int(attempt.attempt)
    actions = [
        DeliveryRecord.status.set(status),
        DeliveryRecord.next_attempt.set(n + 1),
        DeliveryRecord.attempt_count.set(n),
        DeliveryRecord.lease_until.remove(),
        DeliveryRecord.last_attempt_at.set(attempt.attempted_at),
        DeliveryRecord.expires_at.set(attempt.attempted_at + retention),
        DeliveryRecord.next_attempt_at.set(next_attempt_at) if next_attempt_at else DeliveryRecord.next_attempt_at.remove(),
        DeliveryRecord.last_status_code.set(attempt.status_code) if attempt.status_code is not None
        else DeliveryRecord.last_status_code.remove(),
        DeliveryRecord.last_error.set(attempt.error) if attempt.error else DeliveryRecord.last_error.remove(),
    ]
    def write(tx: TransactWrite) -> None:
        tx.update(delivery, actions=actions, condition=DeliveryRecord.next_attempt == n)
        tx.save(attempt)
        if stage is not None:
            stage(tx)

    return _commit(delivery, write)


def reopen(delivery: DeliveryRecord, stage: Callable[[TransactWrite], None]) -> bool:
    """Schedule the delivery's next attempt now, with `stage` (its outbox message) in the same
    transaction. A finished delivery gets one more, manual, attempt; one waiting for a retry has
    that retry brought forward. False when the delivery moved on meanwhile."""
    now = datetime.now(timezone.utc)
    actions = [DeliveryRecord.next_attempt_at.set(now)]
    if delivery.status not in ACTIVE_STATUSES:
        actions += [DeliveryRecord.status.set(PENDING), DeliveryRecord.redelivery.set(True),
                    DeliveryRecord.final_attempt.set(int(delivery.next_attempt))]
    def write(tx: TransactWrite) -> None:
        tx.update(delivery, actions=actions, condition=(DeliveryRecord.status == delivery.status)
                  & (DeliveryRecord.next_attempt == int(delivery.next_attempt)))
        stage(tx)

    return _commit(delivery, write)
