"""Accounts: create (PUT v3.1.0 and v5.0.0, POST v4.0.0), the caller's accounts, one account
through a view or the owner view, its label, its views, and its transactions through a view, each
at the version that introduced it and every later one."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.accounts import (
    SUCCESS,
    CreateAccountRequestJsonV310,
    CreateAccountRequestJsonV500,
    UpdateAccountJSON,
    UpdateAccountJsonV400,
    accounts_held_json,
    accounts_json_v121,
    basic_accounts_json,
    core_account_json,
    core_accounts_json_v200,
    core_accounts_json_v300,
    create_account_response_json,
    moderated_account_json,
    moderated_account_json_400,
    views_json,
)
from chalicelib.schemas.transactions import transaction_json_121, transaction_json_300
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


@endpoint("GET", "/banks/{bank_id}/accounts", since="1.2.1", response="AccountsJSON",
          tags=("Account", "Old-Style"), errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def get_private_accounts_at_one_bank_v121(req: Request, bank_id: str):
    """Get accounts at bank (Private)"""
    return accounts_json_v121(accounts.accounts_at_bank(req.user(), bank_id))


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
    return core_accounts_json_v200(accounts.accounts_at_bank(req.user(), bank_id), bank_id)


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


@endpoint("GET", _ACCOUNT + "/{view_id}/transactions/{transaction_id}/transaction", since="3.1.0",
          operation="getTransactionByIdForBankAccount", response="TransactionJsonV300",
          tags=("Transaction",), errors=("OBP-20001", "OBP-30018", "OBP-30005", "OBP-20017", "OBP-30067", "OBP-50000"))
def transaction_by_id(req: Request, bank_id: str, account_id: str, view_id: str, transaction_id: str):
    """Get Transaction by Id"""
    page = transactions.get_transaction(req.user(), bank_id, account_id, view_id, transaction_id)
    return _transactions_json(page)[0]


@endpoint("POST", "/banks/{bank_id}/accounts", since="4.0.0", status=201, under_consent=False,
          roles=("CanCreateAccount",), check_roles=False,  # only to open an account for another user
          body=CreateAccountRequestJsonV310, response="CreateAccountResponseJsonV310", tags=("Account",),
          errors=("OBP-10001", "OBP-20001", "OBP-20006", "OBP-30106", "OBP-30112", "OBP-30109", "OBP-30105",
                  "OBP-10003", "OBP-30110", "OBP-30208", "OBP-50000"))
def add_account(req: Request, bank_id: str):
    """Create Account (POST)"""
    record = accounts.create_account(req.user(), bank_id, None, lambda: _new_account_v310(req),
                                     every_call_needs_role=False)
    return create_account_response_json(record)


# --- the caller's accounts ------------------------------------------------------------------------

@endpoint("GET", "/my/accounts", since="2.0.0", response="CoreAccountsJSON",
          tags=("Account", "PrivateData", "PSD2", "Old-Style"), errors=("OBP-20001", "OBP-50000"))
def core_private_accounts_all_banks_v200(req: Request):
    """Get Accounts at all Banks (Private)"""
    return core_accounts_json_v200(accounts.my_accounts(req.user()))


@endpoint("GET", "/my/accounts", since="3.0.0", response="CoreAccountsJsonV300",
          tags=("Account", "Account Information Service (AIS)", "PrivateData", "PSD2"), errors=("OBP-20001", "OBP-10016", "OBP-50000"))
def core_private_accounts_all_banks(req: Request):
    """Get Accounts at all Banks (private)"""
    found = accounts.my_accounts(req.user())
    return core_accounts_json_v300(accounts.filter_by_account_type(found, req.query))


@endpoint("GET", "/banks/{bank_id}/accounts/private", since="1.2.1", response="AccountsJSON",
          tags=("Account", "PSD2", "Old-Style"), errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def private_accounts_at_one_bank_v121(req: Request, bank_id: str):
    """Get private accounts at one bank"""
    return accounts_json_v121(accounts.accounts_at_bank(req.user(), bank_id))


@endpoint("GET", "/banks/{bank_id}/accounts/private", since="2.0.0", response="BasicAccountsJSON",
          tags=("Account", "PSD2"), errors=("OBP-20001", "OBP-30001", "OBP-50000"))
def private_accounts_at_one_bank_v200(req: Request, bank_id: str):
    """Get private accounts at one bank"""
    return basic_accounts_json(accounts.accounts_at_bank(req.user(), bank_id))


@endpoint("GET", "/banks/{bank_id}/accounts/private", since="3.0.0", response="CoreAccountsJsonV300",
          tags=("Account", "Account Information Service (AIS)", "PSD2"), errors=("OBP-20001", "OBP-30001", "OBP-10016", "OBP-50000"))
def private_accounts_at_one_bank(req: Request, bank_id: str):
    """Get Accounts at Bank (Minimal)"""
    found = accounts.accounts_at_bank(req.user(), bank_id)
    return core_accounts_json_v300(accounts.filter_by_account_type(found, req.query))


# --- one account ----------------------------------------------------------------------------------

def _core_account(req: Request, bank_id: str, account_id: str, version: str) -> dict:
    moderated, views = accounts.core_account(req.user(), bank_id, account_id)
    return core_account_json(moderated, views, version)


@endpoint("GET", "/my/banks/{bank_id}/accounts/{account_id}/account", since="2.0.0",
          response="ModeratedCoreAccountJSON", tags=("Account", "PSD2", "Old-Style"),
          errors=("OBP-20001", "OBP-30018", "OBP-20019", "OBP-50000"))
def get_core_account_by_id_v200(req: Request, bank_id: str, account_id: str):
    """Get Account by Id (Core)"""
    return _core_account(req, bank_id, account_id, "2.0.0")


@endpoint("GET", "/my/banks/{bank_id}/accounts/{account_id}/account", since="3.0.0",
          response="NewModeratedCoreAccountJsonV300", tags=("Account", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30018", "OBP-20019", "OBP-50000"))
def get_core_account_by_id_v300(req: Request, bank_id: str, account_id: str):
    """Get Account by Id (Core)"""
    return _core_account(req, bank_id, account_id, "3.0.0")


@endpoint("GET", "/my/banks/{bank_id}/accounts/{account_id}/account", since="4.0.0",
          response="ModeratedCoreAccountJsonV400", tags=("Account", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30018", "OBP-20019", "OBP-50000"))
def get_core_account_by_id(req: Request, bank_id: str, account_id: str):
    """Get Account by Id (Core)"""
    return _core_account(req, bank_id, account_id, "4.0.0")


def _account_through_view(req: Request, bank_id: str, account_id: str, view_id: str, version: str) -> dict:
    moderated, views = accounts.moderated_through_view(req.user(), bank_id, account_id, view_id)
    return moderated_account_json(moderated, views, version)


@endpoint("GET", _ACCOUNT + "/{view_id}/account", since="1.2.1", response="ModeratedAccountJSON",
          tags=("Account", "Old-Style"),
          errors=("OBP-20001", "OBP-30018", "OBP-30005", "OBP-20017", "OBP-20022", "OBP-50000"))
def account_by_id_v121(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get account by id"""
    return _account_through_view(req, bank_id, account_id, view_id, "1.2.1")


@endpoint("GET", _ACCOUNT + "/{view_id}/account", since="2.0.0", response="ModeratedAccountJSON",
          tags=("Account", "Old-Style"),
          errors=("OBP-20001", "OBP-30001", "OBP-30018", "OBP-30005", "OBP-20017", "OBP-20022", "OBP-50000"))
def account_by_id_v200(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Account by Id (Full)"""
    return _account_through_view(req, bank_id, account_id, view_id, "2.0.0")


@endpoint("GET", _ACCOUNT + "/{view_id}/account", since="3.0.0", response="ModeratedCoreAccountJsonV300",
          tags=("Account",),
          errors=("OBP-20001", "OBP-30001", "OBP-30018", "OBP-30005", "OBP-20017", "OBP-20022", "OBP-50000"))
def get_private_account_by_id_v300(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Account by Id (Full)"""
    return _account_through_view(req, bank_id, account_id, view_id, "3.0.0")


@endpoint("GET", _ACCOUNT + "/{view_id}/account", since="3.1.0", response="ModeratedAccountJSON310",
          tags=("Account",),
          errors=("OBP-20001", "OBP-30001", "OBP-30018", "OBP-30005", "OBP-20017", "OBP-20022", "OBP-50000"))
def get_private_account_by_id_full_v310(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Account by Id (Full)"""
    return _account_through_view(req, bank_id, account_id, view_id, "3.1.0")


@endpoint("GET", _ACCOUNT + "/views/{view_id}", since="5.1.0", response="ModeratedCoreAccountJsonV400",
          tags=("Account", "Account Information Service (AIS)", "PSD2"),
          errors=("OBP-20001", "OBP-30018", "OBP-30005", "OBP-20017", "OBP-20022", "OBP-50000"))
def get_core_account_by_id_through_view(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Account by Id (Core) through the VIEW_ID"""
    moderated, views = accounts.moderated_through_view(req.user(), bank_id, account_id, view_id)
    return core_account_json(moderated, views, "4.0.0")


@endpoint("POST", _ACCOUNT, since="1.2.1", body=UpdateAccountJSON, response="SuccessMessage", tags=("Account",),
          errors=("OBP-10001", "OBP-20001", "OBP-30001", "OBP-30018", "OBP-20022", "OBP-50000"))
def update_account_label_v121(req: Request, bank_id: str, account_id: str):
    """Update Account Label"""
    accounts.update_label(req.user(), bank_id, account_id, lambda: req.body(UpdateAccountJSON).label)
    return SUCCESS


@endpoint("POST", _ACCOUNT, since="4.0.0", body=UpdateAccountJsonV400, response="SuccessMessage", tags=("Account",),
          errors=("OBP-10001", "OBP-20001", "OBP-30001", "OBP-30018", "OBP-20022", "OBP-50000"))
def update_account_label(req: Request, bank_id: str, account_id: str):
    """Update Account Label"""
    accounts.update_label(req.user(), bank_id, account_id, lambda: req.body(UpdateAccountJsonV400).label)
    return SUCCESS


def _views(req: Request, bank_id: str, account_id: str, version: str) -> dict:
    return views_json(accounts.views_of_account(req.user(), bank_id, account_id), version)


@endpoint("GET", _ACCOUNT + "/views", since="1.2.1", response="ViewsJSONV121",
          tags=("View-Custom", "Account", "Old-Style"), errors=("OBP-20001", "OBP-30018", "OBP-20022", "OBP-50000"))
def get_views_for_bank_account_v121(req: Request, bank_id: str, account_id: str):
    """Get Views for Account"""
    return _views(req, bank_id, account_id, "1.2.1")


@endpoint("GET", _ACCOUNT + "/views", since="2.2.0", response="ViewsJSONV220",
          tags=("View-Custom", "Account"), errors=("OBP-20001", "OBP-30018", "OBP-20022", "OBP-50000"))
def get_views_for_bank_account_v220(req: Request, bank_id: str, account_id: str):
    """Get Views for Account"""
    return _views(req, bank_id, account_id, "2.2.0")


@endpoint("GET", _ACCOUNT + "/views", since="3.0.0", response="ViewsJsonV300",
          tags=("View-Custom", "Account"), errors=("OBP-20001", "OBP-30018", "OBP-20022", "OBP-50000"))
def get_views_for_bank_account_v300(req: Request, bank_id: str, account_id: str):
    """Get Views for Account"""
    return _views(req, bank_id, account_id, "3.0.0")


@endpoint("GET", _ACCOUNT + "/views", since="5.0.0", response="ViewsJsonV500",
          tags=("View-Custom", "Account"), errors=("OBP-20001", "OBP-30018", "OBP-20022", "OBP-50000"))
def get_views_for_bank_account(req: Request, bank_id: str, account_id: str):
    """Get Views for Account"""
    return _views(req, bank_id, account_id, "5.0.0")


# --- transactions at v1.2.1 -----------------------------------------------------------------------

def _transactions_json_121(page) -> list[dict]:
    sees_account = page.view.allows("can_see_transaction_this_bank_account")
    moderated = accounts.moderate(page.account, page.view) if sees_account else None
    return [
        transaction_json_121(t, moderated, page.view, page.comments.get(t.transaction_id, []),
                             page.tags.get(t.transaction_id, []))
        for t in page.transactions
    ]


@endpoint("GET", _ACCOUNT + "/{view_id}/transactions", since="1.2.1", response="TransactionsJSON",
          tags=("Transaction", "Account", "PSD2", "Old-Style"),
          errors=("OBP-20001", "OBP-10023", "OBP-10024", "OBP-10025", "OBP-30018", "OBP-30005", "OBP-20017",
                  "OBP-50000"))
def get_transactions_for_bank_account_v121(req: Request, bank_id: str, account_id: str, view_id: str):
    """Get Transactions for Account (Full)"""
    page = transactions.list_transactions(req.user(), bank_id, account_id, view_id, req.query)
    return {"transactions": _transactions_json_121(page)}


@endpoint("GET", _ACCOUNT + "/{view_id}/transactions/{transaction_id}/transaction", since="1.2.1",
          response="TransactionJSON", tags=("Transaction", "PSD2", "Old-Style"),
          errors=("OBP-20001", "OBP-30018", "OBP-30005", "OBP-20017", "OBP-30067", "OBP-50000"))
def get_transaction_by_id_for_bank_account_v121(req: Request, bank_id: str, account_id: str, view_id: str,
                                                transaction_id: str):
    """Get Transaction by Id"""
    page = transactions.get_transaction(req.user(), bank_id, account_id, view_id, transaction_id)
    return _transactions_json_121(page)[0]
