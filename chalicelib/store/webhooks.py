"""Webhook registrations: OBP's account-notification webhooks and the Enterprise API's profile
webhooks share one record type; the delivery engine reads them.

Keys:
  WEBHOOK#<webhook_id> / WEBHOOK        the registration (its signing secret only sealed)
  gsi1: WEBHOOKS#<scope> / <created>#<id>   the webhooks an event in that scope may go to, where
        scope is SYSTEM, BANK#<bank_id>, ACCOUNT#<bank_id>#<account_id> or PROFILE#<profile_id>
  gsi2: WEBHOOK_OWNER#<owner_id> / <created>#<id>   a user's or partner's webhooks
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import BooleanAttribute, ListAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError

from chalicelib.store.base import Entity, get_item


class WebhookRecord(Entity, discriminator="Webhook"):
    webhook_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()  # a user_id, or an Enterprise partner's client_id
    scope = UnicodeAttribute()  # SYSTEM | BANK#b | ACCOUNT#b#a | PROFILE#p
    bank_id = UnicodeAttribute(default="")
    account_id = UnicodeAttribute(default="")
    profile_id = UnicodeAttribute(default="")
    triggers = ListAttribute(of=UnicodeAttribute, default=list)
    url = UnicodeAttribute()
    http_method = UnicodeAttribute(default="POST")
    http_protocol = UnicodeAttribute(default="HTTP/1.1")
    is_active = BooleanAttribute(default=True)
    secret_sealed = UnicodeAttribute()
    previous_secret_sealed = UnicodeAttribute(null=True)
    previous_secret_until = UTCDateTimeAttribute(null=True)
    disabled_reason = UnicodeAttribute(null=True)
    failing_since = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


def webhook_pk(webhook_id: str) -> str:
    return f"WEBHOOK#{webhook_id}"


def new_webhook(webhook_id: str, owner_id: str, scope: str, **fields) -> WebhookRecord:
    now = datetime.now(timezone.utc)
    order = f"{now.isoformat()}#{webhook_id}"
    return WebhookRecord(
        pk=webhook_pk(webhook_id), sk="WEBHOOK",
        gsi1pk=f"WEBHOOKS#{scope}", gsi1sk=order, gsi2pk=f"WEBHOOK_OWNER#{owner_id}", gsi2sk=order,
        webhook_id=webhook_id, owner_id=owner_id, scope=scope, created_at=now, **fields,
    )


def create_webhook(record: WebhookRecord) -> None:
    record.save(condition=WebhookRecord.pk.does_not_exist())


def get_webhook(webhook_id: str) -> WebhookRecord | None:
    return get_item(WebhookRecord, webhook_pk(webhook_id), "WEBHOOK")


def webhooks_in_scope(scope: str, limit: int = 500) -> list[WebhookRecord]:
    return list(WebhookRecord.gsi1.query(f"WEBHOOKS#{scope}", limit=limit))


def webhooks_of_owner(owner_id: str, limit: int = 500) -> list[WebhookRecord]:
    return list(WebhookRecord.gsi2.query(f"WEBHOOK_OWNER#{owner_id}", limit=limit))


def set_active(record: WebhookRecord, active: bool, reason: str | None = None) -> None:
    try:
        record.update(
            actions=[WebhookRecord.is_active.set(active), WebhookRecord.disabled_reason.set(reason)]
            if reason is not None else [WebhookRecord.is_active.set(active), WebhookRecord.disabled_reason.remove()],
            condition=WebhookRecord.pk.exists(),
        )
    except UpdateError:
        pass
