"""Accounts: create (v3.1.0 and v5.0.0), the caller's accounts, one account and its transactions
through a view."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.accounts import (
    CreateAccountRequestJsonV310,
    CreateAccountRequestJsonV500,
    accounts_held_json,
    basic_accounts_json,
    core_accounts_json,
    create_account_response_json,
    moderated_account_json_400,
)
from chalicelib.schemas.transactions import transaction_json_300
from chalicelib.services import accounts, transactions

_ACCOUNT = "/banks/{bank_id}/accounts/{account_id}"


def _routings(items) -> list[dict]:
    return [{"scheme": r.scheme, "address": r.address} for r in (items or [])]


def _new_account_v310(req: Request) -> accounts.NewAccount:
    body = req.body(CreateAccountRequestJsonV310)
    return accounts.NewAccount(
        user_id=body.user_id, label=body.label, product_code=body.product_code, currency=body.balance.currency,
        amount=body.balance.amount, branch_id=body.branch_id, routings=_routings(body.account_routings),
    )


def _new_account_v500(req: Request) -> accounts.NewAccount:
    body = req.body(CreateAccountRequestJsonV500)
    balance = body.balance
    return accounts.NewAccount(
        user_id=body.user_id, label=body.label, product_code=body.product_code,
        currency=balance.currency if balance else "EUR", amount=balance.amount if balance else "0",
        branch_id=body.branch_id or "", routings=_routings(body.account_routings),
    )


# OBP serves v3.1.0's createAccount up to 3.1.0 only (OBPAPI4_0_0 excludes it), v5.0.0's from 5.0.0.

@endpoint("PUT", _ACCOUNT, since="3.1.0", until="4.0.0", status=201, under_consent=False,
          roles=("CanCreateAccount",),
          body=CreateAccountRequestJsonV310, response="CreateAccountResponseJsonV310", tags=("Account", "Onboarding"),
          errors=("OBP-10001", "OBP-30001", "OBP-20001", "OBP-30107", "OBP-30110", "OBP-30111", "OBP-20005",
              "OBP-20006", "OBP-30106", "OBP-30112", "OBP-30109", "OBP-30105", "OBP-30208", "OBP-50000"))
def create_account_v310(req: Request, bank_id: str, account_id: str):
    """Create Account"""
    record = accounts.create_account(req.user(), bank_id, account_id, lambda: _new_account_v310(req),
                                     every_call_needs_role=False)
    return create_account_response_json(record)


@endpoint("PUT", _ACCOUNT, since="5.0.0", status=201, under_consent=False,
          roles=("CanCreateAccount",),
          body=CreateAccountRequestJsonV500, response="CreateAccountResponseJsonV310", tags=("Account", "Onboarding"),
          errors=("OBP-10001", "OBP-30001", "OBP-20001", "OBP-30107", "OBP-30110", "OBP-30111", "OBP-20005",
              "OBP-20006", "OBP-30106", "OBP-30112", "OBP-30109", "OBP-30105", "OBP-30208", "OBP-50000"))
def create_account(req: Request, bank_id: str, account_id: str):
    """Create Account (PUT)"""
    record = accounts.create_account(req.user(), bank_id, account_id, lambda: _new_account_v500(req),
                                     every_call_needs_role=True)
    return create_account_response_json(record)


@endpoint("GET", "/banks/{bank_id}/accounts", since="2.0.0",
          operation="getPrivateAccountsAtOneBank", response="BasicAccountsJSON",
          tags=("Account", "PrivateData", "PublicData"),
          errors=("OBP-20001",))
def private_accounts_at_bank(req: Request, bank_id: str):
    """Get Accounts at Bank"""
    return basic_accounts_json(accounts.accounts_at_bank(req.user(), bank_id))


@endpoint("GET", "/my/banks/{bank_id}/accounts", since="2.0.0",
          operation="corePrivateAccountsAtOneBank", response="CoreAccountsJSON",
          tags=("Account",), errors=("OBP-20001",))
def core_private_accounts_at_bank(req: Request, bank_id: str):
    """Get Accounts at Bank (Core)"""
    return core_accounts_json(accounts.accounts_at_bank(req.user(), bank_id))


@endpoint("GET", "/banks/{bank_id}/accounts-held", since="3.0.0",
          operation="getAccountsHeld", response="CoreAccountsHeldJsonV300",
          tags=("Account", "Account Information Service (AIS)", "View-Custom", "PSD2"),
          errors=("OBP-20001",))
def accounts_held(req: Request, bank_id: str):
    """Get Accounts Held"""
    return accounts_held_json(accounts.accounts_held(req.user(), bank_id))


@endpoint("GET", _ACCOUNT + "/{view_id}/account", since="4.0.0",
          operation="getPrivateAccountByIdFull", response="ModeratedAccountJSON400",
          tags=("Account",), errors=("OBP-20001",))
def account_by_id(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Account by Id (Full)"""
    account, view, views_available = accounts.account_through_view(req.user(), bank_id, account_id, view_id)
    return moderated_account_json_400(account, view, views_available)


def _transactions_json(page) -> list[dict]:
    return [
        transaction_json_300(t, page.account, page.view, page.comments.get(t.transaction_id, []),
                             page.tags.get(t.transaction_id, []))
        for t in page.transactions
    ]


@endpoint("GET", _ACCOUNT + "/{view_id}/transactions", since="3.0.0",
          operation="getTransactionsForBankAccount", response="TransactionsJsonV300",
          tags=("Transaction", "Account"), errors=("OBP-20001",))
def transactions_for_account(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Transactions for Account (Full)"""
    page = transactions.list_transactions(req.user(), bank_id, account_id, view_id, req.query)
    return {"transactions": _transactions_json(page)}


@endpoint("GET", _ACCOUNT + "/{view_id}/transactions/{transaction_id}/transaction", since="3.0.0",
          operation="getTransactionByIdForBankAccount", response="TransactionJsonV300",
          tags=("Transaction",), errors=("OBP-20001",))
def transaction_by_id(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str):
    """Get Transaction by Id"""
    page = transactions.get_transaction(req.user(), bank_id, account_id, view_id, transaction_id)
    return _transactions_json(page)[0]
