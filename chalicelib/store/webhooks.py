"""Webhook registrations: OBP's account-notification webhooks and the Enterprise API's profile
webhooks share one record type; the delivery engine reads them.

Keys:
  WEBHOOK#<webhook_id> / WEBHOOK        the registration (its signing secret only sealed)
  gsi1: WEBHOOKS#<scope> / <created>#<id>   the webhooks an event in that scope may go to, where
        scope is SYSTEM, BANK#<bank_id>, ACCOUNT#<bank_id>#<account_id> or PROFILE#<profile_id>
  gsi2: WEBHOOK_OWNER#<owner_id> / <created>#<id>   a user's or partner's webhooks
  gsi3: WEBHOOKS_AT_BANK#<bank_id> / <created>#<id>  the webhooks of a bank (bank and account level),
        for OBP's getAccountWebhooks
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import BooleanAttribute, ListAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, UpdateError

from chalicelib.store.base import Entity, get_item

_LIST_LIMIT = 500


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
    bank_id = fields.get("bank_id") or ""
    return WebhookRecord(
        pk=webhook_pk(webhook_id), sk="WEBHOOK",
        gsi1pk=f"WEBHOOKS#{scope}", gsi1sk=order, gsi2pk=f"WEBHOOK_OWNER#{owner_id}", gsi2sk=order,
        gsi3pk=f"WEBHOOKS_AT_BANK#{bank_id}" if bank_id else None, gsi3sk=order if bank_id else None,
        webhook_id=webhook_id, owner_id=owner_id, scope=scope, created_at=now, **fields,
    )


def create_webhook(record: WebhookRecord) -> None:
    record.save(condition=WebhookRecord.pk.does_not_exist())


def get_webhook(webhook_id: str) -> WebhookRecord | None:
    return get_item(WebhookRecord, webhook_pk(webhook_id), "WEBHOOK")


def webhooks_in_scope(scope: str, limit: int = _LIST_LIMIT, newest_first: bool = False) -> list[WebhookRecord]:
    return list(WebhookRecord.gsi1.query(f"WEBHOOKS#{scope}", limit=limit, scan_index_forward=not newest_first))


def webhooks_of_owner(owner_id: str, limit: int = _LIST_LIMIT) -> list[WebhookRecord]:
    return list(WebhookRecord.gsi2.query(f"WEBHOOK_OWNER#{owner_id}", limit=limit))


def webhooks_at_bank(bank_id: str, newest_first: bool = True):
    """The bank's webhooks, lazily, page by page (the caller stops reading when it has enough)."""
    return WebhookRecord.gsi3.query(f"WEBHOOKS_AT_BANK#{bank_id}", scan_index_forward=not newest_first, page_size=100)


def set_active(record: WebhookRecord, active: bool, reason: str | None = None) -> None:
    """Enable or disable. Enabling also forgets the failure streak, so a re-enabled webhook gets
    its full 5 days again."""
    actions = [WebhookRecord.is_active.set(active)]
    actions.append(WebhookRecord.disabled_reason.set(reason) if reason is not None else WebhookRecord.disabled_reason.remove())
    if active:
        actions.append(WebhookRecord.failing_since.remove())
    try:
        record.update(actions=actions, condition=WebhookRecord.pk.exists())
    except UpdateError:
        pass


def rotate_secret(record: WebhookRecord, new_secret_sealed: str, previous_until: datetime | None) -> bool:
    """Make `new_secret_sealed` the signing secret; the current one stays valid until
    `previous_until` (None: revoked at once). False when another rotation got there first."""
    actions = [WebhookRecord.secret_sealed.set(new_secret_sealed)]
    if previous_until is None:
        actions += [WebhookRecord.previous_secret_sealed.remove(), WebhookRecord.previous_secret_until.remove()]
    else:
        actions += [WebhookRecord.previous_secret_sealed.set(record.secret_sealed),
                    WebhookRecord.previous_secret_until.set(previous_until)]
    try:
        record.update(actions=actions, condition=WebhookRecord.secret_sealed == record.secret_sealed)
    except UpdateError:
        return False
    return True


def note_failure(record: WebhookRecord, at: datetime) -> datetime:
    """Start the failure streak unless one is running; returns when the streak began."""
    if record.failing_since is not None:
        return record.failing_since
    try:
        record.update(actions=[WebhookRecord.failing_since.set(at)],
                      condition=WebhookRecord.pk.exists() & WebhookRecord.failing_since.does_not_exist())
    except UpdateError:
        return at  # another attempt started it a moment ago (or the webhook is gone)
    return at


def note_success(record: WebhookRecord) -> None:
    """A 2xx ends the failure streak."""
    if record.failing_since is None:
        return
    try:
        record.update(actions=[WebhookRecord.failing_since.remove()], condition=WebhookRecord.pk.exists())
    except UpdateError:
        pass


def delete_webhook(record: WebhookRecord) -> None:
    """Remove a registration (its owner's choice). Deliveries under way find it gone and stop."""
    try:
        WebhookRecord(pk=record.pk, sk=record.sk).delete(condition=WebhookRecord.owner_id == record.owner_id)
    except DeleteError:
        pass  # already gone
