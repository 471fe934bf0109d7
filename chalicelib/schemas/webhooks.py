"""Webhooks: OBP's request bodies and response JSON (AccountWebhookJson, BankAccountNotificationWebhookJson,
SystemAccountNotificationWebhookJson, AccountWebhooksJson), and the JSON of our own owner endpoints
(/my/web-hooks...: a webhook with its health, its deliveries and their attempts).

On creation the response carries one extra field, `secret` (`whsec_...`): the signing secret,
shown this once.
"""
from __future__ import annotations

from typing import Optional

from chalicelib.schemas.common import ObpModel, obp_date


class AccountWebhookPostJson(ObpModel):
    obp_name = "AccountWebhookPostJson"
    account_id: str
    trigger_name: str
    url: str
    http_method: str
    http_protocol: str
    is_active: str


class AccountWebhookPutJson(ObpModel):
    obp_name = "AccountWebhookPutJson"
    account_webhook_id: str
    is_active: str


class AccountNotificationWebhookPostJson(ObpModel):
    obp_name = "AccountNotificationWebhookPostJson"
    url: str
    http_method: str
    http_protocol: str


class WebhookActivePutJson(ObpModel):
    obp_name = "WebhookActivePutJson"
    is_active: str


class WebhookSecretRotationJson(ObpModel):
    obp_name = "WebhookSecretRotationJson"
    overlap_seconds: Optional[int] = None


# --- OBP responses ----------------------------------------------------------------------------

def _with_secret(out: dict, secret: str | None) -> dict:
    if secret is not None:
        out["secret"] = secret
    return out


def account_webhook_json(w, secret: str | None = None) -> dict:
    return _with_secret({
        "account_webhook_id": w.webhook_id, "bank_id": w.bank_id, "account_id": w.account_id,
        "trigger_name": (w.triggers or [""])[0], "url": w.url, "http_method": w.http_method,
        "http_protocol": w.http_protocol, "created_by_user_id": w.owner_id, "is_active": bool(w.is_active),
    }, secret)


def account_webhooks_json(records) -> dict:
    return {"web_hooks": [account_webhook_json(w) for w in records]}


def bank_notification_webhook_json(w, secret: str | None = None) -> dict:
    return _with_secret({
        "webhook_id": w.webhook_id, "bank_id": w.bank_id, "trigger_name": (w.triggers or [""])[0], "url": w.url,
        "http_method": w.http_method, "http_protocol": w.http_protocol, "created_by_user_id": w.owner_id,
    }, secret)


def system_notification_webhook_json(w, secret: str | None = None) -> dict:
    out = bank_notification_webhook_json(w, secret)
    out.pop("bank_id")
    return out


# --- owner endpoints --------------------------------------------------------------------------

def _drop_none(out: dict) -> dict:
    return {k: v for k, v in out.items() if v is not None}


def webhook_json(w) -> dict:
    """A webhook as its owner sees it: where it points, what it listens to, and its health."""
    return _drop_none({
        "webhook_id": w.webhook_id, "scope": w.scope, "bank_id": w.bank_id or None,
        "account_id": w.account_id or None, "profile_id": w.profile_id or None, "triggers": list(w.triggers or []),
        "url": w.url, "http_method": w.http_method, "http_protocol": w.http_protocol,
        "is_active": bool(w.is_active), "disabled_reason": w.disabled_reason,
        "failing_since": obp_date(w.failing_since), "previous_secret_valid_until": obp_date(w.previous_secret_until),
        "created": obp_date(w.created_at),
    })


def webhooks_json(records) -> dict:
    return {"web_hooks": [webhook_json(w) for w in records]}


def secret_rotation_json(w, secret: str) -> dict:
    return _drop_none({"webhook_id": w.webhook_id, "secret": secret,
                       "previous_secret_valid_until": obp_date(w.previous_secret_until)})


def delivery_json(d) -> dict:
    return _drop_none({
        "delivery_id": d.delivery_id, "webhook_id": d.webhook_id, "event_id": d.event_id, "event_type": d.event_type,
        "status": d.status, "attempt_count": int(d.attempt_count), "created": obp_date(d.created_at),
        "last_attempt_at": obp_date(d.last_attempt_at),
        "last_status_code": int(d.last_status_code) if d.last_status_code is not None else None,
        "last_error": d.last_error, "next_attempt_at": obp_date(d.next_attempt_at) if d.status == "RETRYING" else None,
    })


def deliveries_json(records) -> dict:
    return {"deliveries": [delivery_json(d) for d in records]}


def attempt_json(a) -> dict:
    return _drop_none({
        "attempt": int(a.attempt), "trigger": a.trigger, "attempted_at": obp_date(a.attempted_at),
        "duration_ms": int(a.duration_ms), "status_code": int(a.status_code) if a.status_code is not None else None,
        "error": a.error, "response_body": a.response_body,
    })


def delivery_detail_json(detail) -> dict:
    return {**delivery_json(detail.delivery), "body": detail.delivery.body,
            "attempts": [attempt_json(a) for a in detail.attempts]}
