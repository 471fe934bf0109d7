"""Partial-batch processing for SQS-triggered handlers.

Each record is handled on its own; a failing record is reported in `batchItemFailures` so SQS
retries only it (the event source mapping has ReportBatchItemFailures on, see infra/).
Every outcome is counted (chalicelib/observability.py): Deliveries, DeliveryFailures, and for a
record going back to the queue either DeliveryRetries or, on its last allowed receive
(OBP_MAX_RECEIVE_COUNT, set per function from its queue's redrive policy), DeadLettered.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from chalicelib import observability
from chalicelib.settings import get_settings

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """A record that could not be handled now and should come back (no stack trace logged)."""


def process_batch(event, handle_record: Callable[[dict], None], *, parallel: bool = False) -> dict:
    """`event` is Chalice's SQSEvent (or a raw Lambda event dict). With `parallel`, the records are
    handled on threads at once (for I/O-bound handlers: a slow webhook receiver must not delay the
    others nor push the batch past the function's timeout)."""
    raw = event.to_dict() if hasattr(event, "to_dict") else event
    records = raw.get("Records", [])
    if records:
        observability.dimension("queue", records[0].get("eventSourceARN", "").rpartition(":")[2])
    if parallel and len(records) > 1:
        with ThreadPoolExecutor(max_workers=len(records)) as pool:
            handled = list(pool.map(lambda r: _handled(r, handle_record), records))
    else:
        handled = [_handled(r, handle_record) for r in records]
    failures = []
    for record, ok in zip(records, handled):
        if ok:
            observability.count("Deliveries")
        else:
            failures.append({"itemIdentifier": record.get("messageId")})
            _count_return_to_queue(record)
    return {"batchItemFailures": failures}


def _handled(record: dict, handle_record: Callable[[dict], None]) -> bool:
    message_id = record.get("messageId")
    try:
        handle_record(record)
    except RetryLater as err:
        logger.info("sqs: message %s deferred: %s", message_id, err)
        return False
    except Exception:  # noqa: BLE001 - one bad record must not fail the others
        logger.exception("sqs: message %s failed", message_id)
        observability.count("DeliveryFailures")
        return False
    return True


def _count_return_to_queue(record: dict) -> None:
    max_receives = get_settings().max_receive_count
    receives = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    if max_receives and receives >= max_receives:
        logger.error("sqs: message %s failed on its last allowed receive (%d); it goes to the dead-letter queue",
                     record.get("messageId"), receives)
        observability.count("DeadLettered")
    else:
        observability.count("DeliveryRetries")
