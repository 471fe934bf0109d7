"""Accounts and views: request models and response renderers (OBP's JSON names)."""
from __future__ import annotations

from typing import Optional

from pydantic import StrictBool

from chalicelib.schemas.common import ObpModel
from chalicelib.services.money import render
from chalicelib.services.views import VIEW_JSON_PERMISSIONS, View
from chalicelib.settings import get_settings


class AmountJson(ObpModel):
    currency: str
    amount: str


class AccountRoutingJson(ObpModel):
    scheme: str
    address: str


class CreateAccountRequestJsonV310(ObpModel):
    obp_name = "CreateAccountRequestJsonV310"
    user_id: str
    label: str
    product_code: str
    balance: AmountJson
    branch_id: str
    account_routings: list[AccountRoutingJson]


class CreateAccountRequestJsonV500(ObpModel):
    obp_name = "CreateAccountRequestJsonV500"
    user_id: Optional[str] = None
    label: str
    product_code: str
    balance: Optional[AmountJson] = None
    branch_id: Optional[str] = None
    account_routings: Optional[list[AccountRoutingJson]] = None


class PostViewJsonV400(ObpModel):
    view_id: str
    is_system: StrictBool


class PostAccountAccessJsonV400(ObpModel):
    obp_name = "PostAccountAccessJsonV400"
    user_id: str
    view: PostViewJsonV400


class PostAccountAccessJsonV510(ObpModel):
    obp_name = "PostAccountAccessJsonV510"
    user_id: str
    view_id: str


# --- views --------------------------------------------------------------------------------------

def view_json(view: View) -> dict:
    """ViewJsonV300."""
    out = {
        "id": view.view_id, "short_name": view.short_name, "description": view.description,
        "metadata_view": view.view_id, "is_public": view.is_public, "is_system": view.is_system,
        "is_firehose": view.is_firehose, "alias": view.alias,
        "hide_metadata_if_alias_used": view.hide_metadata_if_alias_used,
    }
    out.update({name: view.allows(name) for name in VIEW_JSON_PERMISSIONS})
    return out


def view_json_v500(view: View) -> dict:
    """ViewJsonV500: ViewJsonV300 and the views this one may grant and revoke access to."""
    return {**view_json(view), "can_grant_access_to_views": list(view.can_grant_access_to_views),
            "can_revoke_access_to_views": list(view.can_revoke_access_to_views)}


def view_json_v121(view: View) -> dict:
    """ViewJSONV121, the shape of an account's views_available."""
    v300 = view_json(view)
    out = {k: v300[k] for k in ("id", "short_name", "description", "is_public", "alias", "hide_metadata_if_alias_used")}
    out.update({name: v300[name] for name in VIEW_JSON_PERMISSIONS if name in V121_PERMISSIONS})
    return out


V121_PERMISSIONS = frozenset(VIEW_JSON_PERMISSIONS) - frozenset(
    "can_add_counterparty can_query_available_funds can_see_bank_routing_scheme can_see_bank_routing_address "
    "can_see_bank_account_routing_scheme can_see_bank_account_routing_address can_see_other_bank_routing_scheme "
    "can_see_other_bank_routing_address can_see_other_account_routing_scheme can_see_other_account_routing_address "
    "can_add_transaction_request_to_own_account can_add_transaction_request_to_any_account "
    "can_see_bank_account_credit_limit can_create_direct_debit can_create_standing_order".split()
)


def basic_view_json(view: View) -> dict:
    return {"id": view.view_id, "short_name": view.short_name, "is_public": view.is_public}


# --- accounts -----------------------------------------------------------------------------------

def routings_json(account) -> list[dict]:
    return [{"scheme": r.scheme, "address": r.address} for r in account.routings]


def account_attribute_json(attribute) -> dict:
    out = {
        "product_code": attribute.product_code, "account_attribute_id": attribute.account_attribute_id,
        "name": attribute.name, "type": attribute.attribute_type, "value": attribute.value,
    }
    if attribute.product_instance_code is not None:
        out["product_instance_code"] = attribute.product_instance_code
    return out


def create_account_response_json(account) -> dict:
    """CreateAccountResponseJsonV310."""
    return {
        "account_id": account.account_id,
        "user_id": account.holders[0].user_id if account.holders else "",
        "label": account.label,
        "product_code": account.product_code,
        "balance": {"currency": account.currency, "amount": render(account.balance)},
        "branch_id": account.branch_id,
        "account_routings": routings_json(account),
        "account_attributes": [account_attribute_json(a) for a in account.attributes],
    }


def account_number(account) -> str:
    return next((r.address for r in account.routings if r.scheme.lower() == "accountnumber"), "")


def owners_json(account) -> list[dict]:
    provider = get_settings().hostname
    return [{"id": h.user_id, "provider": provider, "display_name": h.name} for h in account.holders]


def moderated_account_json_400(account, view: View, views_available: list[View]) -> dict:
    """ModeratedAccountJSON400: what the view may see of the account (None where it may not)."""
    sees = view.allows
    return {
        "id": account.account_id,
        "label": account.label if sees("can_see_bank_account_label") else None,
        "number": account_number(account) if sees("can_see_bank_account_number") else None,
        "owners": owners_json(account) if sees("can_see_bank_account_owners") else [],
        "product_code": account.product_code if sees("can_see_bank_account_type") else None,
        "balance": {
            "currency": account.currency if sees("can_see_bank_account_currency") else "",
            "amount": render(account.balance) if sees("can_see_bank_account_balance") else "",
        },
        "views_available": [view_json_v121(v) for v in views_available],
        "bank_id": account.bank_id,
        "account_routings": routings_json(account) if sees("can_see_bank_account_routing_address") else [],
        "account_attributes": [account_attribute_json(a) for a in account.attributes],
        "tags": [],
    }


def basic_accounts_json(accounts) -> dict:
    """BasicAccountsJSON: each account with the views the caller may use on it."""
    return {"accounts": [
        {
            "id": a.account.account_id, "label": a.account.label, "bank_id": a.account.bank_id,
            "views_available": [basic_view_json(v) for v in a.views],
        }
        for a in accounts
    ]}


def core_accounts_json(accounts) -> dict:
    """CoreAccountsJSON (GET /my/banks/BANK_ID/accounts)."""
    out = []
    for a in accounts:
        first = a.account.routings[0] if a.account.routings else None
        out.append({
            "id": a.account.account_id, "label": a.account.label, "bank_id": a.account.bank_id,
            "account_routing": {"scheme": first.scheme if first else "", "address": first.address if first else ""},
        })
    return {"accounts": out}


def accounts_held_json(accounts) -> dict:
    """CoreAccountsHeldJsonV300."""
    return {"accounts": [
        {
            "id": a.account_id, "label": a.label, "bank_id": a.bank_id, "number": account_number(a),
            "account_routings": routings_json(a),
        }
        for a in accounts
    ]}
