"""Email and SMS delivery: SES and SNS on AWS, one file per message in the local stage.

Idempotent on the message's event id: a claim record makes a message received twice go out once
(a worker that crashes after sending but before recording it may send it again: at-least-once).
"""
from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from chalicelib import aws, outbox
from chalicelib.delivery.batch import RetryLater
from chalicelib.settings import get_settings
from chalicelib.store import outbox as outbox_store

logger = logging.getLogger(__name__)


def handle_record(record: dict) -> None:
    event_id, channel, payload = outbox.open_envelope(record["body"])
    claim_key = f"{channel}#{event_id}"
    state = outbox_store.claim(claim_key)
    if state == "done":
        logger.info("%s %s already delivered; duplicate ignored", channel, event_id)
        return
    if state == "busy":
        raise RetryLater(f"{channel} {event_id} is being delivered by another worker")
    try:
        where = _deliver(channel, event_id, payload)
    except Exception:
        outbox_store.release(claim_key)
        raise
    outbox_store.complete(claim_key)
    logger.info("%s %s to %s: %s", channel, event_id, _mask(payload.get("to", "")), where)


def _deliver(channel: str, event_id: str, payload: dict) -> str:
    """Send the message; says where it went."""
    settings = get_settings()
    if settings.is_local:
        return f"written to {_write_local_file(channel, event_id, payload, settings.outbox_dir)}"
    if channel == outbox.EMAIL:
        aws.client("ses").send_email(
            Source=settings.email_sender,
            Destination={"ToAddresses": [payload["to"]]},
            Message={"Subject": {"Data": payload["subject"]}, "Body": {"Text": {"Data": payload["body"]}}},
        )
        return "sent with SES"
    if channel == outbox.SMS:
        aws.client("sns").publish(
            PhoneNumber=payload["to"], Message=payload["body"],
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": settings.sms_type}},
        )
        return "sent with SNS"
    raise ValueError(f"channel {channel!r} is not delivered here")


def _write_local_file(channel: str, event_id: str, payload: dict, directory: str) -> Path:
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    document = {"channel": channel, "event_id": event_id, "sent_at": now.isoformat(), **payload}
    final = folder / f"{now.strftime('%Y%m%dT%H%M%S%f')}-{channel}-{event_id}.json"
    partial = final.with_suffix(".tmp")
    partial.write_text(json.dumps(document, indent=2))
    os.replace(partial, final)  # readers never see half a file
    return final


def _mask(destination: str) -> str:
    """Enough of an address or number to trace a delivery, not enough to leak it."""
    if "@" in destination:
        name, _, domain = destination.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"***{destination[-3:]}" if destination else ""
