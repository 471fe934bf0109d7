"""The webhook registry and the one way to emit a webhook event.

Registering (OBP's account-notification endpoints, the Enterprise API's profile webhooks):
`create_webhook(...)` vets the URL (SSRF guard), mints the webhook's own signing secret
(`whsec_...`, returned once, stored sealed) and stores the registration.

Emitting (a committed transaction, a customer change): build `event_message(...)` and stage it
in the write's transaction with `outbox.stage(tx, msg)`, dispatch after commit. The delivery
engine finds the active webhooks of the event's scopes whose triggers include the event type,
and delivers `body` to each, signed (Standard Webhooks), retried, recorded.
"""
from __future__ import annotations

import base64
import os
import uuid
from datetime import datetime, timezone

from chalicelib import crypto, outbox
from chalicelib.errors import ApiError
from chalicelib.services.webhook_urls import check_url
from chalicelib.store import webhooks as webhook_store

SECRET_PREFIX = "whsec_"
_SEAL_PURPOSE = "webhook-secret"
HTTP_METHODS = ("POST", "PUT", "GET", "DELETE")
HTTP_PROTOCOLS = ("HTTP/1.1", "HTTP/2.0")


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


def signing_secrets(record) -> list[str]:
    """The secrets a delivery is signed with: the current one, plus the previous one while a
    rotation's overlap lasts (receivers verify with either)."""
    secrets = [crypto.unseal(record.secret_sealed, _SEAL_PURPOSE).decode()]
    if record.previous_secret_sealed and record.previous_secret_until and record.previous_secret_until > datetime.now(timezone.utc):
        secrets.append(crypto.unseal(record.previous_secret_sealed, _SEAL_PURPOSE).decode())
    return secrets


def create_webhook(owner_id: str, scope: str, url: str, triggers: list[str], *, http_method: str = "POST",
                   http_protocol: str = "HTTP/1.1", is_active: bool = True, bank_id: str = "",
                   account_id: str = "", profile_id: str = ""):
    """Store a registration. Returns (record, secret); the secret is shown to the owner only now."""
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
    webhook_store.create_webhook(record)
    return record, secret


def event_message(event_type: str, scopes: list[str], body: dict, event_id: str | None = None) -> outbox.Message:
    """The outbox message announcing an event to the webhooks of `scopes` (see module docstring).
    `event_id` is the delivery's `webhook-id`, the same on every retry."""
    event_id = event_id or str(uuid.uuid4())
    return outbox.webhook({"event_type": event_type, "scopes": scopes, "body": body}, event_id=event_id)
