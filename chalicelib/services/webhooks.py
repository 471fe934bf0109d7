"""The webhook registry and the one way to emit a webhook event.

Registering (OBP's account-notification endpoints, the Enterprise API's profile webhooks):
`create_webhook(...)` vets the URL (SSRF guard), mints the webhook's own signing secret
(`whsec_...`, returned once, stored sealed) and stores the registration.

Emitting (a committed transaction, a customer change): build `event_message(...)` and stage it
in the write's transaction with `outbox.stage(tx, msg)`, dispatch after commit. The delivery
engine finds the active webhooks of the event's scopes whose triggers include the event type,
and delivers `body` to each, signed (Standard Webhooks), retried, recorded.

Owning (owner-agnostic: `owner_id` is a user_id or an Enterprise partner's client_id):
`owned_webhook`, `webhooks_of_owner`, `set_webhook_active`, `rotate_secret`; a webhook's
deliveries are in services/webhook_deliveries.py.

Messages on the webhook queue (outbox envelopes, payload sealed):
  {"kind": "event", "event_type", "scopes", "body"}                 event_id = the event's id
  {"kind": "attempt", "delivery_id", "attempt", "due_at", "manual"}   one delivery attempt
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import uuid
from datetime import datetime, timedelta, timezone

from chalicelib import crypto, outbox
from chalicelib.errors import ApiError
from chalicelib.dates import obp_date  # the one date format of messages people read
from chalicelib.services.paging import Page
from chalicelib.services.webhook_urls import check_url
from chalicelib.settings import get_settings
from chalicelib.store import webhooks as webhook_store

SECRET_PREFIX = "whsec_"
_SEAL_PURPOSE = "webhook-secret"
HTTP_METHODS = ("POST", "PUT", "GET", "DELETE")
HTTP_PROTOCOLS = ("HTTP/1.1", "HTTP/2.0")
EVENT, ATTEMPT = "event", "attempt"
MAX_BODY_BYTES = 64 * 1024  # Standard Webhooks advises ~20 kB; this bound keeps SQS and DynamoDB safe
MAX_OVERLAP_SECONDS = 7 * 24 * 3600
# The id is signed as `{id}.{timestamp}.{body}`: it must not contain a dot.
_EVENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def system_scope() -> str:
    return "SYSTEM"


def bank_scope(bank_id: str) -> str:
    return f"BANK#{bank_id}"


def account_scope(bank_id: str, account_id: str) -> str:
    return f"ACCOUNT#{bank_id}#{account_id}"


def profile_scope(profile_id: str) -> str:
    return f"PROFILE#{profile_id}"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode()


def seal_secret(secret: str) -> str:
    return crypto.seal(secret.encode(), _SEAL_PURPOSE)


def _secret_key(secret: str) -> bytes:
    return base64.b64decode(secret[len(SECRET_PREFIX):])


def signature_header(secrets: list[str], msg_id: str, timestamp: int, body: str) -> str:
    """Standard Webhooks `webhook-signature`: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one
    per secret, space-separated (two during a rotation's overlap)."""
    signed = f"{msg_id}.{timestamp}.{body}".encode()
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_secret_key(secret), signed, hashlib.sha256).digest()).decode()
        for secret in secrets
    )


def signing_secrets(record) -> list[str]:
    """The secrets a delivery is signed with: the current one, plus the previous one while a
    rotation's overlap lasts (receivers verify with either)."""
    secrets = [crypto.unseal(record.secret_sealed, _SEAL_PURPOSE).decode()]
    if record.previous_secret_sealed and record.previous_secret_until and record.previous_secret_until > datetime.now(timezone.utc):
        secrets.append(crypto.unseal(record.previous_secret_sealed, _SEAL_PURPOSE).decode())
    return secrets


def create_webhook(owner_id: str, scope: str, url: str, triggers: list[str], *, http_method: str = "POST",
                   http_protocol: str = "HTTP/1.1", is_active: bool = True, bank_id: str = "",
                   account_id: str = "", profile_id: str = "", at_most_in_scope: int | None = None):
    """Store a registration. Returns (record, secret); the secret is shown to the owner only now.
    With `at_most_in_scope`, webhook_store.TooManyInScope when the scope holds that many already."""
    if http_method.upper() not in HTTP_METHODS:
        raise ApiError("OBP-10037", f"Current value: {http_method}. Possible values: {', '.join(HTTP_METHODS)}", status=400)
    if http_protocol.upper() not in HTTP_PROTOCOLS:
        raise ApiError("OBP-10038", f"Current value: {http_protocol}. Possible values: {', '.join(HTTP_PROTOCOLS)}", status=400)
    check_url(url)
    secret = new_secret()
    record = webhook_store.new_webhook(
        str(uuid.uuid4()), owner_id, scope, url=url.strip(), http_method=http_method.upper(),
        http_protocol=http_protocol.upper(), triggers=list(triggers), is_active=is_active,
        bank_id=bank_id, account_id=account_id, profile_id=profile_id, secret_sealed=seal_secret(secret),
    )
    webhook_store.create_webhook(record, at_most=at_most_in_scope)
    return record, secret


def event_message(event_type: str, scopes: list[str], body: dict, event_id: str | None = None) -> outbox.Message:
    """The outbox message announcing an event to the webhooks of `scopes` (see module docstring).
    `event_id` is the delivery's `webhook-id`, the same on every retry; `body` is sent as compact
    JSON, the same bytes on every attempt."""
    event_id = event_id or str(uuid.uuid4())
    if not _EVENT_ID.match(event_id):
        raise ValueError("event_id must be 1-100 characters of [A-Za-z0-9_-]")
    if len(encode_body(body).encode()) > MAX_BODY_BYTES:
        raise ValueError(f"a webhook body must stay under {MAX_BODY_BYTES} bytes; send a thin payload with ids")
    payload = {"kind": EVENT, "event_type": event_type, "scopes": list(scopes), "body": body}
    return outbox.webhook(payload, event_id=event_id)


def attempt_message(delivery_id: str, attempt: int, due_at: float, manual: bool = False) -> outbox.Message:
    """One delivery attempt, due at `due_at` (epoch seconds). SQS can delay a message 15 minutes
    at most, so a later attempt travels as a chain of such delays (see delivery/webhooks.py)."""
    delay = max(0, min(900, int(due_at - datetime.now(timezone.utc).timestamp() + 0.999)))
    payload = {"kind": ATTEMPT, "delivery_id": delivery_id, "attempt": attempt, "due_at": due_at, "manual": manual}
    return outbox.webhook(payload, delay_seconds=delay)


def encode_body(body: dict) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


# --- owning a webhook -------------------------------------------------------------------------

def webhook_not_found(webhook_id: str) -> ApiError:
    return ApiError("OBP-30050", f"Current WEBHOOK_ID is {webhook_id}", status=404)


def owned_webhook(owner_id: str, webhook_id: str):
    """The webhook if `owner_id` owns it; 404 OBP-30050 otherwise (another owner's id reveals nothing)."""
    record = webhook_store.get_webhook(webhook_id) if webhook_id else None
    if record is None or record.owner_id != owner_id:
        raise webhook_not_found(webhook_id)
    return record


def webhooks_of_owner(owner_id: str, page: Page) -> list:
    """A page of the owner's webhooks, in the order registered (DESC: newest first)."""
    return webhook_store.page_of_owner(owner_id, limit=page.limit, offset=page.offset, descending=page.descending)


def set_webhook_active(owner_id: str, webhook_id: str, active: bool, by: str = "its owner"):
    record = owned_webhook(owner_id, webhook_id)
    return set_active(record, active, by)


def set_active(record, active: bool, by: str):
    """Enable or disable a webhook; a disabled one says who disabled it and when."""
    reason = None if active else f"Disabled by {by} at {obp_date(datetime.now(timezone.utc))}."
    webhook_store.set_active(record, active, reason)
    return webhook_store.get_webhook(record.webhook_id)


def rotate_secret(owner_id: str, webhook_id: str, overlap_seconds: int | None = None):
    """A new signing secret for the owner's webhook. The old one keeps signing alongside for
    `overlap_seconds` (default: settings), so receivers can switch without losing a delivery.
    Returns (record, new secret); the secret is shown now only."""
    record = owned_webhook(owner_id, webhook_id)
    overlap = get_settings().webhook_secret_overlap_seconds if overlap_seconds is None else overlap_seconds
    if not 0 <= overlap <= MAX_OVERLAP_SECONDS:
        raise ApiError("OBP-10035", f"overlap_seconds must be between 0 and {MAX_OVERLAP_SECONDS}", status=400)
    secret = new_secret()
    until = datetime.now(timezone.utc) + timedelta(seconds=overlap) if overlap else None
    # Conditional on the current secret: a concurrent rotation makes us read again and retry.
    while not webhook_store.rotate_secret(record, seal_secret(secret), until):
        record = owned_webhook(owner_id, webhook_id)
    return webhook_store.get_webhook(webhook_id), secret
