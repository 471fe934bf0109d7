"""Consents and consent requests: OBP's request bodies and response shapes (reference §4b, §5.6)."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Optional, Union

from pydantic import StrictBool, StrictInt, StrictStr

from chalicelib.errors import ApiError
from chalicelib.schemas.common import ObpDateText, ObpModel, obp_date, parse_obp_date
from chalicelib.services import consents


class PostConsentViewJsonV310(ObpModel):
    bank_id: StrictStr
    account_id: StrictStr
    view_id: StrictStr


class PostConsentEntitlementJsonV310(ObpModel):
    bank_id: StrictStr
    role_name: StrictStr


class PostConsentBodyCommonJson(ObpModel):
    """The body of every createConsent (EMAIL adds `email`, SMS `phone_number`)."""

    obp_name = "PostConsentBodyCommonJson"
    everything: StrictBool
    bank_id: Optional[StrictStr] = None
    views: list[PostConsentViewJsonV310]
    entitlements: list[PostConsentEntitlementJsonV310]
    consumer_id: Optional[StrictStr] = None
    consent_request_id: Optional[StrictStr] = None
    email: Optional[StrictStr] = None
    phone_number: Optional[StrictStr] = None
    valid_from: Optional[ObpDateText] = None
    time_to_live: Optional[StrictInt] = None

    def ask(self) -> consents.ConsentAsk:
        return consents.ConsentAsk(
            everything=self.everything, bank_id=self.bank_id,
            views=[(v.bank_id, v.account_id, v.view_id) for v in self.views],
            entitlements=[(e.bank_id, e.role_name) for e in self.entitlements],
            consumer_id=self.consumer_id, valid_from=_date(self.valid_from), time_to_live=self.time_to_live,
            email=self.email, phone_number=self.phone_number,
        )


def _date(text: str | None) -> datetime | None:
    return parse_obp_date(text) if text is not None else None


class PostConsentChallengeJsonV310(ObpModel):
    obp_name = "PostConsentChallengeJsonV310"
    answer: StrictStr


class PutConsentStatusJsonV400(ObpModel):
    obp_name = "PutConsentStatusJsonV400"
    status: StrictStr


class PutConsentUserJsonV400(ObpModel):
    obp_name = "PutConsentUserJsonV400"
    user_id: StrictStr


class ConsentAccountItem(ObpModel):
    iban: Optional[StrictStr] = None
    bban: Optional[StrictStr] = None
    pan: Optional[StrictStr] = None
    maskedPan: Optional[StrictStr] = None
    msisdn: Optional[StrictStr] = None
    currency: Optional[StrictStr] = None


class ConsentAccessJson(ObpModel):
    accounts: Optional[list[ConsentAccountItem]] = None
    balances: Optional[list[ConsentAccountItem]] = None
    transactions: Optional[list[ConsentAccountItem]] = None
    availableAccounts: Optional[StrictStr] = None
    allPsd2: Optional[StrictStr] = None


class PutConsentPayloadJsonV510(ObpModel):
    obp_name = "PutConsentPayloadJsonV510"
    access: ConsentAccessJson

    def ibans(self) -> dict[str, list[str]]:
        """accounts/balances/transactions -> the IBANs listed (items without an IBAN are OBP-10001)."""
        out = {}
        for kind in ("accounts", "balances", "transactions"):
            items = getattr(self.access, kind) or []
            if any(not item.iban for item in items):
                raise ApiError("OBP-10001", "The Json body should be the PutConsentPayloadJsonV510 (each account "
                                            "needs an iban)", status=400)
            out[kind] = [item.iban for item in items]
        return out


# --- consent requests -------------------------------------------------------------------------

class RoutingJson(ObpModel):
    scheme: StrictStr
    address: StrictStr


class AccountAccessV500(ObpModel):
    account_routing: RoutingJson
    view_id: StrictStr


class PostConsentRequestJsonV500(ObpModel):
    obp_name = "PostConsentRequestJsonV500"
    everything: StrictBool
    bank_id: Optional[StrictStr] = None
    account_access: list[AccountAccessV500]
    entitlements: Optional[list[PostConsentEntitlementJsonV310]] = None
    consumer_id: Optional[StrictStr] = None
    email: Optional[StrictStr] = None
    phone_number: Optional[StrictStr] = None
    valid_from: Optional[ObpDateText] = None
    time_to_live: Optional[StrictInt] = None


_Amount = Union[StrictInt, Decimal, StrictStr]


class VrpLimitJson(ObpModel):
    currency: StrictStr
    max_single_amount: _Amount
    max_monthly_amount: _Amount
    max_number_of_monthly_transactions: StrictInt
    max_yearly_amount: _Amount
    max_number_of_yearly_transactions: StrictInt
    max_total_amount: Optional[_Amount] = None
    max_number_of_transactions: Optional[StrictInt] = None


class VrpFromAccountJson(ObpModel):
    bank_routing: RoutingJson
    account_routing: RoutingJson
    branch_routing: Optional[RoutingJson] = None


class VrpToAccountJson(ObpModel):
    counterparty_name: StrictStr
    bank_routing: RoutingJson
    account_routing: RoutingJson
    branch_routing: Optional[RoutingJson] = None
    limit: VrpLimitJson


class PostVRPConsentRequestJsonV510(ObpModel):
    obp_name = "PostVRPConsentRequestJsonV510"
    from_account: VrpFromAccountJson
    to_account: VrpToAccountJson
    email: Optional[StrictStr] = None
    phone_number: Optional[StrictStr] = None
    valid_from: Optional[ObpDateText] = None
    time_to_live: Optional[StrictInt] = None


# --- responses --------------------------------------------------------------------------------

def _date_only(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d") if value is not None else None


def consent_json_v310(consent) -> dict:
    return {"consent_id": consent.consent_id, "jwt": consents.jwt_of(consent), "status": consent.status}


def consent_json_v400(consent) -> dict:
    return {**consent_json_v310(consent), "api_standard": consent.api_standard, "api_version": consent.api_version}


def consent_json_v500(consent) -> dict:
    body = {**consent_json_v310(consent), "consent_request_id": consent.consent_request_id or None}
    if consent.account_access:
        body["account_access"] = json.loads(consent.account_access)
    return {k: v for k, v in body.items() if v is not None}


def consent_json_v510(consent) -> dict:
    claims = consents.claims_of(consent)
    body = {
        **consent_json_v310(consent), "consent_request_id": consent.consent_request_id or None,
        "scopes": claims.get("entitlements", []), "consumer_id": consent.consumer_id,
    }
    return {k: v for k, v in body.items() if v is not None}


def _summary(consent) -> dict:
    """The fields every consent list item shows."""
    return {
        "consumer_id": consent.consumer_id, "created_by_user_id": consent.user_id, "status": consent.status,
        "last_action_date": _date_only(consent.last_action_at), "last_usage_date": obp_date(consent.last_usage_at),
        "api_standard": consent.api_standard, "api_version": consent.api_version,
    }


def consent_info_json_v400(consent) -> dict:
    return {"consent_id": consent.consent_id, **_summary(consent)}


def consent_info_json_v510(consent) -> dict:
    """getMyConsents / getMyConsentsByBank items."""
    return {"consent_reference_id": consent.consent_id, "consent_id": consent.consent_id, **_summary(consent),
            "jwt": consents.jwt_of(consent), "jwt_payload": consents.claims_of(consent)}


def consent_item_json_v510(consent) -> dict:
    """The management lists' items (ConsentsJsonV510)."""
    return {"consent_reference_id": consent.consent_id, **_summary(consent),
            "jwt_payload": consents.claims_of(consent), "note": consent.note}
