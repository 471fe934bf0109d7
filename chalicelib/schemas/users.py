"""Users, consumers, banks and entitlements: request models and response renderers."""
from __future__ import annotations

from typing import Optional

from pydantic import Field

from chalicelib.schemas.common import ObpModel, obp_date


class CreateUserJson(ObpModel):
    obp_name = "CreateUserJson"
    email: str
    username: str
    password: str
    first_name: str
    last_name: str


class CreateEntitlementJSON(ObpModel):
    obp_name = "CreateEntitlementJSON"
    bank_id: str
    role_name: str


class ConsumerPostJSON(ObpModel):
    obp_name = "ConsumerPostJSON"
    app_name: str
    app_type: str
    description: str
    developer_email: str
    redirect_url: str
    enabled: bool = True
    created_by_user_id: Optional[str] = None
    company: Optional[str] = None
    client_certificate: Optional[str] = Field(default=None, alias="clientCertificate")


class ConsumerEnabledJson(ObpModel):
    obp_name = "PutEnabledJSON"
    enabled: bool


class BankRoutingJson(ObpModel):
    scheme: str
    address: str


class PostBankJson500(ObpModel):
    obp_name = "PostBankJson500"
    id: Optional[str] = None
    bank_code: str
    full_name: Optional[str] = None
    logo: Optional[str] = None
    website: Optional[str] = None
    bank_routings: Optional[list[BankRoutingJson]] = None


class BankRoutingJsonV121(ObpModel):
    scheme: str
    address: str


class BankJSONV220(ObpModel):
    """POST /banks, v2.2.0 (OBP clients still call it under /obp/v3.1.0/banks); also the response."""

    obp_name = "BankJSONV220"
    id: str
    full_name: str
    short_name: str
    logo_url: str
    website_url: str
    swift_bic: str
    national_identifier: str
    bank_routing: BankRoutingJsonV121


class BankJson400(ObpModel):
    obp_name = "BankJson400"
    id: str
    short_name: str
    full_name: str
    logo: str
    website: str
    bank_routings: list[BankRoutingJson]


# --- responses --------------------------------------------------------------------------------

def entitlement_json(grant, with_user_id: str | None = None) -> dict:
    out = {"entitlement_id": grant.entitlement_id, "role_name": grant.role_name, "bank_id": grant.bank_id}
    if with_user_id is not None:
        out["user_id"] = with_user_id
    return out


def entitlements_json(grants, with_user_id: str | None = None) -> dict:
    return {"list": [entitlement_json(g, with_user_id) for g in grants]}


def user_json(user, grants, views: list[dict] | None = None) -> dict:
    """UserJsonV200 (views=None) or UserJsonV300 (with the user's account views)."""
    out = {
        "user_id": user.user_id,
        "email": user.email,
        "provider_id": user.provider_id,
        "provider": user.provider,
        "username": user.username,
        "entitlements": entitlements_json(grants),
    }
    if views is not None:
        out["views"] = {"list": views}
    return out


def user_json_v400(user, grants, views: list[dict], locked: bool) -> dict:
    return {**user_json(user, grants, views), "is_deleted": bool(user.is_deleted), "is_locked": locked}


def resource_user_json(user) -> dict:
    return {
        "user_id": user.user_id,
        "email": user.email,
        "provider_id": user.provider_id,
        "provider": user.provider,
        "username": user.username,
    }


def consumer_json(consumer, created_by, key: str | None = None, secret: str | None = None) -> dict:
    """ConsumerJson; key and secret are shown only in the response that creates them."""
    out = {
        "consumer_id": consumer.consumer_id,
        "app_name": consumer.app_name,
        "app_type": consumer.app_type,
        "description": consumer.description,
        "developer_email": consumer.developer_email,
        "redirect_url": consumer.redirect_url,
        "created_by_user_id": consumer.created_by_user_id,
        "created_by_user": resource_user_json(created_by) if created_by is not None else None,
        "enabled": consumer.enabled,
        "created": obp_date(consumer.created_at),
        "client_certificate": consumer.client_certificate,
    }
    if key is not None:
        out["key"] = key
    if secret is not None:
        out["secret"] = secret
    return out


def consumer_json_v210(consumer, created_by) -> dict:
    """ConsumerJsonV210 (getConsumer): ConsumerJson without the certificate, key and secret."""
    out = consumer_json(consumer, created_by)
    del out["client_certificate"]
    return out


def _routings(bank) -> list[dict]:
    return [{"scheme": r.scheme, "address": r.address} for r in bank.bank_routings]


def bank_json_400(bank) -> dict:
    return {
        "id": bank.bank_id,
        "short_name": bank.bank_code,
        "full_name": bank.full_name,
        "logo": bank.logo,
        "website": bank.website,
        "bank_routings": _routings(bank),
    }


def bank_json_220(bank) -> dict:
    first = bank.bank_routings[0] if bank.bank_routings else None
    return BankJSONV220(
        id=bank.bank_id, full_name=bank.full_name, short_name=bank.bank_code, logo_url=bank.logo,
        website_url=bank.website, swift_bic=bank.swift_bic, national_identifier=bank.national_identifier,
        bank_routing={"scheme": first.scheme if first else "", "address": first.address if first else ""},
    ).model_dump(mode="json")


def bank_json_500(bank) -> dict:
    return {
        "id": bank.bank_id,
        "bank_code": bank.bank_code,
        "full_name": bank.full_name,
        "logo": bank.logo,
        "website": bank.website,
        "bank_routings": _routings(bank),
    }


def user_lock_status_json(user) -> dict:
    """UserLockStatusJson (OBP lockUser)."""
    return {"user_id": user.user_id, "type_of_lock": user.lock_type or "", "last_lock_date": obp_date(user.locked_at)}


def bad_login_status_json(user) -> dict:
    return {
        "username": user.username,
        "bad_attempts_since_last_success_or_reset": int(user.bad_login_attempts or 0),
        "last_failure_date": obp_date(user.last_failure_at),
    }
