"""Emit OBP OnCreateTransaction events into a running local stack, exactly as the accounts capability
does after a transfer: build `services.webhooks.event_message`, stage it in the write's transaction,
dispatch after the commit. Run by the e2e tests with the stack's environment (its moto endpoint):

    python -m tests.e2e.produce_webhook_event BANK_ID ACCOUNT_ID COUNT INTERVAL_SECONDS

Prints one JSON line per event: {"event_id", "committed_at", "dispatched_at"} (epoch seconds).
"""
from __future__ import annotations

import json
import sys
import time
import uuid


def main(bank_id: str, account_id: str, count: int, interval: float) -> None:
    from chalicelib import outbox
    from chalicelib.services.webhooks import bank_scope, event_message, system_scope
    from chalicelib.store.base import transaction

    for _ in range(count):
        event_id = str(uuid.uuid4())
        body = {  # OBP's payload (reference §7)
            "event_name": "OnCreateTransaction", "event_id": event_id, "bank_id": bank_id, "account_id": account_id,
            "transaction_id": str(uuid.uuid4()),
            "related_entities": [{"user_id": str(uuid.uuid4()), "customer_ids": [str(uuid.uuid4())]}],
        }
        message = event_message("OnCreateTransaction", [bank_scope(bank_id), system_scope()], body, event_id=event_id)
        with transaction() as tx:  # the transfer's transaction: its writes would be here too
            outbox.stage(tx, message)
        committed_at = time.time()
        outbox.dispatch(message)
        print(json.dumps({"event_id": event_id, "body": body, "committed_at": committed_at,
                          "dispatched_at": time.time()}), flush=True)
        time.sleep(interval)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
