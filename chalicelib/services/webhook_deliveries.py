"""A webhook's deliveries, for its owner only: list them, read one with its attempts (including what
the receiver answered), ask for a redelivery. Owner-agnostic: `owner_id` is a user_id (OBP's
/my/web-hooks endpoints) or an Enterprise partner's client_id (its /v1 profile webhooks).
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib import outbox
from chalicelib.errors import ApiError
from chalicelib.services.webhooks import attempt_message, owned_webhook
from chalicelib.store import webhook_deliveries as store

MAX_PAGE = 500


@dataclass(frozen=True)
class DeliveryDetail:
    delivery: store.DeliveryRecord
    attempts: list[store.AttemptRecord]


def delivery_not_found(delivery_id: str) -> ApiError:
    # Our own code (OBP has no delivery log); documented in README "Webhooks".
    return ApiError("OBP-39001", status=404, text=(
        "OBP-39001: Webhook delivery not found. Please specify a valid value for DELIVERY_ID. "
        f"Current DELIVERY_ID is {delivery_id}"))


def list_deliveries(owner_id: str, webhook_id: str, limit: int = 50, offset: int = 0) -> list[store.DeliveryRecord]:
    """Newest first; a page reads the list's head and at most `limit` (<= MAX_PAGE) deliveries,
    whatever the offset."""
    owned_webhook(owner_id, webhook_id)
    if limit < 1 or offset < 0 or limit > MAX_PAGE:
        raise ApiError("OBP-10016", f"limit >= 1, offset >= 0 and limit <= {MAX_PAGE}", status=400)
    return store.deliveries_of_webhook(webhook_id, limit=limit, offset=offset)


def get_delivery(owner_id: str, webhook_id: str, delivery_id: str) -> DeliveryDetail:
    owned_webhook(owner_id, webhook_id)
    delivery, attempts = store.get_delivery_with_attempts(delivery_id)
    if delivery is None or delivery.webhook_id != webhook_id:
        raise delivery_not_found(delivery_id)
    return DeliveryDetail(delivery, attempts)


def redeliver(owner_id: str, webhook_id: str, delivery_id: str) -> store.DeliveryRecord:
    """Send the delivery again now: a finished one (succeeded or failed) gets one more attempt, a
    delivery waiting for its next retry gets that retry now, a pending one is left as it is. The
    webhook must be enabled."""
    webhook = owned_webhook(owner_id, webhook_id)
    if not webhook.is_active:
        raise ApiError("OBP-39002", status=400, text=(
            "OBP-39002: The webhook is disabled. Enable it before asking for a redelivery. "
            + (webhook.disabled_reason or "")).strip())
    for _ in range(3):  # the delivery may move on between our read and our write
        delivery = store.get_delivery(delivery_id)
        if delivery is None or delivery.webhook_id != webhook_id:
            raise delivery_not_found(delivery_id)
        if delivery.status == store.PENDING:
            return delivery
        message = attempt_message(delivery_id, int(delivery.next_attempt), 0, manual=True)
        if store.reopen(delivery, lambda tx: outbox.stage(tx, message)):
            outbox.dispatch(message)
            return store.get_delivery(delivery_id)
    raise ApiError("OBP-50000", "the delivery is changing; try again", status=500)
