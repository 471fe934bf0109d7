"""Account access: which user holds which view on which account (OBP's AccountAccess rows).

Keys:
  USER#<user_id> / ACCESS#<bank_id>#<account_id>#<view_id>     one access; gsi1 lists an
      account's accesses: ACCESS#<bank_id>#<account_id> / <view_id>#<user_id>
  VIEW#<bank_id>#<account_id>#<view_id> / VIEW                 a custom view of one account (ids
      start with "_"; VRP consents make them); gsi1 VIEWS#<bank_id>#<account_id> / <view_id>
      lists an account's custom views; system views are code, not records
The accounts capability writes these; the user side is read by /users/current and consents.
"""
from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute

from chalicelib.store.base import Entity, get_item
from chalicelib.store.users import user_pk

_PREFIX = "ACCESS#"


class AccountAccessRecord(Entity, discriminator="AccountAccess"):
    user_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    view_id = UnicodeAttribute()

    @staticmethod
    def keys(user_id: str, bank_id: str, account_id: str, view_id: str) -> dict:
        return {
            "pk": user_pk(user_id),
            "sk": f"{_PREFIX}{bank_id}#{account_id}#{view_id}",
            "gsi1pk": f"{_PREFIX}{bank_id}#{account_id}",
            "gsi1sk": f"{view_id}#{user_id}",
        }


def new_access(user_id: str, bank_id: str, account_id: str, view_id: str) -> AccountAccessRecord:
    return AccountAccessRecord(
        **AccountAccessRecord.keys(user_id, bank_id, account_id, view_id),
        user_id=user_id, bank_id=bank_id, account_id=account_id, view_id=view_id,
    )


def list_user_access(user_id: str, bank_id: str | None = None) -> list[AccountAccessRecord]:
    prefix = _PREFIX if bank_id is None else f"{_PREFIX}{bank_id}#"
    return list(AccountAccessRecord.query(user_pk(user_id), AccountAccessRecord.sk.startswith(prefix)))


def list_account_access(bank_id: str, account_id: str) -> list[AccountAccessRecord]:
    return list(AccountAccessRecord.gsi1.query(f"{_PREFIX}{bank_id}#{account_id}"))


def access_key(user_id: str, bank_id: str, account_id: str, view_id: str) -> tuple[str, str]:
    keys = AccountAccessRecord.keys(user_id, bank_id, account_id, view_id)
    return keys["pk"], keys["sk"]


def get_access(user_id: str, bank_id: str, account_id: str, view_id: str) -> AccountAccessRecord | None:
    return get_item(AccountAccessRecord, *access_key(user_id, bank_id, account_id, view_id))


def list_user_account_views(user_id: str, bank_id: str, account_id: str) -> list[AccountAccessRecord]:
    """The views one user holds on one account (ids never contain '#')."""
    prefix = f"{_PREFIX}{bank_id}#{account_id}#"
    return list(AccountAccessRecord.query(
        user_pk(user_id), AccountAccessRecord.sk.startswith(prefix), consistent_read=True,
    ))


def grant_access(user_id: str, bank_id: str, account_id: str, view_id: str) -> AccountAccessRecord:
    """Idempotent: granting a view already held keeps the one access record."""
    record = new_access(user_id, bank_id, account_id, view_id)
    record.save()
    return record


def revoke_access(user_id: str, bank_id: str, account_id: str, view_id: str) -> None:
    AccountAccessRecord(**AccountAccessRecord.keys(user_id, bank_id, account_id, view_id)).delete()


class CustomViewRecord(Entity, discriminator="CustomView"):
    bank_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    view_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    permissions = ListAttribute(of=UnicodeAttribute, default=list)


def custom_view_key(bank_id: str, account_id: str, view_id: str) -> tuple[str, str]:
    return f"VIEW#{bank_id}#{account_id}#{view_id}", "VIEW"


def new_custom_view(bank_id: str, account_id: str, view_id: str, **fields) -> CustomViewRecord:
    pk, sk = custom_view_key(bank_id, account_id, view_id)
    return CustomViewRecord(pk=pk, sk=sk, gsi1pk=f"VIEWS#{bank_id}#{account_id}", gsi1sk=view_id,
                            bank_id=bank_id, account_id=account_id, view_id=view_id, **fields)


def list_custom_views(bank_id: str, account_id: str) -> list[CustomViewRecord]:
    """An account's custom views (one Query)."""
    return list(CustomViewRecord.gsi1.query(f"VIEWS#{bank_id}#{account_id}"))


def get_custom_view(bank_id: str, account_id: str, view_id: str) -> CustomViewRecord | None:
    return get_item(CustomViewRecord, *custom_view_key(bank_id, account_id, view_id))
