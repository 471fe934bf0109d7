"""The webhook delivery engine: what `deliver_webhooks` (SQS, queue settings.webhook_queue) does with
each message. Message formats: services/webhooks.py.

EVENT (from services.webhooks.event_message, staged by the write that caused it):
  fan out to every active webhook of the event's scopes whose triggers include the event type: one
  delivery record per (event, webhook) and, in the same transaction, the outbox message of its
  first attempt. The delivery id is derived from (event, webhook), so an event received twice
  adds nothing the second time.

ATTEMPT (delivery_id, attempt n, due_at):
  1. not due yet -> sent again with the largest SQS delay (15 min) that does not pass due_at:
     retries more than 15 minutes away travel as such a chain of delayed messages (we chose this
     over holding the message invisible with ChangeMessageVisibility: nothing sits in flight for
     hours, so SQS's in-flight limit and the receive count that feeds the dead-letter queue are
     untouched by waiting);
  2. claim attempt n on the delivery record (a lease; duplicates of the message find the attempt
     done or leased and stop there: at most one request per attempt, barring a worker crash after
     the request and before its record);
  3. re-check the URL with the SSRF guard, sign (Standard Webhooks), send pinned to the checked
     address (delivery/webhook_http.py);
  4. record the attempt and move the delivery on in one transaction with the next attempt's
     outbox message: 2xx -> SUCCEEDED; 410 -> FAILED and the webhook disabled; otherwise RETRYING
     after the schedule's next delay (with jitter, at least a 429/503's Retry-After) or, after the
     last attempt, FAILED with the message put in the queue's dead-letter queue.
  A webhook failing every attempt for `webhook_disable_after_hours` (5 days) is disabled, and says why.
"""
from __future__ import annotations

import json
import logging
import random
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from chalicelib import aws, outbox
from chalicelib.delivery import webhook_http
from chalicelib.delivery.batch import RetryLater
from chalicelib.errors import ApiError
from chalicelib.schemas.common import obp_date
from chalicelib.services import webhooks
from chalicelib.services.webhook_urls import check_url
from chalicelib.settings import get_settings
from chalicelib.store import webhook_deliveries as store
from chalicelib.store import webhooks as webhook_store

logger = logging.getLogger(__name__)

FANOUT_LIMIT = 1000  # webhooks read per scope for one event
USER_AGENT = "obp-serverless-webhooks/1.0"
_EARLY_TOLERANCE_SECONDS = 1.0
_GONE = 410
_THROTTLED = (429, 503)


def handle_record(record: dict) -> None:
    event_id, channel, payload = outbox.open_envelope(record["body"])
    if channel != outbox.WEBHOOK:
        raise ValueError(f"a {channel} message on the webhook queue")
    kind = payload.get("kind")
    if kind == webhooks.EVENT:
        fan_out(event_id, payload)
    elif kind == webhooks.ATTEMPT:
        run_attempt(payload, record["body"])
    else:
        raise ValueError(f"unknown webhook message kind {kind!r}")


# --- fan-out ----------------------------------------------------------------------------------

def fan_out(event_id: str, payload: dict) -> int:
    """Create the event's deliveries; returns how many were new."""
    settings = get_settings()
    event_type = payload["event_type"]
    body = webhooks.encode_body(payload["body"])
    retention = timedelta(days=settings.webhook_delivery_retention_days)
    final_attempt = 1 + len(settings.webhook_retry_schedule)
    staged = []
    for webhook in _subscribers(payload["scopes"], event_type):
        delivery = store.new_delivery(event_id, webhook.webhook_id, event_type, body, final_attempt, retention)
        message = webhooks.attempt_message(delivery.delivery_id, 1, time.time())
        if store.insert_delivery(delivery, lambda tx, m=message: outbox.stage(tx, m)):
            staged.append(message)
    outbox.dispatch(*staged)
    # The attempts log one line each; an event without subscribers is common (every transfer has six).
    logger.debug("webhook event %s (%s): %d new deliveries", event_id, event_type, len(staged))
    return len(staged)


def _subscribers(scopes: list[str], event_type: str) -> list:
    found = {}
    for scope in scopes:
        records = webhook_store.webhooks_in_scope(scope, limit=FANOUT_LIMIT)
        if len(records) == FANOUT_LIMIT:
            logger.warning("webhook scope %s has %d or more webhooks; only the first are served", scope, FANOUT_LIMIT)
        for record in records:
            if record.is_active and event_type in (record.triggers or []):
                found[record.webhook_id] = record
    return list(found.values())


# --- one attempt ------------------------------------------------------------------------------

def run_attempt(payload: dict, envelope: str) -> None:
    settings = get_settings()
    delivery_id, n = payload["delivery_id"], int(payload["attempt"])
    if payload["due_at"] > time.time() + _EARLY_TOLERANCE_SECONDS:
        _requeue(webhooks.attempt_message(delivery_id, n, payload["due_at"], payload.get("manual", False)))
        return
    state, delivery = store.claim_attempt(delivery_id, n, lease_seconds=settings.webhook_timeout_seconds + 45)
    if state == "stale":
        logger.info("webhook delivery %s attempt %d already done or superseded; duplicate ignored", delivery_id, n)
        return
    if state == "busy":
        raise RetryLater(f"webhook delivery {delivery_id} attempt {n} is running in another worker")

    webhook = webhook_store.get_webhook(delivery.webhook_id)
    attempted_at = datetime.now(timezone.utc)
    if webhook is None or not webhook.is_active:
        outcome = webhook_http.failed("not sent: the webhook is " + ("deleted" if webhook is None else "disabled"))
    else:
        outcome = _send(webhook, delivery)
    _conclude(delivery, webhook, n, attempted_at, outcome, manual=bool(payload.get("manual")), envelope=envelope)


def _send(webhook, delivery) -> webhook_http.Outcome:
    settings = get_settings()
    try:
        target = check_url(_with_resource_id(webhook, delivery))  # again now: DNS may point elsewhere
    except ApiError as err:
        return webhook_http.failed("blocked by the SSRF guard: " + err.message.split("Invalid webhook url: ", 1)[-1])
    body = "" if webhook.http_method == "GET" else delivery.body
    timestamp = int(time.time())
    headers = {
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhooks.signature_header(webhooks.signing_secrets(webhook), delivery.event_id, timestamp, body),
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Connection": "close",
    }
    return webhook_http.send(
        target, webhook.http_method, headers, body.encode() if body else None,
        timeout=settings.webhook_timeout_seconds, max_response_bytes=settings.webhook_max_response_bytes,
    )


def _with_resource_id(webhook, delivery) -> str:
    """An Enterprise (profile) webhook's URL with the resource's id as the `id` query parameter:
    a receiver written for the provider's thin, unsigned notifications reads it there."""
    if not webhook.profile_id:
        return webhook.url
    resource_id = json.loads(delivery.body).get("id")
    if not isinstance(resource_id, str):
        return webhook.url
    parts = urlsplit(webhook.url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "id"] + [("id", resource_id)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _conclude(delivery, webhook, n: int, attempted_at: datetime, outcome: webhook_http.Outcome, *,
              manual: bool, envelope: str) -> None:
    settings = get_settings()
    retention = timedelta(days=settings.webhook_delivery_retention_days)
    record = store.new_attempt(
        delivery.delivery_id, n, "manual" if manual else "scheduled", attempted_at, outcome.duration_ms,
        outcome.status, outcome.error, outcome.response_snippet, retention,
    )
    eligible = webhook is not None and webhook.is_active
    retryable = eligible and not outcome.ok and outcome.status != _GONE
    status, next_message, next_at = (store.SUCCEEDED if outcome.ok else store.FAILED), None, None
    if retryable and n < int(delivery.final_attempt):
        next_at = attempted_at + timedelta(seconds=_retry_delay(n, outcome, settings))
        status, next_message = store.RETRYING, webhooks.attempt_message(delivery.delivery_id, n + 1, next_at.timestamp())
    elif retryable and not delivery.redelivery:
        _to_dead_letter_queue(envelope, delivery)  # before the commit: if this fails, the attempt comes back

    stage = (lambda tx: outbox.stage(tx, next_message)) if next_message else None
    if not store.finish_attempt(delivery, record, status, next_at, retention, stage):
        logger.warning("webhook delivery %s attempt %d was finished by another worker", delivery.delivery_id, n)
        return
    if next_message:
        outbox.dispatch(next_message)
    answer = "; ".join(part for part in (outcome.status and f"status {outcome.status}", outcome.error) if part)
    logger.info("webhook delivery %s attempt %d (%s) to %s: %s in %s ms -> %s", delivery.delivery_id, n,
                delivery.event_type, _receiver(webhook), answer, outcome.duration_ms, status)
    if eligible:
        _update_health(webhook, outcome, attempted_at, settings)


def _receiver(webhook) -> str:
    """The webhook's URL without its query (a receiver may carry a token there)."""
    if webhook is None:
        return "(deleted webhook)"
    return webhook.url.split("?", 1)[0].split("#", 1)[0]


def _retry_delay(n: int, outcome: webhook_http.Outcome, settings) -> int:
    """The delay before attempt n+1: the schedule's, with jitter; at least a throttling receiver's
    Retry-After (capped at a day)."""
    schedule = settings.webhook_retry_schedule
    base = schedule[min(n - 1, len(schedule) - 1)]
    jitter = base * settings.webhook_retry_jitter_percent / 100
    delay = max(0, round(base + random.uniform(-jitter, jitter)))
    if outcome.status in _THROTTLED and outcome.retry_after:
        delay = max(delay, min(outcome.retry_after, 86400))
    return delay


def _update_health(webhook, outcome: webhook_http.Outcome, at: datetime, settings) -> None:
    if outcome.ok:
        webhook_store.note_success(webhook)
        return
    if outcome.status == _GONE:
        reason = f"Disabled automatically at {obp_date(at)}: the endpoint answered 410 Gone."
        webhook_store.set_active(webhook, False, reason)
        logger.warning("webhook %s disabled: its endpoint answered 410 Gone", webhook.webhook_id)
        return
    failing_since = webhook_store.note_failure(webhook, at)
    if at - failing_since >= timedelta(hours=settings.webhook_disable_after_hours):
        reason = (f"Disabled automatically at {obp_date(at)}: every delivery attempt failed since "
                  f"{obp_date(failing_since)} ({settings.webhook_disable_after_hours} hours).")
        webhook_store.set_active(webhook, False, reason)
        logger.warning("webhook %s disabled: failing since %s", webhook.webhook_id, obp_date(failing_since))


# --- queues -----------------------------------------------------------------------------------

def _requeue(message: outbox.Message) -> None:
    """Send now, raising on failure (so the received message comes back rather than being lost)."""
    aws.client("sqs").send_message(
        QueueUrl=aws.queue_url(message.queue), MessageBody=message.envelope(), DelaySeconds=message.delay_seconds
    )


def _to_dead_letter_queue(envelope: str, delivery) -> None:
    """Put an exhausted delivery's last message in the webhook queue's own dead-letter queue (the
    one its redrive policy names), with why in the message attributes."""
    attributes = {
        "reason": "attempts-exhausted", "delivery_id": delivery.delivery_id,
        "event_id": delivery.event_id, "webhook_id": delivery.webhook_id,
    }
    aws.client("sqs").send_message(
        QueueUrl=aws.queue_url(get_settings().webhook_dead_letter_queue), MessageBody=envelope,
        MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    )
    logger.warning("webhook delivery %s exhausted its attempts; moved to the dead-letter queue", delivery.delivery_id)
