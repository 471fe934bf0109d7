"""Historical transactions (OBP createHistoricalTransactionAtBank, v4.0.0): a bank's staff with
CanCreateHistoricalTransactionAtBank move money between two of the bank's accounts, so sandboxes
and tests can put money where it is needed.

The money moves through the ledger every payment uses (services/transfers.post): both balances
and both transaction records in one DynamoDB transaction, the webhook events with them, and the
from account's overdraft rule. The client's `posted` and `completed` are checked and echoed as
OBP does; the ledger books the transactions at the time they are made.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Callable

from chalicelib.errors import ApiError
from chalicelib.services import transfers
from chalicelib.services.access import Caller, missing_roles_error
from chalicelib.services.banks import require_bank
from chalicelib.services.money import fits_currency, is_iso_currency, minor_units, parse_plain_number
from chalicelib.services.validation import is_valid_id
from chalicelib.store import accounts as account_store

ROLE = "CanCreateHistoricalTransactionAtBank"
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # OBP's DateWithSeconds, the only form it parses here


@dataclass(frozen=True)
class HistoricalTransaction:
    from_account_id: str
    to_account_id: str
    currency: str
    amount: str
    description: str
    posted: str
    completed: str
    transaction_type: str
    charge_policy: str


@dataclass(frozen=True)
class Booked:
    transaction_id: str  # the from account's transaction
    bank_id: str
    order: HistoricalTransaction
    amount: Decimal
    posted: datetime
    completed: datetime


def _account(accounts: dict, bank_id: str, account_id: str):
    found = accounts.get((bank_id, account_id))
    if found is None:
        raise ApiError("OBP-30018", f"Current BankId is {bank_id} and Current AccountId is {account_id}")
    return found


def _date(text: str, field: str) -> datetime:
    try:
        return datetime.strptime(text, _DATE_FORMAT)
    except ValueError:
        raise ApiError("OBP-10005", f"Current `{field}` field is {text}. Please use this format "
                                    "yyyy-MM-dd'T'HH:mm:ss'Z'! ", status=400) from None


def create(caller: Caller, bank_id: str, read_body: Callable[[], HistoricalTransaction]) -> Booked:
    """POST /banks/BANK_ID/management/historical/transactions: the role before the body, then
    OBP's checks in OBP's order; 201 with the from account's transaction id."""
    require_bank(bank_id)
    if not caller.has_role(ROLE, bank_id):
        raise missing_roles_error([ROLE], bank_id)
    order = read_body()
    keys = [(bank_id, a) for a in (order.from_account_id, order.to_account_id) if is_valid_id(a)]
    accounts = account_store.get_accounts(keys)
    source = _account(accounts, bank_id, order.from_account_id)
    target = _account(accounts, bank_id, order.to_account_id)
    amount = parse_plain_number(order.amount)
    if amount is None:
        raise ApiError("OBP-10002", f"Current input is {order.amount} ", status=400)
    if amount <= 0:
        raise ApiError("OBP-40008", f"Current input is: '{order.amount}'", status=400)
    posted = _date(order.posted, "posted")
    completed = _date(order.completed, "completed")
    if not is_iso_currency(order.currency):
        raise ApiError("OBP-10003", f"Current input is: '{order.currency}'", status=400)
    if not fits_currency(amount, order.currency):
        raise ApiError("OBP-10035", f"{order.currency} amounts have at most {minor_units(order.currency)} decimal "
                                    "places.", status=400)
    if source.pk == target.pk:
        raise ApiError("OBP-10035", "The to account must not be the from account.", status=400)
    booked = transfers.post(
        transfers.Transfer(
            from_key=(bank_id, source.account_id), to_key=(bank_id, target.account_id), amount=amount,
            currency=order.currency, description=order.description, transaction_type=order.transaction_type,
            transaction_request_id="",
        ),
        lambda debit_id, completed_at: [],
        preloaded=accounts,
    )
    return Booked(booked.debit_id, bank_id, order, amount, posted, completed)
