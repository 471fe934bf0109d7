"""Partial-batch processing for SQS-triggered handlers.

Each record is handled on its own; a failing record is reported in `batchItemFailures` so SQS
retries only it (the event source mapping has ReportBatchItemFailures on, see infra/).
"""
from __future__ import annotations

import logging
from typing import Callable

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """A record that could not be handled now and should come back (no stack trace logged)."""


def process_batch(event, handle_record: Callable[[dict], None]) -> dict:
    """`event` is Chalice's SQSEvent (or a raw Lambda event dict)."""
    raw = event.to_dict() if hasattr(event, "to_dict") else event
    failures = []
    for record in raw.get("Records", []):
        message_id = record.get("messageId")
        try:
            handle_record(record)
        except RetryLater as err:
            logger.info("sqs: message %s deferred: %s", message_id, err)
            failures.append({"itemIdentifier": message_id})
        except Exception:  # noqa: BLE001 - one bad record must not fail the others
            logger.exception("sqs: message %s failed", message_id)
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
