"""Side effects (email, SMS, webhook delivery requests) that must happen after a write commits.

Usage, for a write that belongs with its message:

    msg = outbox.email(to=user.email, subject="...", body=f"... {otp}")
    with store_transaction() as tx:       # the store module's own transaction
        ...the write...
        outbox.stage(tx, msg)             # the message commits with the write, sealed
    outbox.dispatch(msg)                  # then hand it to SQS (a sweeper re-sends stragglers)

`outbox.send(msg)` does stage + commit + dispatch when there is no other write to join.
Delivery is at-least-once; each message carries an `event_id` the handlers de-duplicate on.
The payload travels sealed (AES-GCM), so an OTP never sits in clear in DynamoDB, SQS or a log.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from chalicelib import aws, crypto
from chalicelib.settings import get_settings
from chalicelib.store import outbox as outbox_store
from chalicelib.store.base import transaction

logger = logging.getLogger(__name__)

EMAIL, SMS, WEBHOOK = "email", "sms", "webhook"
_SEAL_PURPOSE = "outbox"


@dataclass(frozen=True)
class Message:
    channel: str
    payload: dict
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    delay_seconds: int = 0

    @property
    def queue(self) -> str:
        s = get_settings()
        return {EMAIL: s.email_queue, SMS: s.sms_queue, WEBHOOK: s.webhook_queue}[self.channel]

    def envelope(self) -> str:
        """The SQS message body: routing data in clear, the payload sealed (once per message)."""
        cached = self.__dict__.get("_envelope")
        if cached is None:
            cached = self._seal()
            object.__setattr__(self, "_envelope", cached)
        return cached

    def _seal(self) -> str:
        sealed = crypto.seal(json.dumps(self.payload, separators=(",", ":")).encode(), _SEAL_PURPOSE)
        return json.dumps({"event_id": self.event_id, "channel": self.channel, "sealed": sealed})


def email(to: str, subject: str, body: str, event_id: str | None = None) -> Message:
    payload = {"to": to, "subject": subject, "body": body}
    return Message(EMAIL, payload, **({"event_id": event_id} if event_id else {}))


def sms(to: str, body: str, event_id: str | None = None) -> Message:
    return Message(SMS, {"to": to, "body": body}, **({"event_id": event_id} if event_id else {}))


def webhook(payload: dict, event_id: str | None = None, delay_seconds: int = 0) -> Message:
    """A webhook delivery request; the payload's shape is the webhook engine's business."""
    return Message(WEBHOOK, payload, event_id or str(uuid.uuid4()), delay_seconds)


def open_envelope(body: str) -> tuple[str, str, dict]:
    """(event_id, channel, payload) of an SQS message body made by `Message.envelope`."""
    data = json.loads(body)
    payload = json.loads(crypto.unseal(data["sealed"], _SEAL_PURPOSE))
    return data["event_id"], data["channel"], payload


def stage(tx, *messages: Message) -> None:
    for msg in messages:
        outbox_store.stage(tx, msg.event_id, msg.queue, msg.envelope(), msg.delay_seconds)


def dispatch(*messages: Message) -> None:
    """Hand committed messages to SQS. A failure here loses nothing: the record stays pending
    and the sweeper sends it."""
    _send([(m.event_id, m.queue, m.envelope(), m.delay_seconds) for m in messages])


def send(*messages: Message) -> None:
    with transaction() as tx:
        stage(tx, *messages)
    dispatch(*messages)


_SQS_BATCH = 10  # SendMessageBatch takes at most ten messages


def _send(items: list[tuple[str, str, str, int]]) -> int:
    """(event_id, queue, envelope, delay_seconds) -> SQS in batches per queue, then the sent ones'
    outbox records cleared in one batch write. Returns how many were sent; the rest stay pending."""
    by_queue: dict[str, list[tuple[str, str, int]]] = {}
    for event_id, queue, envelope, delay in items:
        by_queue.setdefault(queue, []).append((event_id, envelope, delay))
    sent: list[str] = []
    for queue, pending in by_queue.items():
        for start in range(0, len(pending), _SQS_BATCH):
            chunk = pending[start:start + _SQS_BATCH]
            try:
                result = aws.client("sqs").send_message_batch(QueueUrl=aws.queue_url(queue), Entries=[
                    {"Id": str(i), "MessageBody": envelope, "DelaySeconds": min(max(delay, 0), 900)}
                    for i, (_, envelope, delay) in enumerate(chunk)
                ])
            except Exception:  # noqa: BLE001 - any failure leaves the records for the sweeper
                logger.warning("outbox: enqueue of %d events to %s failed; the sweeper will retry", len(chunk), queue)
                continue
            sent += [chunk[int(ok["Id"])][0] for ok in result.get("Successful", [])]
            if result.get("Failed"):
                logger.warning("outbox: %d events to %s were refused; the sweeper will retry", len(result["Failed"]), queue)
    try:
        outbox_store.mark_dispatched(sent)
    except Exception:  # noqa: BLE001 - the messages are on their queues; a re-send is deduplicated
        logger.warning("outbox: clearing %d dispatched records failed; the sweeper may re-send them", len(sent))
    return len(sent)


def sweep(min_age_seconds: int = 30) -> int:
    """Send messages whose request died between commit and enqueue. Returns how many were sent."""
    pending = outbox_store.pending_older_than(timedelta(seconds=min_age_seconds))
    return _send([(r.event_id, r.queue, r.envelope, int(r.delay_seconds)) for r in pending])
