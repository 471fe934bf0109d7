"""The provider's money accounts: per bank and currency, a clearing account, a fee account and
the sandbox card acquirer's funds account, all ordinary OBP accounts at that bank.

  clearing   payments are paid into it (openbanking: from the payer's account; cards: from the
             acquirer's funds) and refunds paid out of it; it may never go below zero. Settlements
             (issue 16) pay it out to the profile's payout account and the fee account.
  fees       the provider's revenue: the fee part of settlements.
  acquirer   the card acquirer's funds at the bank: a card payment settles acquirer -> clearing,
             a card refund clearing -> acquirer. It stands for what the card scheme owes or is owed,
             so it may run negative (OVERDRAFT_LIMIT 10^12).

They are created on first use (the first payment clearing at a bank in a currency) or by an OBP
super admin (POST /v1/provider-accounts); README "Enterprise payments" lists them.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from chalicelib.services.access import Caller
from chalicelib.services.enterprise.errors import forbidden, invalid_request, not_found
from chalicelib.services.money import has_minor_units
from chalicelib.services.validation import is_valid_id
from chalicelib.store import accounts as account_store
from chalicelib.store import banks as bank_store
from chalicelib.store.enterprise import provider_accounts as store

PROVIDER = "payments-provider"  # created_by_user_id of the provider's accounts: no user has this id
ACQUIRER_OVERDRAFT = "1000000000000"


@dataclass(frozen=True)
class ProviderAccounts:
    bank_id: str
    currency: str
    clearing_account_id: str
    fee_account_id: str
    acquirer_account_id: str
    record: object

    @property
    def clearing(self) -> tuple[str, str]:
        return self.bank_id, self.clearing_account_id

    @property
    def fees(self) -> tuple[str, str]:
        return self.bank_id, self.fee_account_id

    @property
    def acquirer(self) -> tuple[str, str]:
        return self.bank_id, self.acquirer_account_id


def _of(record) -> ProviderAccounts:
    return ProviderAccounts(record.bank_id, record.currency, record.clearing_account_id, record.fee_account_id,
                            record.acquirer_account_id, record)


def _new_account(bank_id: str, currency: str, role: str, label: str, attributes: list[dict]):
    account_id = f"psp-{role}-{currency.lower()}-{secrets.token_hex(4)}"
    return account_store.new_account(
        bank_id, account_id, currency=currency, routings=[], holders=[], attributes=attributes,
        label=f"Payments provider {label} ({currency})", product_code="", created_by_user_id=PROVIDER,
    )


def _overdraft(limit: str) -> list[dict]:
    """The OVERDRAFT_LIMIT attribute, always explicit: without one the stage's default would
    decide (unlimited in the local stage), and the provider's own accounts must not depend on it."""
    return [{"account_attribute_id": str(uuid.uuid4()), "name": "OVERDRAFT_LIMIT", "attribute_type": "DOUBLE",
             "value": limit}]


def _create(bank_id: str, currency: str, created_by: str) -> tuple[ProviderAccounts, bool]:
    accounts = [
        _new_account(bank_id, currency, "clearing", "clearing", _overdraft("0")),
        _new_account(bank_id, currency, "fees", "fees", _overdraft("0")),
        _new_account(bank_id, currency, "acquirer", "card acquirer funds", _overdraft(ACQUIRER_OVERDRAFT)),
    ]
    registry = store.new_registry(bank_id, currency, clearing=accounts[0].account_id, fees=accounts[1].account_id,
                                  acquirer=accounts[2].account_id, created_by=created_by)
    if store.create(registry, accounts):
        return _of(registry), True
    return _of(store.get(bank_id, currency)), False  # created meanwhile by another request


def for_bank(bank_id: str, currency: str) -> ProviderAccounts:
    """The accounts at the bank in the currency, created on first use."""
    found = store.get(bank_id, currency)
    return _of(found) if found is not None else _create(bank_id, currency, "first use")[0]


def _require_admin(caller: Caller) -> None:
    if not caller.is_super_admin:
        raise forbidden("The provider's accounts are managed by an OBP super admin")


def _check(bank_id: str, currency: str) -> None:
    problems = []
    if not is_valid_id(bank_id, 254) or bank_store.get_bank(bank_id) is None:
        problems.append(("bank_id", "no such bank"))
    if not has_minor_units(currency):
        problems.append(("currency", "must be an ISO 4217 currency code with minor units (e.g. EUR)"))
    if problems:
        raise invalid_request(*problems)


def ensure(caller: Caller, bank_id: str, currency: str) -> tuple[ProviderAccounts, bool]:
    """POST /v1/provider-accounts: (the accounts, whether this call created them)."""
    _require_admin(caller)
    _check(bank_id, currency)
    found = store.get(bank_id, currency)
    return (_of(found), False) if found is not None else _create(bank_id, currency, caller.user_id)


def get(caller: Caller, bank_id: str, currency: str) -> ProviderAccounts:
    _require_admin(caller)
    found = store.get(bank_id, currency) if is_valid_id(bank_id, 254) and has_minor_units(currency) else None
    if found is None:
        raise not_found()
    return _of(found)


def balances(accounts: ProviderAccounts) -> dict[str, object]:
    """account_id -> its balance (Decimal): one BatchGetItem."""
    keys = [accounts.clearing, accounts.fees, accounts.acquirer]
    found = account_store.get_accounts(keys)
    return {account_id: found[(bank, account_id)].balance for bank, account_id in keys if (bank, account_id) in found}
