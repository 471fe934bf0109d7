"""Accounts: creation (OBP createAccount v3.1.0 and v5.0.0 rules) and the reads users expect, each
reaching an account only through a view the caller may use."""
from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from chalicelib.errors import ApiError
from chalicelib.services import routings as routing_rules
from chalicelib.services import views as view_service
from chalicelib.services.access import Caller, missing_roles_error
from chalicelib.services.banks import require_bank
from chalicelib.services.money import is_iso_currency, parse_plain_number
from chalicelib.services.validation import check_account_id, is_valid_id
from chalicelib.store import access as access_store
from chalicelib.store import accounts as account_store
from chalicelib.store import customers as customer_store
from chalicelib.store import products as product_store
from chalicelib.store import users as user_store
from chalicelib.store.access import access_key, custom_view_key, new_access
from chalicelib.store.base import get_many
from chalicelib.store.parallel import together

OWNER_VIEW = "owner"
_MAX_ROUTINGS = 20  # keeps account creation far inside one DynamoDB transaction


@dataclass(frozen=True)
class NewAccount:
    user_id: str | None
    label: str
    product_code: str
    currency: str
    amount: str
    branch_id: str = ""
    routings: list[dict] = field(default_factory=list)


def _must_be_new(bank_id: str, account_id: str) -> None:
    if account_store.get_account(bank_id, account_id) is not None:
        raise ApiError("OBP-30208", f"Current BankId is {bank_id} and ACCOUNT_ID is {account_id}", status=400)


def _check_balance(amount: str, currency: str) -> None:
    """The opening balance must be a zero amount in an ISO currency (OBP-30106/30112/30109/30105)."""
    if not isinstance(amount, str) or not amount.strip():
        raise ApiError("OBP-30106", status=400)
    number = parse_plain_number(amount)
    if number is None:
        raise ApiError("OBP-30112", status=400)
    if number != 0:
        raise ApiError("OBP-30109", status=400)
    if not currency.strip():
        raise ApiError("OBP-30105", status=400)
    if not is_iso_currency(currency):
        raise ApiError("OBP-10003", f"Current input is: '{currency}'", status=400)


def _canonical_routings(routings: list[dict]) -> list[dict]:
    """The routings as they are stored (services/routings.py): OBP-30114 for an empty or repeated
    scheme, OBP-10033 for an invalid IBAN."""
    schemes = [routing_rules.scheme_name(r["scheme"]) for r in routings]
    bad = any(not r["scheme"].strip() or not r["address"].strip() or "#" in r["scheme"] for r in routings)
    if bad or len(set(schemes)) != len(schemes) or len(routings) > _MAX_ROUTINGS:
        raise ApiError("OBP-30114", "Duplicated or empty routing schemes are not allowed.", status=400)
    return [dict(zip(("scheme", "address"), routing_rules.canonical(r["scheme"], r["address"]))) for r in routings]


def _owner(caller: Caller, bank_id: str, user_id: str | None):
    """The caller, or the body's user: then it must exist and the caller needs CanCreateAccount."""
    if not user_id or user_id == caller.user_id:
        return caller.user
    if not is_valid_id(user_id):
        raise ApiError("OBP-30107", status=400)
    owner = user_store.get_user(user_id)
    if owner is None:
        raise ApiError("OBP-20005", f"Current USER_ID({user_id})", status=404)
    if not caller.has_role("CanCreateAccount", bank_id):
        raise ApiError("OBP-20006", " CanCreateAccount or create account for self")
    return owner


def create_account(caller: Caller, bank_id: str, account_id: str | None, read_body: Callable[[], NewAccount], *,
                   every_call_needs_role: bool):
    """PUT /banks/BANK_ID/accounts/ACCOUNT_ID. v5.0.0 demands CanCreateAccount on every call
    (`every_call_needs_role`); v3.1.0 only when creating for another user. The body is read
    (`read_body`, OBP-10001) after the role and ACCOUNT_ID checks, in OBP's order.
    POST /banks/BANK_ID/accounts (v4.0.0 addAccount) passes no ACCOUNT_ID: the account gets a new
    UUID, with v3.1.0's rules."""
    require_bank(bank_id)
    if every_call_needs_role and not caller.has_role("CanCreateAccount", bank_id):
        raise missing_roles_error(["CanCreateAccount"], bank_id)
    if account_id is not None:
        _must_be_new(bank_id, account_id)
    new = read_body()
    account_id = account_id or str(uuid.uuid4())
    check_account_id(account_id)
    owner = _owner(caller, bank_id, new.user_id)
    _check_balance(new.amount, new.currency)
    routings = _canonical_routings(new.routings)

    product = product_store.get_product(bank_id, new.product_code) if is_valid_id(new.product_code, 255) else None
    attributes = [
        {
            "account_attribute_id": str(uuid.uuid4()), "product_code": new.product_code, "name": a.name,
            "attribute_type": a.attribute_type, "value": a.value,
        }
        for a in (product.attributes if product else [])
    ]
    record = account_store.new_account(
        bank_id, account_id, currency=new.currency, routings=routings,
        holders=[{"user_id": owner.user_id, "name": owner.username}], attributes=attributes,
        label=new.label, product_code=new.product_code, branch_id=new.branch_id,
        created_by_user_id=caller.user_id,
    )
    account_store.create_account(record, new_access(owner.user_id, bank_id, account_id, OWNER_VIEW))
    return record


# --- reads through a view -----------------------------------------------------------------------

# Records the routing read before the endpoint ran (its account and view checks, done before the
# body as OBP does), handed once to the next read of the same keys in the request: checking early
# costs no second read, and a retry after a lost race still reads afresh. The holder is a list, so
# that a read in a `together` branch (a copy of the context) uses it up for the whole request too.
# Cleared after each request.
_prefetched: ContextVar[list | None] = ContextVar("accounts_prefetched", default=None)


def _early_keys(user_id: str, bank_id: str, account_id: str, view_id: str | None) -> list:
    """The account, the user's access to VIEW_ID (the owner view's without one: the core account
    goes through it) and, for a custom VIEW_ID, its record."""
    view = view_id or OWNER_VIEW
    return [account_store.account_key(bank_id, account_id), access_key(user_id, bank_id, account_id, view),
            *([custom_view_key(bank_id, account_id, view)] if view_service.is_custom_view_id(view) else [])]


def early_account_read(bank_id: str, account_id: str, view_id: str | None) -> Callable[[str], dict] | None:
    """The routing's read of the path's account, keyed by the caller's user, to send with the
    credential's reads (auth.resolve_with's `by_user`); None when an id is malformed (its own check
    answers then, in its turn)."""
    if not (is_valid_id(bank_id, 254) and is_valid_id(account_id) and (view_id is None or is_valid_id(view_id, 255))):
        return None
    return lambda user_id: get_many(_early_keys(user_id, bank_id, account_id, view_id))


def prefetch_account(caller: Caller, bank_id: str, account_id: str, view_id: str | None = None, *,
                     check_view: bool = False, records: dict | None = None) -> None:
    """The routing's early checks: the account exists (404 OBP-30018) and, when `check_view`, the
    caller may use VIEW_ID (views.require_view). The account and the caller's access to the view
    (one batch: `records` when early_account_read's read went out with the credential's) serve the
    endpoint's own reads. Without VIEW_ID in the path, the access read is the owner view's, which
    the core account (/my/banks/BANK_ID/accounts/ACCOUNT_ID/account) goes through: one more item in
    the same batch, not one more round trip."""
    require_bank(bank_id)
    check_account_id(account_id)
    keys = _early_keys(caller.user_id, bank_id, account_id, view_id)
    if records is None:
        records = get_many(keys)
    _prefetched.set([records, frozenset(keys) - set(records)])
    account = records.get(keys[0])
    if not isinstance(account, account_store.AccountRecord):
        raise ApiError("OBP-30018", f"Current BankId is {bank_id} and Current AccountId is {account_id}")
    if check_view and view_id is not None:
        custom = records.get(keys[2]) if len(keys) > 2 else None
        view_service.require_view(caller, bank_id, account_id, view_id, held=keys[1] in records, record=custom)


def forget_prefetched() -> None:
    _prefetched.set(None)


def _read(keys: list) -> dict:
    """get_many, less what the routing already read in this request (used once)."""
    holder = _prefetched.get()
    if not holder:
        return get_many(keys)
    records, absent = holder
    holder.clear()
    known = {k: records[k] for k in keys if k in records}
    missing = [k for k in keys if k not in known and k not in absent]
    return known | (get_many(missing) if missing else {})


def load_account(caller: Caller, bank_id: str, account_id: str, view_id: str, *, extra_keys=()):
    """The account (404 OBP-30018) and whether the caller's user holds VIEW_ID on it: account,
    access record, the custom view's record (a custom VIEW_ID) and any `extra_keys` in one batch
    read after the bank check. Returns (account, holds_view, records)."""
    require_bank(bank_id)
    check_account_id(account_id)
    account_k = account_store.account_key(bank_id, account_id)
    access_k = access_key(caller.user_id, bank_id, account_id, view_id)
    view_k = [custom_view_key(bank_id, account_id, view_id)] if view_service.is_custom_view_id(view_id) else []
    records = _read([account_k, access_k, *view_k, *extra_keys])
    account = records.get(account_k)
    if not isinstance(account, account_store.AccountRecord):
        raise ApiError("OBP-30018", f"Current BankId is {bank_id} and Current AccountId is {account_id}")
    return account, access_k in records, records


def open_account(caller: Caller, bank_id: str, account_id: str, view_id: str):
    """The account and the view the caller reaches it through (views.require_view decides)."""
    account, holds_view, records = load_account(caller, bank_id, account_id, view_id)
    custom = records.get(custom_view_key(bank_id, account_id, view_id)) if view_service.is_custom_view_id(view_id) else None
    return account, view_service.require_view(caller, bank_id, account_id, view_id, held=holds_view, record=custom)


def require_account(bank_id: str, account_id: str):
    require_bank(bank_id)
    account = _read([account_store.account_key(bank_id, account_id)]).get(account_store.account_key(bank_id, account_id))
    if account is None:
        raise ApiError("OBP-30018", f"Current BankId is {bank_id} and Current AccountId is {account_id}")
    return account


def account_through_view(caller: Caller, bank_id: str, account_id: str, view_id: str):
    """GET .../ACCOUNT_ID/VIEW_ID/account: the account, the view, and every view the caller may use
    on it (the account's batch and the views' Query sent together)."""
    (account, view), usable = together(lambda: open_account(caller, bank_id, account_id, view_id),
                                       lambda: view_service.usable_views_on_account(caller, bank_id, account_id))
    return account, view, usable


@dataclass(frozen=True)
class AccountWithViews:
    account: object
    views: list


def accounts_at_bank(caller: Caller, bank_id: str) -> list[AccountWithViews]:
    """The accounts at a bank the caller reaches through at least one view (consent-limited)."""
    require_bank(bank_id)
    by_account = view_service.usable_views_at_bank(caller, bank_id)
    found = account_store.get_accounts([(bank_id, a) for a in by_account])
    return [
        AccountWithViews(found[(bank_id, a)], views)
        for a, views in sorted(by_account.items()) if (bank_id, a) in found
    ]


def accounts_held(caller: Caller, bank_id: str) -> list:
    """Accounts the user holds, even before any view is assigned (OBP getAccountsHeld); under a
    consent only the accounts the consent names."""
    require_bank(bank_id)
    account_ids = account_store.held_account_ids(caller.user_id, bank_id)
    if caller.views is not None:
        allowed = {a for b, a, _ in caller.views if b == bank_id}
        account_ids = [a for a in account_ids if a in allowed]
    found = account_store.get_accounts([(bank_id, a) for a in account_ids])
    return [found[(bank_id, a)] for a in sorted(account_ids) if (bank_id, a) in found]


OBP_ROUTING_SCHEME = "OBP"  # OBP's own scheme: the address is the ACCOUNT_ID


def account_by_routing(bank_id: str, scheme: str, address: str):
    """The account at the bank an account routing names (scheme OBP: the account id itself),
    looked up in the routing's canonical form (any spelling of an IBAN finds the one account that
    holds it; an invalid IBAN is 400 OBP-10033); 404 OBP-30018 when none does."""
    canonical_scheme, canonical_address = routing_rules.canonical(scheme, address)
    if canonical_scheme == OBP_ROUTING_SCHEME:
        account_id = canonical_address
    else:
        account_id = account_store.account_id_by_routing(bank_id, canonical_scheme, canonical_address)
    account = account_store.get_account(bank_id, account_id) if account_id and is_valid_id(account_id) else None
    if account is None:
        raise ApiError("OBP-30018", f"Current BANK_ID({bank_id}) and account routing {scheme}:{address}")
    return account


# --- what a view shows of an account ---------------------------------------------------------------

def account_number(account) -> str:
    """The account's number: its AccountNumber routing ("" without one)."""
    return next((r.address for r in account.routings if r.scheme.lower() == "accountnumber"), "")


@dataclass(frozen=True)
class ModeratedAccount:
    """OBP's ModeratedBankAccount: the account as one view may see it (None, or empty, where it
    may not)."""

    account_id: str
    bank_id: str
    label: str | None
    number: str | None
    holders: list  # AccountHolderMap records; [] unless can_see_bank_account_owners
    account_type: str | None  # the product code
    currency: str | None
    balance: Decimal | None
    iban: str | None
    routing_scheme: str | None  # the first routing (v1.2.1 / v2.0.0 shapes)
    routing_address: str | None
    routings: list  # every routing, when both scheme and address may be seen
    bank_name: str | None
    attributes: list


def moderate(account, view) -> ModeratedAccount:
    """View.moderateAccount: a view without can_see_transaction_this_bank_account shows nothing
    (OBP-20022)."""
    sees = view.allows
    if not sees("can_see_transaction_this_bank_account"):
        raise ApiError("OBP-20022", f"You need the `can_see_transaction_this_bank_account` permission on the "
                                    f"view({view.view_id})", status=400)
    first = account.routings[0] if account.routings else None
    return ModeratedAccount(
        account_id=account.account_id, bank_id=account.bank_id,
        label=account.label if sees("can_see_bank_account_label") else None,
        number=account_number(account) if sees("can_see_bank_account_number") else None,
        holders=list(account.holders) if sees("can_see_bank_account_owners") else [],
        account_type=account.product_code if sees("can_see_bank_account_type") else None,
        currency=account.currency if sees("can_see_bank_account_currency") else None,
        balance=account.balance if sees("can_see_bank_account_balance") else None,
        iban=next((r.address for r in account.routings if r.scheme.upper() == "IBAN"), None)
        if sees("can_see_bank_account_iban") else None,
        routing_scheme=first.scheme if first and sees("can_see_bank_account_routing_scheme") else None,
        routing_address=first.address if first and sees("can_see_bank_account_routing_address") else None,
        routings=list(account.routings) if sees("can_see_bank_account_routing_scheme")
        and sees("can_see_bank_account_routing_address") else [],
        bank_name=require_bank(account.bank_id).full_name if sees("can_see_bank_account_bank_name") else None,
        attributes=list(account.attributes),
    )


def moderated_through_view(caller: Caller, bank_id: str, account_id: str, view_id: str):
    """GET .../ACCOUNT_ID/VIEW_ID/account (v1.2.1 to v3.1.0): what the view shows, and every view
    the caller may use on the account."""
    account, view, views = account_through_view(caller, bank_id, account_id, view_id)
    return moderate(account, view), views


def core_account(caller: Caller, bank_id: str, account_id: str):
    """GET /my/banks/BANK_ID/accounts/ACCOUNT_ID/account: the account through the owner view
    (400 OBP-20019 without it), and every view the caller may use on it."""
    account, holds_owner, _ = load_account(caller, bank_id, account_id, OWNER_VIEW)
    view = view_service.usable_view(caller, bank_id, account_id, OWNER_VIEW, held=holds_owner)
    if view is None:
        raise ApiError("OBP-20019", f"userId : {caller.user_id}. bankId : {bank_id}. accountId : {account_id}",
                       status=400)
    return moderate(account, view), view_service.usable_views_on_account(caller, bank_id, account_id)


def my_accounts(caller: Caller) -> list[AccountWithViews]:
    """The accounts at every bank the caller reaches through at least one view (one Query for the
    views, one BatchGetItem for the accounts), ordered by bank and account."""
    by_account: dict[tuple[str, str], list] = {}
    for access in access_store.list_user_access(caller.user_id):
        view = view_service.usable_view(caller, access.bank_id, access.account_id, access.view_id, held=True)
        if view is not None:
            by_account.setdefault((access.bank_id, access.account_id), []).append(view)
    found = account_store.get_accounts(list(by_account))
    return [AccountWithViews(found[key], views) for key, views in sorted(by_account.items()) if key in found]


_FILTER_OPERATIONS = ("INCLUDE", "EXCLUDE")


def filter_by_account_type(accounts: list[AccountWithViews], query: dict) -> list[AccountWithViews]:
    """OBP's account_type_filter (product codes, comma separated) with account_type_filter_operation
    INCLUDE (the default) or EXCLUDE; 400 OBP-10016 for another operation."""
    wanted = [code for code in query.get("account_type_filter", "").split(",") if code]
    operation = query.get("account_type_filter_operation", "INCLUDE")
    if operation not in _FILTER_OPERATIONS:
        raise ApiError("OBP-10016", "request parameter account_type_filter_operation must be either INCLUDE or "
                                    f"EXCLUDE, current it is: {operation} ", status=400)
    if not wanted:
        return accounts
    keep = operation == "INCLUDE"
    return [a for a in accounts if (a.account.product_code in wanted) == keep]


def update_label(caller: Caller, bank_id: str, account_id: str, read_label: Callable[[], str]) -> None:
    """POST /banks/BANK_ID/accounts/ACCOUNT_ID: any view the caller may use on the account must
    allow can_update_bank_account_label (OBP-20022). The customer-link projections of the account
    change with it."""
    require_bank(bank_id)
    label = read_label()
    account = require_account(bank_id, account_id)
    if not any(v.allows("can_update_bank_account_label")
               for v in view_service.usable_views_on_account(caller, bank_id, account_id)):
        raise ApiError("OBP-20022", "You need the `can_update_bank_account_label` permission on any your views",
                       status=400)
    account_store.update_label(account, label, customer_store.account_links(bank_id, account_id))


def views_of_account(caller: Caller, bank_id: str, account_id: str) -> list:
    """GET /banks/BANK_ID/accounts/ACCOUNT_ID/views: OBP's availableViewsForAccount (the account's
    custom views, then every system view), for a caller with a view allowing
    can_see_available_views_for_bank_account on it (OBP-20022)."""
    require_account(bank_id, account_id)
    if not any(v.allows("can_see_available_views_for_bank_account")
               for v in view_service.usable_views_on_account(caller, bank_id, account_id)):
        raise ApiError("OBP-20022", "You need the `can_see_available_views_for_bank_account` permission on any your "
                                    "views", status=400)
    custom = [view_service.custom_view(r) for r in access_store.list_custom_views(bank_id, account_id)]
    return custom + [view_service.system_view(v) for v in view_service.SYSTEM_VIEW_IDS]
