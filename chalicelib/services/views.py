"""Views: OBP's system views with their permissions, and the one rule that decides whether a
caller may use a view on an account.

Permission sets follow OBP (reference §8, code.api.Constant): owner and standard hold every
transaction and metadata permission and may grant and revoke every system view; auditor is read
only (every can_see_*, nothing added or deleted); accountant, firehose and StageOne hold OBP's
common set; ManageCustomViews manages custom views; the UK Open Banking and Berlin Group views
hold the narrow sets their names describe. Custom views (ids starting with "_") belong to one
account; VRP consents create them (services/vrp.py), nothing here grants them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.errors import ApiError
from chalicelib.services.access import Caller
from chalicelib.store import access as access_store

# The boolean permissions of ViewJsonV300, in OBP's order.
VIEW_JSON_PERMISSIONS = (
    "can_add_comment can_add_corporate_location can_add_image can_add_image_url can_add_more_info "
    "can_add_open_corporates_url can_add_physical_location can_add_private_alias can_add_public_alias can_add_tag "
    "can_add_url can_add_where_tag can_delete_comment can_add_counterparty can_delete_corporate_location "
    "can_delete_image can_delete_physical_location can_delete_tag can_delete_where_tag can_edit_owner_comment "
    "can_see_bank_account_balance can_query_available_funds can_see_bank_account_bank_name "
    "can_see_bank_account_currency can_see_bank_account_iban can_see_bank_account_label "
    "can_see_bank_account_national_identifier can_see_bank_account_number can_see_bank_account_owners "
    "can_see_bank_account_swift_bic can_see_bank_account_type can_see_comments can_see_corporate_location "
    "can_see_image_url can_see_images can_see_more_info can_see_open_corporates_url can_see_other_account_bank_name "
    "can_see_other_account_iban can_see_other_account_kind can_see_other_account_metadata "
    "can_see_other_account_national_identifier can_see_other_account_number can_see_other_account_swift_bic "
    "can_see_owner_comment can_see_physical_location can_see_private_alias can_see_public_alias can_see_tags "
    "can_see_transaction_amount can_see_transaction_balance can_see_transaction_currency "
    "can_see_transaction_description can_see_transaction_finish_date can_see_transaction_metadata "
    "can_see_transaction_other_bank_account can_see_transaction_start_date can_see_transaction_this_bank_account "
    "can_see_transaction_type can_see_url can_see_where_tag can_see_bank_routing_scheme can_see_bank_routing_address "
    "can_see_bank_account_routing_scheme can_see_bank_account_routing_address can_see_other_bank_routing_scheme "
    "can_see_other_bank_routing_address can_see_other_account_routing_scheme can_see_other_account_routing_address "
    "can_add_transaction_request_to_own_account can_add_transaction_request_to_any_account "
    "can_see_bank_account_credit_limit can_create_direct_debit can_create_standing_order"
).split()

# Permissions OBP keeps outside ViewJsonV300 but checks.
_EXTRA = (
    "can_add_transaction_request_to_beneficiary can_see_transaction_requests can_see_transaction_request_types "
    "can_see_available_views_for_bank_account can_update_bank_account_label can_see_transaction_status "
    "can_see_bank_account_bank_permalink can_get_counterparty can_delete_counterparty "
    "can_see_views_with_permissions_for_one_user can_see_views_with_permissions_for_all_users "
    "can_grant_access_to_custom_views can_revoke_access_to_custom_views can_create_custom_view "
    "can_delete_custom_view can_update_custom_view can_get_custom_view"
).split()

ALL_PERMISSIONS = frozenset(VIEW_JSON_PERMISSIONS) | frozenset(_EXTRA)

_COMMON = frozenset(p for p in ALL_PERMISSIONS if p.startswith(("can_see_", "can_add_", "can_delete_", "can_edit_", "can_get_"))) - {
    "can_see_transaction_description", "can_see_transaction_requests", "can_see_transaction_request_types",
    "can_see_available_views_for_bank_account", "can_see_views_with_permissions_for_one_user",
    "can_see_views_with_permissions_for_all_users", "can_add_transaction_request_to_any_account",
    "can_add_transaction_request_to_beneficiary", "can_see_bank_account_credit_limit", "can_delete_custom_view",
    "can_get_custom_view",
}
_OWNER_ADMIN = frozenset(
    "can_see_available_views_for_bank_account can_see_transaction_requests can_see_transaction_request_types "
    "can_update_bank_account_label can_see_views_with_permissions_for_one_user "
    "can_see_views_with_permissions_for_all_users can_see_transaction_description "
    "can_add_transaction_request_to_any_account can_add_transaction_request_to_beneficiary "
    "can_query_available_funds can_see_bank_account_credit_limit can_create_direct_debit can_create_standing_order".split()
)
# Every can_see_* of the account and its transactions; not the owner's administrative ones.
_READ_ONLY = (frozenset(p for p in ALL_PERMISSIONS if p.startswith("can_see_")) - _OWNER_ADMIN) | {
    "can_see_transaction_description", "can_query_available_funds", "can_get_counterparty",
}
_MANAGER = frozenset(
    "can_grant_access_to_custom_views can_revoke_access_to_custom_views can_create_custom_view "
    "can_delete_custom_view can_update_custom_view can_get_custom_view".split()
)
_ACCOUNTS_BASIC = frozenset({"can_see_bank_account_label", "can_see_bank_account_currency", "can_see_bank_account_type"})
_ACCOUNTS_DETAIL = _ACCOUNTS_BASIC | {
    "can_see_bank_account_number", "can_see_bank_account_iban", "can_see_bank_account_owners",
    "can_see_bank_account_routing_scheme", "can_see_bank_account_routing_address",
}
_BALANCES = frozenset({"can_see_bank_account_balance", "can_see_bank_account_currency"})
_TRANSACTIONS_BASIC = frozenset({
    "can_see_transaction_amount", "can_see_transaction_currency", "can_see_transaction_type",
    "can_see_transaction_start_date", "can_see_transaction_finish_date", "can_see_transaction_status",
    "can_see_transaction_this_bank_account",
})
_TRANSACTIONS_DETAIL = _TRANSACTIONS_BASIC | {
    "can_see_transaction_description", "can_see_transaction_balance", "can_see_transaction_other_bank_account",
    "can_see_other_account_number", "can_see_other_account_iban", "can_see_other_account_bank_name",
}
_INITIATE_PAYMENTS = frozenset({"can_add_transaction_request_to_any_account", "can_add_transaction_request_to_beneficiary"})

SYSTEM_VIEW_IDS = (
    "owner", "auditor", "accountant", "firehose", "standard", "StageOne", "ManageCustomViews",
    "ReadAccountsBasic", "ReadAccountsDetail", "ReadBalances", "ReadTransactionsBasic", "ReadTransactionsDebits",
    "ReadTransactionsDetail", "ReadAccountsBerlinGroup", "ReadBalancesBerlinGroup", "ReadTransactionsBerlinGroup",
    "InitiatePaymentsBerlinGroup",
)


@dataclass(frozen=True)
class View:
    view_id: str
    short_name: str
    description: str
    permissions: frozenset[str]
    can_grant_access_to_views: tuple[str, ...] = ()
    can_revoke_access_to_views: tuple[str, ...] = ()
    is_firehose: bool = False
    is_system: bool = True
    is_public: bool = False
    alias: str = ""
    hide_metadata_if_alias_used: bool = False
    extra: dict = field(default_factory=dict)

    def allows(self, permission: str) -> bool:
        return permission in self.permissions

    def may_grant(self, target_view_id: str) -> bool:
        if is_custom_view_id(target_view_id):
            return self.allows("can_grant_access_to_custom_views")
        return target_view_id in self.can_grant_access_to_views

    def may_revoke(self, target_view_id: str) -> bool:
        if is_custom_view_id(target_view_id):
            return self.allows("can_revoke_access_to_custom_views")
        return target_view_id in self.can_revoke_access_to_views


def _system(view_id: str, permissions: frozenset[str], description: str, *, admin: bool = False, **kw) -> View:
    return View(
        view_id=view_id, short_name=view_id[:1].upper() + view_id[1:], description=description,
        permissions=frozenset(permissions),
        can_grant_access_to_views=SYSTEM_VIEW_IDS if admin else (),
        can_revoke_access_to_views=SYSTEM_VIEW_IDS if admin else (), **kw,
    )


_SYSTEM_VIEWS = {v.view_id: v for v in (
    _system("owner", _COMMON | _OWNER_ADMIN, "The account holder's own view: everything.", admin=True),
    _system("standard", _COMMON | _OWNER_ADMIN, "Full access, as the owner view.", admin=True),
    _system("auditor", _READ_ONLY, "Read only: sees the account and its transactions, changes nothing."),
    _system("accountant", _COMMON, "OBP's common permissions."),
    _system("firehose", _COMMON, "OBP's common permissions, for firehose access.", is_firehose=True),
    _system("StageOne", _COMMON, "OBP's common permissions."),
    _system("ManageCustomViews", _MANAGER, "Manages custom views and access to them."),
    _system("ReadAccountsBasic", _ACCOUNTS_BASIC, "UK Open Banking: basic account information."),
    _system("ReadAccountsDetail", _ACCOUNTS_DETAIL, "UK Open Banking: detailed account information."),
    _system("ReadBalances", _BALANCES, "UK Open Banking: balances."),
    _system("ReadTransactionsBasic", _TRANSACTIONS_BASIC, "UK Open Banking: basic transaction information."),
    _system("ReadTransactionsDebits", _TRANSACTIONS_BASIC, "UK Open Banking: debit transactions."),
    _system("ReadTransactionsDetail", _TRANSACTIONS_DETAIL, "UK Open Banking: detailed transaction information."),
    _system("ReadAccountsBerlinGroup", _ACCOUNTS_DETAIL | _BALANCES, "Berlin Group: accounts."),
    _system("ReadBalancesBerlinGroup", _BALANCES | {"can_see_bank_account_label", "can_see_bank_account_routing_address"},
            "Berlin Group: balances."),
    _system("ReadTransactionsBerlinGroup", _TRANSACTIONS_DETAIL | _BALANCES | {"can_see_bank_account_label"},
            "Berlin Group: transactions."),
    _system("InitiatePaymentsBerlinGroup", _INITIATE_PAYMENTS, "Berlin Group: payment initiation."),
)}


def is_custom_view_id(view_id: str) -> bool:
    """OBP: custom view ids start with "_", system view ids never do."""
    return view_id.startswith("_")


def system_view(view_id: str) -> View | None:
    return _SYSTEM_VIEWS.get(view_id)


def custom_view(record) -> View:
    return View(view_id=record.view_id, short_name=record.name, description=record.description,
                permissions=frozenset(record.permissions), is_system=False)


_UNREAD = object()


def view_on_account(bank_id: str, account_id: str, view_id: str, *, record=_UNREAD) -> View | None:
    """A system view, or the account's custom view of that id (one read, custom views only, unless
    its `record`, or None for none, was read with the account)."""
    if not is_custom_view_id(view_id):
        return system_view(view_id)
    if record is _UNREAD:
        record = access_store.get_custom_view(bank_id, account_id, view_id)
    return custom_view(record) if record is not None else None


def find_view(view_id: str, *, as_system: bool | None = None) -> View:
    """A view by id: OBP-30252 for an unknown system view, OBP-30005 for a custom one (none exist)."""
    system = not is_custom_view_id(view_id) if as_system is None else as_system
    view = system_view(view_id) if system else None
    if view is None:
        raise ApiError("OBP-30252" if system else "OBP-30005", f"Current VIEW_ID({view_id})", status=400)
    return view


# --- the view-access rule ---------------------------------------------------------------------

def consent_allows(caller: Caller, bank_id: str, account_id: str, view_id: str) -> bool:
    """Under a consent the caller may use only the views it lists, whatever else the user holds."""
    return caller.views is None or (bank_id, account_id, view_id) in caller.views


def usable_view(caller: Caller, bank_id: str, account_id: str, view_id: str, *, held: bool | None = None,
                view: View | None = None) -> View | None:
    """THE rule: the view exists, the caller's user holds it on this account, and a consent (if
    any) lists it. `held` (and `view`) may be passed when already read."""
    view = view or view_on_account(bank_id, account_id, view_id)
    if view is None or caller.user is None or not consent_allows(caller, bank_id, account_id, view_id):
        return None
    if held is None:
        held = access_store.get_access(caller.user_id, bank_id, account_id, view_id) is not None
    return view if held else None


def require_view(caller: Caller, bank_id: str, account_id: str, view_id: str, *, held: bool | None = None,
                 record=_UNREAD) -> View:
    """The view the request goes through: OBP-30005 for an unknown VIEW_ID, 403 OBP-20017 when the
    caller may not use it. `record`: the custom view's record when already read (None: none)."""
    view = view_on_account(bank_id, account_id, view_id, record=record)
    if view is None:
        raise ApiError("OBP-30005", f"Current VIEW_ID({view_id})", status=400)
    view = usable_view(caller, bank_id, account_id, view_id, held=held, view=view)
    if view is None:
        raise ApiError("OBP-20017", f"Current VIEW_ID({view_id})")
    return view


def usable_views_on_account(caller: Caller, bank_id: str, account_id: str) -> list[View]:
    """Every view the caller may use on one account (one Query)."""
    held = access_store.list_user_account_views(caller.user_id, bank_id, account_id)
    views = [usable_view(caller, bank_id, account_id, a.view_id, held=True) for a in held]
    return [v for v in views if v is not None]


def usable_views_at_bank(caller: Caller, bank_id: str, *, accesses: list | None = None) -> dict[str, list[View]]:
    """account_id -> the views the caller may use on it, for every account at the bank (one Query,
    none when the caller's access records at the bank were read already: `accesses`)."""
    out: dict[str, list[View]] = {}
    held = access_store.list_user_access(caller.user_id, bank_id) if accesses is None else accesses
    for access in held:
        view = usable_view(caller, bank_id, access.account_id, access.view_id, held=True)
        if view is not None:
            out.setdefault(access.account_id, []).append(view)
    return out


def require_permission(view: View, permission: str, *, code: str = "OBP-30022", shown: str | None = None,
                       status: int | None = None) -> None:
    """OBP-30022 (or `code`) naming the missing permission (`shown` when OBP names another)."""
    if not view.allows(permission):
        raise ApiError(code, f" {shown or permission}. Current ViewId({view.view_id})", status=status)
