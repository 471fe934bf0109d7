"""The Enterprise API's JSON (/v1): request models and the renderers of its objects.

Request bodies reject unknown fields (a misspelt field is a 400 naming it) but accept and ignore
the server-owned `id` and `created`, so an object read with GET can be sent back with PUT.
Strings are trimmed; an empty string counts as absent (null).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from chalicelib.services.countries import is_alpha2

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE = re.compile(r"^[0-9]{6,15}$")
_KID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def iso_millis(value: datetime) -> str:
    """2024-09-25T12:01:00.103Z: UTC, milliseconds, Z (the provider's `created`)."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class EnterpriseModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Server-owned fields a client may echo back: accepted, ignored.
    id: Optional[Any] = Field(default=None, exclude=True)
    created: Optional[Any] = Field(default=None, exclude=True)

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_absent(cls, value):
        return None if isinstance(value, str) and not value.strip() else value

    def changes(self) -> dict:
        """The fields the client sent (null included: it clears), without the server-owned ones."""
        return {name: getattr(self, name) for name in self.model_fields_set if name not in ("id", "created")}


def _check(pattern: re.Pattern, reason: str):
    def check(value):
        if value is not None and not pattern.match(value):
            raise ValueError(reason)
        return value
    return check


# --- partners (admin) ---------------------------------------------------------------------------

class PartnerKeyIn(EnterpriseModel):
    public_key: StrictStr = Field(max_length=16384)
    kid: StrictStr

    _kid = field_validator("kid")(_check(_KID, "must be 1 to 64 characters of A-Z a-z 0-9 . _ : -"))


class PartnerIn(PartnerKeyIn):
    name: StrictStr = Field(max_length=200)


# --- profiles -----------------------------------------------------------------------------------

class PayoutAccountIn(EnterpriseModel):
    """An OBP account at one of our banks: where the profile's money is paid out."""

    bank_id: StrictStr = Field(max_length=255)
    account_id: StrictStr = Field(max_length=255)


class ProfileUpdate(EnterpriseModel):
    name: Optional[StrictStr] = Field(default=None, max_length=200)
    email: Optional[StrictStr] = Field(default=None, max_length=254)
    website: Optional[StrictStr] = Field(default=None, max_length=2048)
    phone: Optional[StrictStr] = None
    payout_account: Optional[PayoutAccountIn] = None

    def changes(self) -> dict:
        out = super().changes()
        if out.get("payout_account") is not None:
            out["payout_account"] = {"bank_id": self.payout_account.bank_id, "account_id": self.payout_account.account_id}
        return out

    _email = field_validator("email")(_check(_EMAIL, "must be an email address such as john.doe@example.com"))
    _phone = field_validator("phone")(_check(_PHONE, "must be 6 to 15 digits, country code first, no + or spaces (e.g. 318000201068)"))
    _website = field_validator("website")(_check(re.compile(r"^https?://\S+$"), "must be an http(s) URL"))


class ProfileIn(ProfileUpdate):
    name: StrictStr = Field(max_length=200)


def profile_json(profile) -> dict:
    return {
        "id": profile.profile_id, "name": profile.name, "email": profile.email, "website": profile.website,
        "phone": profile.phone,
        "payout_account": {"bank_id": profile.payout_bank_id, "account_id": profile.payout_account_id}
        if profile.payout_account_id else None,
        "created": iso_millis(profile.created_at),
    }


# --- customers (the seed's "PSU creation customer type": every field optional) -------------------

class AddressIn(EnterpriseModel):
    premise: Optional[StrictInt] = Field(default=None, ge=0, le=999999)
    sub_premise: Optional[StrictStr] = Field(default=None, max_length=50)
    building: Optional[StrictStr] = Field(default=None, max_length=255)
    postal_code: Optional[StrictStr] = Field(default=None, max_length=20)
    thoroughfare: Optional[StrictStr] = Field(default=None, max_length=255)
    locality: Optional[StrictStr] = Field(default=None, max_length=255)
    state: Optional[StrictStr] = Field(default=None, max_length=255)
    country: Optional[StrictStr] = None

    @field_validator("country")
    @classmethod
    def _country(cls, value):
        if value is not None and not is_alpha2(value):
            raise ValueError("must be an ISO 3166-1 alpha-2 code in capitals (e.g. NL)")
        return value


class CustomerIn(EnterpriseModel):
    company: Optional[StrictStr] = Field(default=None, max_length=255)
    first_name: Optional[StrictStr] = Field(default=None, max_length=255)
    last_name: Optional[StrictStr] = Field(default=None, max_length=255)
    email: Optional[StrictStr] = Field(default=None, max_length=254)
    phone: Optional[StrictStr] = None
    address: Optional[AddressIn] = None

    _email = field_validator("email")(_check(_EMAIL, "must be an email address such as john.doe@example.com"))
    _phone = field_validator("phone")(_check(_PHONE, "must be 6 to 15 digits, country code first, no + or spaces (e.g. 318000201068)"))

    def changes(self) -> dict:
        out = super().changes()
        if "address" in out and out["address"] is not None:
            out["address"] = self.address.model_dump(exclude={"id", "created"}, exclude_none=True)
        return out


ADDRESS_FIELDS = ("premise", "sub_premise", "building", "postal_code", "thoroughfare", "locality", "state", "country")


def customer_json(customer) -> dict:
    address = customer.address
    return {
        "id": customer.customer_id,
        "company": customer.company,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.email,
        "phone": customer.phone,
        "address": None if address is None else {
            name: (int(value) if name == "premise" and value is not None else value)
            for name in ADDRESS_FIELDS for value in [getattr(address, name)]
        },
        "created": iso_millis(customer.created_at),
    }


def page_json(result, render) -> dict:
    """The provider's paging envelope: page from 0, pages = ceil(count / size)."""
    return {"page": result.page, "pages": result.pages, "size": result.size, "count": result.count,
            "data": [render(item) for item in result.items]}


# --- webhooks of a profile ----------------------------------------------------------------------

class WebhookIn(EnterpriseModel):
    url: StrictStr = Field(max_length=2048)
    events: list[StrictStr] = Field(min_length=1, max_length=10)


def webhook_json(record, secret: str | None = None) -> dict:
    out = {"id": record.webhook_id, "url": record.url, "events": list(record.triggers), "active": record.is_active,
           "created": iso_millis(record.created_at)}
    if secret is not None:
        out["secret"] = secret
    return out


# --- the token endpoint -------------------------------------------------------------------------

class TokenRequest(BaseModel):
    """POST /v1/oauth/token's parameters (form-encoded or JSON; read by services/enterprise/oauth.py,
    this model documents them)."""

    grant_type: str = Field(examples=["client_credentials"])
    client_assertion: Optional[str] = Field(default=None, description="The client assertion: a JWT signed with the "
                                            "partner's private key (RFC 7523)")
    client_assertion_type: Optional[str] = Field(
        default=None, examples=["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"])
    assertion: Optional[str] = Field(default=None, description="With grant_type "
                                     "urn:ietf:params:oauth:grant-type:jwt-bearer: the assertion")


# --- partners -----------------------------------------------------------------------------------

def key_json(key) -> dict:
    out = {"kid": key.kid, "key_type": key.key_type, "status": key.status, "public_key": key.public_key_pem,
           "created": iso_millis(key.created_at)}
    if key.revoked_at is not None:
        out["revoked"] = iso_millis(key.revoked_at)
    return out


def partner_json(partner, keys) -> dict:
    return {"client_id": partner.client_id, "name": partner.name, "created": iso_millis(partner.created_at),
            "keys": [key_json(k) for k in keys]}
