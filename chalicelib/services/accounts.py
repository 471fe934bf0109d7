"""Accounts: creation (OBP createAccount v3.1.0 and v5.0.0 rules) and the reads users expect, each
reaching an account only through a view the caller may use."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Callable

from chalicelib.errors import ApiError
from chalicelib.services import routings as routing_rules
from chalicelib.services import views as view_service
from chalicelib.services.access import Caller, missing_roles_error
from chalicelib.services.banks import require_bank
from chalicelib.services.money import is_iso_currency, parse_plain_number
from chalicelib.services.validation import check_account_id, is_valid_id
from chalicelib.store import accounts as account_store
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


def create_account(caller: Caller, bank_id: str, account_id: str, read_body: Callable[[], NewAccount], *,
                   every_call_needs_role: bool):
    """PUT /banks/BANK_ID/accounts/ACCOUNT_ID. v5.0.0 demands CanCreateAccount on every call
    (`every_call_needs_role`); v3.1.0 only when creating for another user. The body is read
    (`read_body`, OBP-10001) after the role and ACCOUNT_ID checks, in OBP's order."""
    require_bank(bank_id)
    if every_call_needs_role and not caller.has_role("CanCreateAccount", bank_id):
        raise missing_roles_error(["CanCreateAccount"], bank_id)
    _must_be_new(bank_id, account_id)
    new = read_body()
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

def load_account(caller: Caller, bank_id: str, account_id: str, view_id: str, *, extra_keys=()):
    """The account (404 OBP-30018) and whether the caller's user holds VIEW_ID on it: account,
    access record, the custom view's record (a custom VIEW_ID) and any `extra_keys` in one batch
    read after the bank check. Returns (account, holds_view, records)."""
    require_bank(bank_id)
    check_account_id(account_id)
    account_k = account_store.account_key(bank_id, account_id)
    access_k = access_key(caller.user_id, bank_id, account_id, view_id)
    view_k = [custom_view_key(bank_id, account_id, view_id)] if view_service.is_custom_view_id(view_id) else []
    records = get_many([account_k, access_k, *view_k, *extra_keys])
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
    account = account_store.get_account(bank_id, account_id)
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
