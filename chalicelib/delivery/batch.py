"""Partial-batch processing for SQS-triggered handlers.

Each record is handled on its own; a failing record is reported in `batchItemFailures` so SQS
retries only it (the event source mapping has ReportBatchItemFailures on, see infra/).
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """A record that could not be handled now and should come back (no stack trace logged)."""


def process_batch(event, handle_record: Callable[[dict], None], *, parallel: bool = False) -> dict:
    """`event` is Chalice's SQSEvent (or a raw Lambda event dict). With `parallel`, the records are
    handled on threads at once (for I/O-bound handlers: a slow webhook receiver must not delay the
    others nor push the batch past the function's timeout)."""
    raw = event.to_dict() if hasattr(event, "to_dict") else event
    records = raw.get("Records", [])
    if parallel and len(records) > 1:
        with ThreadPoolExecutor(max_workers=len(records)) as pool:
            handled = list(pool.map(lambda r: _handle(r, handle_record), records))
    else:
        handled = [_handle(r, handle_record) for r in records]
    return {"batchItemFailures": [{"itemIdentifier": r.get("messageId")} for r, ok in zip(records, handled) if not ok]}


def _handle(record: dict, handle_record: Callable[[dict], None]) -> bool:
    message_id = record.get("messageId")
    try:
        handle_record(record)
    except RetryLater as err:
        logger.info("sqs: message %s deferred: %s", message_id, err)
        return False
    except Exception:  # noqa: BLE001 - one bad record must not fail the others
        logger.exception("sqs: message %s failed", message_id)
        return False
    return True
