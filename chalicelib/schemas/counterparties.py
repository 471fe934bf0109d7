"""Counterparties: request models and responses (OBP's JSON names, v2.2.0 and v4.0.0 shapes) and
the counterparty limits of v5.1.0."""
from __future__ import annotations

import uuid
from typing import Optional

from pydantic import BaseModel

from chalicelib.schemas.common import ObpModel
from chalicelib.services.counterparties import NewCounterparty
from chalicelib.services.money import render


class PostCounterpartyBespokeJson(ObpModel):
    key: str
    value: str


class PostCounterpartyJSON(ObpModel):
    """POST .../VIEW_ID/counterparties, v2.2.0."""

    obp_name = "PostCounterpartyJSON"
    name: str
    description: str
    other_account_routing_scheme: str
    other_account_routing_address: str
    other_account_secondary_routing_scheme: str
    other_account_secondary_routing_address: str
    other_bank_routing_scheme: str
    other_bank_routing_address: str
    other_branch_routing_scheme: str
    other_branch_routing_address: str
    is_beneficiary: bool
    bespoke: list[PostCounterpartyBespokeJson]

    def to_new(self) -> NewCounterparty:
        return NewCounterparty(**self.model_dump(exclude={"bespoke"}), bespoke=[b.model_dump() for b in self.bespoke])


class PostCounterpartyJson400(PostCounterpartyJSON):
    """POST .../VIEW_ID/counterparties, v4.0.0: with the currency."""

    obp_name = "PostCounterpartyJson400"
    currency: str


class LocationJsonV210(BaseModel):
    latitude: float
    longitude: float
    date: str
    user: dict


class CounterpartyMetadataJson(BaseModel):
    public_alias: str
    more_info: str
    url: str
    image_url: str
    open_corporates_url: str
    corporate_location: Optional[LocationJsonV210]
    physical_location: Optional[LocationJsonV210]
    private_alias: str


class CounterpartyJsonV220(BaseModel):
    name: str
    description: str
    created_by_user_id: str
    this_bank_id: str
    this_account_id: str
    this_view_id: str
    counterparty_id: str
    other_bank_routing_scheme: str
    other_bank_routing_address: str
    other_branch_routing_scheme: str
    other_branch_routing_address: str
    other_account_routing_scheme: str
    other_account_routing_address: str
    other_account_secondary_routing_scheme: str
    other_account_secondary_routing_address: str
    is_beneficiary: bool
    bespoke: list[PostCounterpartyBespokeJson]


class CounterpartyWithMetadataJson(CounterpartyJsonV220):
    metadata: CounterpartyMetadataJson


class CounterpartiesJsonV220(BaseModel):
    counterparties: list[CounterpartyJsonV220]


class CounterpartyJson400(CounterpartyJsonV220):
    currency: str


class CounterpartyWithMetadataJson400(CounterpartyJson400):
    metadata: CounterpartyMetadataJson


class CounterpartiesJson400(BaseModel):
    counterparties: list[CounterpartyJson400]


class CounterpartyLimitV510(BaseModel):
    counterparty_limit_id: str
    bank_id: str
    account_id: str
    view_id: str
    counterparty_id: str
    currency: str
    max_single_amount: Optional[str]
    max_monthly_amount: Optional[str]
    max_number_of_monthly_transactions: Optional[int]
    max_yearly_amount: Optional[str]
    max_number_of_yearly_transactions: Optional[int]
    max_total_amount: Optional[str]
    max_number_of_transactions: Optional[int]


def _fields(c) -> dict:
    return {
        "name": c.name, "description": c.description, "currency": c.currency,
        "created_by_user_id": c.created_by_user_id, "this_bank_id": c.this_bank_id,
        "this_account_id": c.this_account_id, "this_view_id": c.this_view_id, "counterparty_id": c.counterparty_id,
        "other_bank_routing_scheme": c.other_bank_routing_scheme,
        "other_bank_routing_address": c.other_bank_routing_address,
        "other_branch_routing_scheme": c.other_branch_routing_scheme,
        "other_branch_routing_address": c.other_branch_routing_address,
        "other_account_routing_scheme": c.other_account_routing_scheme,
        "other_account_routing_address": c.other_account_routing_address,
        "other_account_secondary_routing_scheme": c.other_account_secondary_routing_scheme,
        "other_account_secondary_routing_address": c.other_account_secondary_routing_address,
        "is_beneficiary": c.is_beneficiary,
        "bespoke": [{"key": b.key, "value": b.value} for b in c.bespoke],
    }


def _metadata(c) -> dict:
    """OBP creates a counterparty's metadata with a public alias and nothing else."""
    return {"public_alias": f"ALIAS_{c.counterparty_id.replace('-', '')[:6].upper()}", "more_info": "", "url": "",
            "image_url": "", "open_corporates_url": "", "corporate_location": None, "physical_location": None,
            "private_alias": ""}


def counterparty_json(c, *, since_400: bool, with_metadata: bool = True) -> dict:
    """CounterpartyWithMetadataJson (v2.2.0) or CounterpartyWithMetadataJson400 (v4.0.0: with the
    currency); without metadata, the list items CounterpartyJsonV220 / CounterpartyJson400."""
    if with_metadata:
        model = CounterpartyWithMetadataJson400 if since_400 else CounterpartyWithMetadataJson
        return model(**_fields(c), metadata=_metadata(c)).model_dump(mode="json")
    return (CounterpartyJson400 if since_400 else CounterpartyJsonV220)(**_fields(c)).model_dump(mode="json")


def counterparties_json(found, *, since_400: bool) -> dict:
    model = CounterpartiesJson400 if since_400 else CounterpartiesJsonV220
    return model(counterparties=[counterparty_json(c, since_400=since_400, with_metadata=False) for c in found]
                 ).model_dump(mode="json")


def _amount(value) -> str | None:
    return render(value) if value is not None else None


def _count(value) -> int | None:
    return int(value) if value is not None else None


def counterparty_limit_json(c) -> dict:
    """CounterpartyLimitV510 (with the total limits of later versions). The limit is part of the
    counterparty here, so its id is derived from the counterparty's."""
    return CounterpartyLimitV510(
        counterparty_limit_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"counterparty-limit:{c.counterparty_id}")),
        bank_id=c.this_bank_id, account_id=c.this_account_id, view_id=c.this_view_id,
        counterparty_id=c.counterparty_id, currency=c.currency,
        max_single_amount=_amount(c.max_single_amount), max_monthly_amount=_amount(c.max_monthly_amount),
        max_number_of_monthly_transactions=_count(c.max_number_of_monthly_transactions),
        max_yearly_amount=_amount(c.max_yearly_amount),
        max_number_of_yearly_transactions=_count(c.max_number_of_yearly_transactions),
        max_total_amount=_amount(c.max_total_amount),
        max_number_of_transactions=_count(c.max_number_of_transactions),
    ).model_dump(mode="json")
