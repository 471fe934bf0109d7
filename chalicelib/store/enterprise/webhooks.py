"""Removing a profile webhook from the shared registry (store/webhooks.py has no delete yet)."""
from __future__ import annotations

from pynamodb.exceptions import DeleteError

from chalicelib.store.webhooks import WebhookRecord


def delete_webhook(record: WebhookRecord) -> None:
    try:
        WebhookRecord(pk=record.pk, sk=record.sk).delete(condition=WebhookRecord.owner_id == record.owner_id)
    except DeleteError:
        pass  # already gone
