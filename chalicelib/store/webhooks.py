"""Webhook registrations: OBP's account-notification webhooks and the Enterprise API's profile
webhooks share one record type; the delivery engine reads them.

Keys:
  WEBHOOK#<webhook_id> / WEBHOOK        the registration (its signing secret only sealed)
  gsi1: WEBHOOKS#<scope> / <number>     the webhooks an event in that scope may go to, where
        scope is SYSTEM, BANK#<bank_id>, ACCOUNT#<bank_id>#<account_id> or PROFILE#<profile_id>
  gsi2: WEBHOOK_OWNER#<owner_id> / <number>   a user's or partner's webhooks
  gsi3: ACCOUNT_WEBHOOKS_AT_BANK#<bank_id> / <number>  the account-level webhooks of a bank, for
        OBP's getAccountWebhooks
Each index is a numbered list (store/positions.py) in the order the webhooks were registered: a
registration is numbered in its lists, and a deletion counted out of them, in its own transaction.
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import BooleanAttribute, ListAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, UpdateError

from chalicelib.store import positions
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


def scope_list(scope: str) -> positions.NumberedList:
    return positions.NumberedList(f"WEBHOOKS#{scope}")


def owner_list(owner_id: str) -> positions.NumberedList:
    return positions.NumberedList(f"WEBHOOK_OWNER#{owner_id}")


def bank_account_webhooks(bank_id: str) -> positions.NumberedList:
    return positions.NumberedList(f"ACCOUNT_WEBHOOKS_AT_BANK#{bank_id}")


def _lists(record: WebhookRecord) -> list[tuple[str, positions.NumberedList]]:
    """(index, list) of every list the webhook is a member of."""
    lists = [("gsi1", scope_list(record.scope)), ("gsi2", owner_list(record.owner_id))]
    if record.scope.startswith("ACCOUNT#") and record.bank_id:
        lists.append(("gsi3", bank_account_webhooks(record.bank_id)))
    return lists


def new_webhook(webhook_id: str, owner_id: str, scope: str, **fields) -> WebhookRecord:
    """A registration; its numbers in its lists are set when it is stored."""
    return WebhookRecord(pk=webhook_pk(webhook_id), sk="WEBHOOK", webhook_id=webhook_id, owner_id=owner_id,
                         scope=scope, created_at=datetime.now(timezone.utc), **fields)


class TooManyInScope(Exception):
    """The scope holds as many webhooks as `create_webhook(..., at_most=)` allows."""


def create_webhook(record: WebhookRecord, at_most: int | None = None) -> None:
    """Store a registration numbered in its lists; with `at_most`, only while its scope holds
    fewer webhooks (TooManyInScope otherwise)."""
    lists = _lists(record)

    def build(tx, numbers):
        for index, lst in lists:
            setattr(record, f"{index}pk", lst.name)
            setattr(record, f"{index}sk", lst.key(numbers[lst.name]))
        tx.save(record, condition=WebhookRecord.pk.does_not_exist())

    try:
        positions.write(build, [lst for _, lst in lists], at_most={lists[0][1].name: at_most} if at_most else None)
    except positions.Crowded as err:
        raise TooManyInScope() from err


def get_webhook(webhook_id: str) -> WebhookRecord | None:
    return get_item(WebhookRecord, webhook_pk(webhook_id), "WEBHOOK")


def webhooks_in_scope(scope: str, limit: int = _LIST_LIMIT, newest_first: bool = False) -> list[WebhookRecord]:
    return list(WebhookRecord.gsi1.query(scope_list(scope).name, limit=limit, scan_index_forward=not newest_first))


def page_of_scope(scope: str, *, limit: int, offset: int = 0, descending: bool = False) -> list[WebhookRecord]:
    return positions.page(scope_list(scope), WebhookRecord.gsi1, WebhookRecord.gsi1sk, limit=limit, offset=offset,
                          descending=descending)


def page_of_owner(owner_id: str, *, limit: int, offset: int = 0, descending: bool = False) -> list[WebhookRecord]:
    return positions.page(owner_list(owner_id), WebhookRecord.gsi2, WebhookRecord.gsi2sk, limit=limit, offset=offset,
                          descending=descending)


def page_of_bank_account_webhooks(bank_id: str, *, limit: int, offset: int = 0,
                                  descending: bool = True) -> list[WebhookRecord]:
    return positions.page(bank_account_webhooks(bank_id), WebhookRecord.gsi3, WebhookRecord.gsi3sk, limit=limit,
                          offset=offset, descending=descending)


def account_webhooks_of_user_at_bank(bank_id: str, user_id: str, *, limit: int, offset: int = 0,
                                     descending: bool = True) -> list[WebhookRecord]:
    """The bank's account-level webhooks registered by the user: the shorter of the bank's and the
    user's list is read, within positions.READ_BUDGET items (positions.TooBroad beyond)."""
    bank, owner = bank_account_webhooks(bank_id), owner_list(user_id)
    heads = positions.read_heads([bank, owner])
    if heads[owner.name].live <= heads[bank.name].live:
        prefix = f"ACCOUNT#{bank_id}#"
        return positions.matching(WebhookRecord.gsi2, owner.name, lambda w: w.scope.startswith(prefix),
                                  offset=offset, limit=limit, descending=descending)
    return positions.matching(WebhookRecord.gsi3, bank.name, lambda w: w.owner_id == user_id,
                              offset=offset, limit=limit, descending=descending)


def matching_in_scope(scope: str, predicate, *, limit: int, offset: int = 0, descending: bool = True) -> list[WebhookRecord]:
    """The scope's webhooks that satisfy `predicate`, within positions.READ_BUDGET items read."""
    return positions.matching(WebhookRecord.gsi1, scope_list(scope).name, predicate, offset=offset, limit=limit,
                              descending=descending)


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
    """Remove a registration (its owner's choice) and count it out of its lists. Deliveries under
    way find it gone and stop."""

    def build(tx, _):
        tx.delete(WebhookRecord(pk=record.pk, sk=record.sk),
                  condition=WebhookRecord.pk.exists() & (WebhookRecord.owner_id == record.owner_id))
        for index, lst in _lists(record):
            positions.stage_remove(tx, lst, int(getattr(record, f"{index}sk")))

    try:
        positions.write(build)
    except positions.Cancelled:
        pass  # already gone
