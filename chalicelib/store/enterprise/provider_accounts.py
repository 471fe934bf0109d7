"""The payments provider's own accounts at each of our banks, per currency.

Keys:
  PROVIDER_ACCOUNTS#<bank_id>#<currency> / PROVIDER_ACCOUNTS   which OBP accounts at the bank are the
      provider's clearing, fee and card-acquirer accounts in that currency
The accounts themselves are ordinary OBP accounts (store/accounts.py, ACCOUNT#...), written in the
same transaction as this registry entry. Their ids carry a random suffix and the registry is the
only way to them, so no user can make an account the provider would mistake for its own.
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError

from chalicelib.store.accounts import AccountRecord
from chalicelib.store.base import Entity, failed_keys, get_item, key_of, transaction


class ProviderAccountsRecord(Entity, discriminator="ProviderAccounts"):
    bank_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    clearing_account_id = UnicodeAttribute()
    fee_account_id = UnicodeAttribute()
    acquirer_account_id = UnicodeAttribute()
    created_by = UnicodeAttribute(default="")  # "first use" or the admin's user id
    created_at = UTCDateTimeAttribute()


def _key(bank_id: str, currency: str) -> tuple[str, str]:
    return f"PROVIDER_ACCOUNTS#{bank_id}#{currency}", "PROVIDER_ACCOUNTS"


def get(bank_id: str, currency: str) -> ProviderAccountsRecord | None:
    return get_item(ProviderAccountsRecord, *_key(bank_id, currency))


def new_registry(bank_id: str, currency: str, *, clearing: str, fees: str, acquirer: str,
                 created_by: str) -> ProviderAccountsRecord:
    pk, sk = _key(bank_id, currency)
    return ProviderAccountsRecord(
        pk=pk, sk=sk, bank_id=bank_id, currency=currency, clearing_account_id=clearing, fee_account_id=fees,
        acquirer_account_id=acquirer, created_by=created_by, created_at=datetime.now(timezone.utc),
    )


def create(registry: ProviderAccountsRecord, accounts: list[AccountRecord]) -> bool:
    """The registry entry and its accounts in one transaction; False (nothing written) when
    another request registered the bank's accounts in this currency first."""
    tx = transaction()
    try:
        with tx:
            tx.save(registry, condition=ProviderAccountsRecord.pk.does_not_exist())
            for account in accounts:
                tx.save(account, condition=AccountRecord.pk.does_not_exist())
    except TransactWriteError as err:
        if key_of(registry) in failed_keys(tx, err):
            return False
        raise
    return True
