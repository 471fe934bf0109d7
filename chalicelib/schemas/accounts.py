"""Accounts and views: request models and response renderers (OBP's JSON names)."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field, StrictBool, create_model

from chalicelib.schemas.common import ObpModel
from chalicelib.services.accounts import account_number
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
    """CreateAccountResponseJsonV310 (PUT v3.1.0 and v5.0.0, POST v4.0.0)."""
    return CreateAccountResponseJsonV310(
        account_id=account.account_id,
        user_id=account.holders[0].user_id if account.holders else "",
        label=account.label,
        product_code=account.product_code,
        balance={"currency": account.currency, "amount": render(account.balance)},
        branch_id=account.branch_id,
        account_routings=routings_json(account),
        account_attributes=[account_attribute_json(a) for a in account.attributes],
    ).model_dump(mode="json", exclude_none=True)


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




def accounts_held_json(accounts) -> dict:
    """CoreAccountsHeldJsonV300."""
    return {"accounts": [
        {
            "id": a.account_id, "label": a.label, "bank_id": a.bank_id, "number": account_number(a),
            "account_routings": routings_json(a),
        }
        for a in accounts
    ]}


# --- the everyday account endpoints (issue 13): request and response models ------------------------

class UpdateAccountJSON(ObpModel):
    """POST /banks/BANK_ID/accounts/ACCOUNT_ID, v1.2.1 (OBP reads only the label)."""

    obp_name = "UpdateAccountJSON"
    id: str
    label: str
    bank_id: str


class UpdateAccountJsonV400(ObpModel):
    obp_name = "UpdateAccountJsonV400"
    label: str


class SuccessMessage(BaseModel):
    success: str


SUCCESS = SuccessMessage(success="Success").model_dump()


class AmountOfMoneyJsonV121(BaseModel):
    currency: Optional[str]
    amount: Optional[str]


class AccountRoutingJsonV121(BaseModel):
    scheme: Optional[str]
    address: Optional[str]


class UserJSONV121(BaseModel):
    id: str
    provider: str
    display_name: str


class AccountAttributeResponseJson(BaseModel):
    product_code: str
    account_attribute_id: str
    name: str
    type: str
    value: str
    product_instance_code: Optional[str] = None


class CreateAccountResponseJsonV310(BaseModel):
    account_id: str
    user_id: str
    label: str
    product_code: str
    balance: AmountOfMoneyJsonV121
    branch_id: str
    account_routings: list[AccountRoutingJsonV121]
    account_attributes: list[AccountAttributeResponseJson]


_VIEW_HEAD = {"id": (str, ...), "short_name": (str, ...), "description": (str, ...)}
_VIEW_ALIAS = {"alias": (str, ...), "hide_metadata_if_alias_used": (bool, ...)}


def _permissions(names) -> dict:
    return {name: (bool, ...) for name in VIEW_JSON_PERMISSIONS if name in names}


_V220_PERMISSIONS = V121_PERMISSIONS | {"can_add_counterparty"}
ViewJSONV121 = create_model("ViewJSONV121", **_VIEW_HEAD, is_public=(bool, ...), **_VIEW_ALIAS,
                            **_permissions(V121_PERMISSIONS))
ViewJSONV220 = create_model("ViewJSONV220", **_VIEW_HEAD, is_public=(bool, ...), **_VIEW_ALIAS,
                            **_permissions(_V220_PERMISSIONS))
ViewJsonV300 = create_model("ViewJsonV300", **_VIEW_HEAD, metadata_view=(str, ...), is_public=(bool, ...),
                            is_system=(bool, ...), is_firehose=(Optional[bool], None), **_VIEW_ALIAS,
                            **_permissions(VIEW_JSON_PERMISSIONS))
ViewJsonV500 = create_model("ViewJsonV500", __base__=ViewJsonV300, can_grant_access_to_views=(list[str], ...),
                            can_revoke_access_to_views=(list[str], ...))


class ViewsJSONV121(BaseModel):
    views: list[ViewJSONV121]


class ViewsJSONV220(BaseModel):
    views: list[ViewJSONV220]


class ViewsJsonV300(BaseModel):
    views: list[ViewJsonV300]


class ViewsJsonV500(BaseModel):
    views: list[ViewJsonV500]


def _dump(model: BaseModel) -> dict:
    """A response as OBP renders it: every field, null where the value is hidden."""
    return model.model_dump(mode="json")


def views_json(views: list[View], version: str) -> dict:
    """The views of an account: ViewsJSONV121 (1.2.1), ViewsJSONV220 (2.2.0), ViewsJsonV300
    (3.0.0) or ViewsJsonV500 (5.0.0; is_firehose omitted as OBP does)."""
    if version == "1.2.1":
        return _dump(ViewsJSONV121(views=[view_json_v121(v) for v in views]))
    if version == "2.2.0":
        return _dump(ViewsJSONV220(views=[{**view_json_v121(v), "can_add_counterparty": v.allows("can_add_counterparty")}
                                          for v in views]))
    if version == "3.0.0":
        return _dump(ViewsJsonV300(views=[view_json(v) for v in views]))
    out = ViewsJsonV500(views=[{**view_json(v), "is_firehose": None, "can_grant_access_to_views": list(v.can_grant_access_to_views),
                                "can_revoke_access_to_views": list(v.can_revoke_access_to_views)} for v in views])
    return out.model_dump(mode="json", exclude={"views": {"__all__": {"is_firehose"}}})


# Accounts lists.

class AccountJSON(BaseModel):
    id: str
    label: str
    views_available: list[ViewJSONV121]
    bank_id: str


class AccountsJSON(BaseModel):
    """GET /banks/BANK_ID/accounts/private, v1.2.1."""

    accounts: list[AccountJSON]


class BasicViewJson(BaseModel):
    id: str
    short_name: str
    is_public: bool


class BasicAccountJSON(BaseModel):
    id: str
    label: str
    bank_id: str
    views_available: list[BasicViewJson]


class BasicAccountsJSON(BaseModel):
    """GET /banks/BANK_ID/accounts/private, v2.0.0."""

    accounts: list[BasicAccountJSON]


class CoreAccountJSON(BaseModel):
    id: str
    label: str
    bank_id: str
    links: dict = Field(alias="_links")


class CoreAccountsJSON(BaseModel):
    """GET /my/accounts, v2.0.0: each account with its HAL links."""

    accounts: list[CoreAccountJSON]


class ViewBasicV300(BaseModel):
    id: str
    short_name: str
    description: str
    is_public: bool


class CoreAccountJson(BaseModel):
    id: str
    label: str
    bank_id: str
    account_type: str
    account_routings: list[AccountRoutingJsonV121]
    views: list[ViewBasicV300]


class CoreAccountsJsonV300(BaseModel):
    """GET /my/accounts and GET /banks/BANK_ID/accounts/private, v3.0.0."""

    accounts: list[CoreAccountJson]


def _routing(r) -> dict:
    return {"scheme": r.scheme, "address": r.address}


def _view_basic(v: View) -> dict:
    return {"id": v.view_id, "short_name": v.short_name, "description": v.description, "is_public": v.is_public}


def accounts_json_v121(accounts) -> dict:
    return _dump(AccountsJSON(accounts=[
        {"id": a.account.account_id, "label": a.account.label, "bank_id": a.account.bank_id,
         "views_available": [view_json_v121(v) for v in a.views]}
        for a in accounts
    ]))


def core_accounts_json_v200(accounts, bank_id: str | None = None) -> dict:
    """CoreAccountsJSON with OBP's HAL links at v2.0.0: GET /my/accounts links each account to
    itself and its detail (getCoreAccountById); GET /my/banks/BANK_ID/accounts (`bank_id`) to the
    list and to creating the account (createAccount), as OBP's apiRelations do."""
    base = f"{get_settings().hostname}/obp/v2.0.0"

    def links(account) -> dict:
        if bank_id is None:
            return {"self": {"href": f"{base}/my/accounts"},
                    "detail": {"href": f"{base}/my/banks/{account.bank_id}/accounts/{account.account_id}/account"}}
        return {"self": {"href": f"{base}/my/banks/{bank_id}/accounts"},
                "new": {"href": f"{base}/banks/{bank_id}/accounts/{account.account_id}"}}

    return CoreAccountsJSON(accounts=[
        {"id": a.account.account_id, "label": a.account.label, "bank_id": a.account.bank_id,
         "_links": links(a.account)}
        for a in accounts
    ]).model_dump(mode="json", by_alias=True)


def core_accounts_json_v300(accounts) -> dict:
    return _dump(CoreAccountsJsonV300(accounts=[
        {"id": a.account.account_id, "label": a.account.label, "bank_id": a.account.bank_id,
         "account_type": a.account.product_code, "account_routings": [_routing(r) for r in a.account.routings],
         "views": [_view_basic(v) for v in a.views]}
        for a in accounts
    ]))


# One account as a view shows it (services.accounts.ModeratedAccount).

class ModeratedAccountJSON(BaseModel):
    """GET .../ACCOUNT_ID/VIEW_ID/account, v1.2.1 and v2.0.0."""

    id: str
    label: Optional[str]
    number: Optional[str]
    owners: list[UserJSONV121]
    type: Optional[str]
    balance: AmountOfMoneyJsonV121
    IBAN: Optional[str]
    swift_bic: Optional[str]
    views_available: list[ViewJSONV121]
    bank_id: str
    account_routing: AccountRoutingJsonV121


class ModeratedCoreAccountJSON(BaseModel):
    """GET /my/banks/BANK_ID/accounts/ACCOUNT_ID/account, v2.0.0."""

    id: str
    label: Optional[str]
    number: Optional[str]
    owners: list[UserJSONV121]
    type: Optional[str]
    balance: AmountOfMoneyJsonV121
    IBAN: Optional[str]
    swift_bic: Optional[str]
    bank_id: str
    account_routing: AccountRoutingJsonV121


class AccountRuleJsonV300(BaseModel):
    scheme: str
    value: str


class ModeratedCoreAccountJsonV300(BaseModel):
    """GET .../ACCOUNT_ID/VIEW_ID/account, v3.0.0."""

    id: str
    bank_id: str
    label: Optional[str]
    number: Optional[str]
    owners: list[UserJSONV121]
    type: Optional[str]
    balance: AmountOfMoneyJsonV121
    account_routings: list[AccountRoutingJsonV121]
    account_rules: list[AccountRuleJsonV300]


class NewModeratedCoreAccountJsonV300(BaseModel):
    """GET /my/banks/BANK_ID/accounts/ACCOUNT_ID/account, v3.0.0."""

    id: str
    bank_id: str
    label: Optional[str]
    number: Optional[str]
    owners: list[UserJSONV121]
    type: Optional[str]
    balance: AmountOfMoneyJsonV121
    account_routings: list[AccountRoutingJsonV121]
    views_basic: list[ViewBasicV300]


class ModeratedAccountJSON310(BaseModel):
    """GET .../ACCOUNT_ID/VIEW_ID/account, v3.1.0."""

    id: str
    label: Optional[str]
    number: Optional[str]
    owners: list[UserJSONV121]
    type: Optional[str]
    balance: AmountOfMoneyJsonV121
    views_available: list[ViewJSONV121]
    bank_id: str
    account_routings: list[AccountRoutingJsonV121]
    account_attributes: list[AccountAttributeResponseJson]


class ModeratedCoreAccountJsonV400(BaseModel):
    """GET /my/banks/BANK_ID/accounts/ACCOUNT_ID/account, v4.0.0 (views_basic: the view ids)."""

    id: str
    bank_id: str
    label: Optional[str]
    number: Optional[str]
    product_code: Optional[str]
    balance: AmountOfMoneyJsonV121
    account_routings: list[AccountRoutingJsonV121]
    views_basic: list[str]


def _owners(moderated) -> list[dict]:
    provider = get_settings().hostname
    return [{"id": h.user_id, "provider": provider, "display_name": h.name} for h in moderated.holders]


def _balance(moderated) -> dict:
    return {"currency": moderated.currency or "", "amount": render(moderated.balance) if moderated.balance is not None else ""}


def _common(m) -> dict:
    return {"id": m.account_id, "bank_id": m.bank_id, "label": m.label, "number": m.number, "owners": _owners(m),
            "type": m.account_type, "balance": _balance(m)}


def _first_routing(m) -> dict:
    return {"scheme": m.routing_scheme, "address": m.routing_address}


def _views_by_name(views: list[View]) -> list[dict]:
    """views_available sorted by short_name, as OBP's v2.0.0 and later do."""
    return [view_json_v121(v) for v in sorted(views, key=lambda v: v.short_name)]


def moderated_account_json(m, views: list[View], version: str) -> dict:
    """GET .../ACCOUNT_ID/VIEW_ID/account before v4.0.0 (ModeratedAccountJSON for 1.2.1 and
    2.0.0, ModeratedCoreAccountJsonV300 for 3.0.0, ModeratedAccountJSON310 for 3.1.0)."""
    if version in ("1.2.1", "2.0.0"):
        listed = views if version == "1.2.1" else sorted(views, key=lambda v: v.short_name)
        return _dump(ModeratedAccountJSON(**_common(m), IBAN=m.iban, swift_bic=None,
                                          views_available=[view_json_v121(v) for v in listed],
                                          account_routing=_first_routing(m)))
    if version == "3.0.0":
        return _dump(ModeratedCoreAccountJsonV300(**_common(m), account_routings=[_routing(r) for r in m.routings],
                                                  account_rules=[]))
    return _dump(ModeratedAccountJSON310(**_common(m), views_available=_views_by_name(views),
                                         account_routings=[_routing(r) for r in m.routings],
                                         account_attributes=[account_attribute_json(a) for a in m.attributes]))


def core_account_json(m, views: list[View], version: str) -> dict:
    """GET /my/banks/BANK_ID/accounts/ACCOUNT_ID/account (2.0.0, 3.0.0, 4.0.0 shapes)."""
    if version == "2.0.0":
        return _dump(ModeratedCoreAccountJSON(**_common(m), IBAN=m.iban, swift_bic=None,
                                              account_routing=_first_routing(m)))
    if version == "3.0.0":
        return _dump(NewModeratedCoreAccountJsonV300(**_common(m), account_routings=[_routing(r) for r in m.routings],
                                                     views_basic=[_view_basic(v) for v in views]))
    return _dump(ModeratedCoreAccountJsonV400(
        id=m.account_id, bank_id=m.bank_id, label=m.label, number=m.number, product_code=m.account_type,
        balance=_balance(m), account_routings=[_routing(r) for r in m.routings],
        views_basic=[v.view_id for v in views]))
