"""OBP's account-notification webhook endpoints: who may register, list and switch them, and OBP's
checks and texts, in OBP's order. Registration itself is services.webhooks.create_webhook.

- createAccountWebhook (v3.1.0): one account's OnBalanceChange | OnCreditTransaction |
  OnDebitTransaction, role CanCreateWebhook at the bank.
- createBankAccountNotificationWebhook (v4.0.0): OnCreateTransaction of every account at a bank,
  role CanCreateAccountNotificationWebhookAtOneBank.
- createSystemAccountNotificationWebhook (v4.0.0): OnCreateTransaction at every bank, role
  CanCreateSystemAccountNotificationWebhook.
- getAccountWebhooks / enableDisableAccountWebhook (v3.1.0): a bank's account webhooks, roles
  CanGetWebhooks / CanUpdateWebhook.

Bodies are read through `read_body` after the bank and role checks, as OBP extracts them.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from chalicelib.errors import ApiError
from chalicelib.services import webhooks
from chalicelib.services.access import Caller, require_any_role
from chalicelib.services.banks import require_bank
from chalicelib.services.paging import Page, too_broad
from chalicelib.services.validation import check_account_id
from chalicelib.store import positions
from chalicelib.store import webhooks as webhook_store

T = TypeVar("T")

ACCOUNT_TRIGGERS = ("OnBalanceChange", "OnCreditTransaction", "OnDebitTransaction")
ON_CREATE_TRANSACTION = "OnCreateTransaction"


def create_account_webhook(caller: Caller, bank_id: str, read_body: Callable[[], T]):
    require_bank(bank_id)
    require_any_role(caller, ["CanCreateWebhook"], bank_id, mode="single")
    body = read_body()
    if body.trigger_name not in ACCOUNT_TRIGGERS:
        raise ApiError("OBP-10039", f"{body.trigger_name}. Possible values are {', '.join(sorted(ACCOUNT_TRIGGERS))}",
                       status=400)
    is_active = parse_is_active(body.is_active)
    check_account_id(body.account_id)  # it becomes part of the webhook's scope key
    return webhooks.create_webhook(
        caller.user_id, webhooks.account_scope(bank_id, body.account_id), body.url, [body.trigger_name],
        http_method=body.http_method, http_protocol=body.http_protocol, is_active=is_active,
        bank_id=bank_id, account_id=body.account_id,
    )


def create_bank_notification_webhook(caller: Caller, bank_id: str, read_body: Callable[[], T]):
    require_bank(bank_id)
    require_any_role(caller, ["CanCreateAccountNotificationWebhookAtOneBank"], bank_id)
    body = _notification_body(read_body)
    return webhooks.create_webhook(
        caller.user_id, webhooks.bank_scope(bank_id), body.url, [ON_CREATE_TRANSACTION],
        http_method=body.http_method, http_protocol=body.http_protocol, bank_id=bank_id,
    )


def create_system_notification_webhook(caller: Caller, read_body: Callable[[], T]):
    require_any_role(caller, ["CanCreateSystemAccountNotificationWebhook"])
    body = _notification_body(read_body)
    return webhooks.create_webhook(
        caller.user_id, webhooks.system_scope(), body.url, [ON_CREATE_TRANSACTION],
        http_method=body.http_method, http_protocol=body.http_protocol,
    )


def list_account_webhooks(caller: Caller, bank_id: str, paging: Page, account_id: str | None = None,
                          user_id: str | None = None) -> list:
    """The bank's account webhooks, newest first by default, filtered by account_id / user_id, one
    page. Every filter but user_id alone (and both) has its own list; user_id reads the shorter of
    the bank's and the user's list within the read budget (400 OBP-39100 beyond)."""
    require_bank(bank_id)
    require_any_role(caller, ["CanGetWebhooks"], bank_id, mode="single")
    page = {"limit": paging.limit, "offset": paging.offset, "descending": paging.descending}
    try:
        if account_id:
            scope = webhooks.account_scope(bank_id, account_id)
            if user_id:
                return webhook_store.matching_in_scope(scope, lambda w: w.owner_id == user_id, **page)
            return webhook_store.page_of_scope(scope, **page)
        if user_id:
            return webhook_store.account_webhooks_of_user_at_bank(bank_id, user_id, **page)
        return webhook_store.page_of_bank_account_webhooks(bank_id, **page)
    except positions.TooBroad:
        raise too_broad("Filtering by user_id examines at most "
                        f"{positions.READ_BUDGET} webhooks per request: add account_id, or ask for a smaller offset.") from None


def enable_disable_account_webhook(caller: Caller, bank_id: str, read_body: Callable[[], T]):
    require_bank(bank_id)
    require_any_role(caller, ["CanUpdateWebhook"], bank_id, mode="single")
    body = read_body()
    is_active = parse_is_active(body.is_active)
    record = webhook_store.get_webhook(body.account_webhook_id) if body.account_webhook_id else None
    if record is None or record.bank_id != bank_id or not _is_account_webhook(record):
        raise ApiError("OBP-30050", status=400)
    return webhooks.set_active(record, is_active, by=f"user {caller.user_id}")


def _is_account_webhook(record) -> bool:
    return record.scope.startswith("ACCOUNT#")


def _notification_body(read_body: Callable[[], T]) -> T:
    body = read_body()
    if body.http_method != "POST":
        raise ApiError("OBP-10037", f"Only Support `POST` currently. Current value is ({body.http_method})", status=400)
    if body.http_protocol != "HTTP/1.1":
        raise ApiError("OBP-10038", f"Only Support `HTTP/1.1` currently. Current value is ({body.http_protocol})",
                       status=400)
    return body


def parse_is_active(value: str) -> bool:
    """OBP's `is_active.toBoolean`: "true" or "false", any case; OBP-10019 otherwise."""
    if value.lower() not in ("true", "false"):
        raise ApiError("OBP-10019", "Possible values of the json field is_active are true or false.", status=400)
    return value.lower() == "true"
