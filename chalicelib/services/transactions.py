"""Transactions of an account and their metadata (comments, tags), always through a view.

Comments and tags belong to the view they were posted through (OBP's per-view metadata): a view
sees those posted through it. Adding needs can_add_comment / can_add_tag, seeing can_see_comments
/ can_see_tags, deleting can_delete_comment / can_delete_tag (OBP-30022 otherwise; for adds OBP's
text names can_see_owner_comment, which we keep).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from chalicelib.errors import ApiError
from chalicelib.services.access import Caller
from chalicelib.services.accounts import open_account
from chalicelib.services.paging import parse_page
from chalicelib.services.views import require_permission
from chalicelib.store import ledger
from chalicelib.store import metadata as metadata_store

COMMENT, TAG = metadata_store.COMMENT, metadata_store.TAG
_PERMISSIONS = {
    COMMENT: {"add": "can_add_comment", "see": "can_see_comments", "delete": "can_delete_comment"},
    TAG: {"add": "can_add_tag", "see": "can_see_tags", "delete": "can_delete_tag"},
}
_NOT_FOUND = {COMMENT: "comment", TAG: "tag"}


@dataclass
class TransactionPage:
    account: object
    view: object
    transactions: list
    comments: dict = field(default_factory=dict)  # transaction_id -> [records]
    tags: dict = field(default_factory=dict)


def list_transactions(caller: Caller, bank_id: str, account_id: str, view_id: str, query: dict) -> TransactionPage:
    """A page of the account's booked transactions in booking order (newest first by default), so
    each new_balance follows from the one before, with the view's metadata: two Queries whatever the
    page size and offset (transactions by position: at most `limit` items; then the metadata of
    their id range)."""
    paging = parse_page(query, default_descending=True)
    account, view = open_account(caller, bank_id, account_id, view_id)
    page = ledger.transactions_page(account, offset=paging.offset, limit=paging.limit, descending=paging.descending)
    result = TransactionPage(account, view, page)
    if page and view.allows("can_see_transaction_metadata") and (view.allows("can_see_comments") or view.allows("can_see_tags")):
        ids = {t.transaction_id for t in page}
        for item in metadata_store.of_transactions(bank_id, account_id, min(ids), max(ids)):
            if item.view_id == view_id and item.transaction_id in ids:
                (result.comments if item.kind == COMMENT else result.tags).setdefault(item.transaction_id, []).append(item)
    return result


def _transaction(caller: Caller, bank_id: str, account_id: str, view_id: str, transaction_id: str):
    account, view = open_account(caller, bank_id, account_id, view_id)
    txn = ledger.get_transaction(bank_id, account_id, transaction_id)
    if txn is None:
        raise ApiError("OBP-30067", f"Current TRANSACTION_ID({transaction_id})", status=400)
    return account, view, txn


def get_transaction(caller: Caller, bank_id: str, account_id: str, view_id: str, transaction_id: str) -> TransactionPage:
    account, view, txn = _transaction(caller, bank_id, account_id, view_id, transaction_id)
    page = TransactionPage(account, view, [txn])
    if view.allows("can_see_transaction_metadata"):
        for kind, into in ((COMMENT, page.comments), (TAG, page.tags)):
            if view.allows(_PERMISSIONS[kind]["see"]):
                into[txn.transaction_id] = [m for m in metadata_store.of_transaction(kind, bank_id, account_id, transaction_id)
                                            if m.view_id == view_id]
    return page


def add_metadata(caller: Caller, kind: str, bank_id: str, account_id: str, view_id: str, transaction_id: str,
                 value: str):
    """POST .../metadata/comments or /tags (201)."""
    account, view = open_account(caller, bank_id, account_id, view_id)
    require_permission(view, _PERMISSIONS[kind]["add"], shown="can_see_owner_comment")
    if ledger.get_transaction(bank_id, account_id, transaction_id) is None:
        raise ApiError("OBP-30067", f"Current TRANSACTION_ID({transaction_id})", status=400)
    if not value.strip():
        raise ApiError("OBP-10001", f"The {_NOT_FOUND[kind]} value must not be empty.", status=400)
    return metadata_store.add(
        kind, bank_id, account_id, transaction_id, str(uuid.uuid4()), view_id=view_id, value=value,
        user_id=caller.user_id, user_name=getattr(caller.user, "username", ""),
    )


def list_metadata(caller: Caller, kind: str, bank_id: str, account_id: str, view_id: str, transaction_id: str) -> list:
    _, view, _ = _transaction(caller, bank_id, account_id, view_id, transaction_id)
    require_permission(view, _PERMISSIONS[kind]["see"])
    return [m for m in metadata_store.of_transaction(kind, bank_id, account_id, transaction_id) if m.view_id == view_id]


def delete_metadata(caller: Caller, kind: str, bank_id: str, account_id: str, view_id: str, transaction_id: str,
                    metadata_id: str) -> None:
    """DELETE .../metadata/comments/COMMENT_ID or /tags/TAG_ID (204): through the view it was posted
    through, with can_delete_comment / can_delete_tag."""
    _, view = open_account(caller, bank_id, account_id, view_id)
    require_permission(view, _PERMISSIONS[kind]["delete"])
    record = metadata_store.get(kind, bank_id, account_id, transaction_id, metadata_id)
    if record is None or record.view_id != view_id or not metadata_store.delete(record):
        # OBP's own failure here is a plain text it masks as OBP-50005 (reference §3).
        raise ApiError("OBP-50005", status=400)
