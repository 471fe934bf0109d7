"""Transaction requests, challenges, transactions and their metadata: request models and renderers."""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from pydantic import BaseModel, Field

from chalicelib.schemas.common import ObpModel, obp_date
from chalicelib.services.money import render
from chalicelib.settings import get_settings

CHALLENGE_TYPE = "OBP_TRANSACTION_REQUEST_CHALLENGE"
CHARGE_SUMMARY = "Total charges for completed transaction"


class TransactionRequestAccountJsonV140(ObpModel):
    bank_id: str
    account_id: str


class AmountOfMoneyJsonV121(ObpModel):
    currency: str
    amount: str


class TransactionRequestBodySandBoxTanJSON(ObpModel):
    obp_name = "TransactionRequestBodySandBoxTanJSON"
    to: TransactionRequestAccountJsonV140
    value: AmountOfMoneyJsonV121
    description: str


class TransactionRequestCounterpartyIdJson(ObpModel):
    counterparty_id: str


class TransactionRequestBodyCounterpartyJSON(ObpModel):
    obp_name = "TransactionRequestBodyCounterpartyJSON"
    to: TransactionRequestCounterpartyIdJson
    value: AmountOfMoneyJsonV121
    description: str
    charge_policy: Optional[str] = None


class ChallengeAnswerJson400(ObpModel):
    obp_name = "ChallengeAnswerJson400"
    id: str
    answer: str
    reason_code: Optional[str] = None
    additional_information: Optional[str] = None


class PostTransactionCommentJSON(ObpModel):
    obp_name = "PostTransactionCommentJSON"
    value: str


class PostTransactionTagJSON(ObpModel):
    obp_name = "PostTransactionTagJSON"
    value: str


# --- transaction requests ---------------------------------------------------------------------

class TransactionRequestChargeJsonV140(BaseModel):
    summary: str
    value: AmountOfMoneyJsonV121


class TransactionRequestTypeJsonV140(BaseModel):
    value: str
    charge: TransactionRequestChargeJsonV140


class TransactionRequestTypesJsonV140(BaseModel):
    """GET .../VIEW_ID/transaction-request-types (v1.4.0)."""

    transaction_request_types: list[TransactionRequestTypeJsonV140]


def transaction_request_types_json(types: list[str], currency: str) -> dict:
    """Each type with OBP's default charge (no charge is configured per type: OBP shows 0.00 in
    the account's currency with its "Warning! Default value!" summary)."""
    return TransactionRequestTypesJsonV140(transaction_request_types=[
        {"value": t, "charge": {"summary": "Warning! Default value!", "value": {"currency": currency, "amount": "0.00"}}}
        for t in types
    ]).model_dump(mode="json")


def _details(tr) -> dict:
    """The request body as OBP echoes it (TransactionRequestBodyAllTypes: the ACCOUNT or the
    COUNTERPARTY fields)."""
    to = ({"to_counterparty": {"counterparty_id": tr.counterparty_id}} if tr.counterparty_id
          else {"to_sandbox_tan": {"bank_id": tr.to_bank_id, "account_id": tr.to_account_id}})
    return {**to, "value": {"currency": tr.currency, "amount": render(tr.amount)}, "description": tr.description}


def _charge(tr) -> dict:
    return {"summary": tr.charge_summary, "value": {"currency": tr.charge_currency, "amount": tr.charge_amount}}


def challenge_link(tr, view_id: str) -> str:
    return (f"{get_settings().hostname}/obp/v4.0.0/banks/{tr.from_bank_id}/accounts/{tr.from_account_id}/{view_id}"
            f"/transaction-request-types/{tr.request_type}/transaction-requests/{tr.transaction_request_id}/challenge")


def transaction_request_json_400(tr, view_id: str) -> dict:
    """TransactionRequestWithChargeJSON400 (create and answer): `challenges` is a list, empty for a
    request that needed none."""
    challenges = []
    if tr.challenge_ids:
        link = challenge_link(tr, view_id)
        challenges = [
            {"id": cid, "user_id": uid, "allowed_attempts": get_settings().challenge_allowed_attempts,
             "challenge_type": tr.challenge_type, "link": link}
            for cid, uid in zip(tr.challenge_ids, tr.challenge_user_ids)
        ]
    return {
        "id": tr.transaction_request_id, "type": tr.request_type,
        "from": {"bank_id": tr.from_bank_id, "account_id": tr.from_account_id},
        "details": _details(tr), "transaction_ids": [tr.transaction_id], "status": tr.status,
        "start_date": obp_date(tr.start_date), "end_date": obp_date(tr.end_date),
        "challenges": challenges, "charge": _charge(tr),
    }


def transaction_request_json_210(tr) -> dict:
    """TransactionRequestWithChargeJSON210 (the GET endpoints): one challenge, or null."""
    challenge = None
    if tr.challenge_ids:
        challenge = {"id": tr.challenge_ids[0], "allowed_attempts": get_settings().challenge_allowed_attempts,
                     "challenge_type": tr.challenge_type}
    return {
        "id": tr.transaction_request_id, "type": tr.request_type,
        "from": {"bank_id": tr.from_bank_id, "account_id": tr.from_account_id},
        "details": _details(tr), "transaction_ids": [tr.transaction_id],
        "status": tr.status, "start_date": obp_date(tr.start_date), "end_date": obp_date(tr.end_date),
        "challenge": challenge, "charge": _charge(tr),
    }


# --- metadata ---------------------------------------------------------------------------------

def _user_json(record) -> dict:
    """UserJSONV121 of the poster."""
    return {"id": record.user_id, "provider": get_settings().hostname, "display_name": record.user_name}


def metadata_json(record) -> dict:
    """TransactionCommentJSON / TransactionTagJSON."""
    return {"id": record.metadata_id, "value": record.value, "date": obp_date(record.posted), "user": _user_json(record)}


# --- transactions -----------------------------------------------------------------------------

def _money(currency: str, amount: Decimal | None) -> dict:
    return {"currency": currency, "amount": render(amount) if amount is not None else ""}


def _visible(flag: bool, value):
    return value if flag else None


def transaction_json_300(txn, account, view, comments: list, tags: list) -> dict:
    """TransactionJsonV300 as the view may see it (OBP's moderation: hidden parts are null)."""
    sees = view.allows
    holders = [{"name": h.name, "is_alias": False} for h in account.holders]
    this_account = {
        "id": account.account_id,
        "bank_routing": {"scheme": "OBP", "address": account.bank_id},
        "account_routings": [{"scheme": r.scheme, "address": r.address} for r in account.routings],
        "holders": holders if sees("can_see_bank_account_owners") else [],
    }
    other_account = {
        "id": txn.other_account_id,
        "holder": {"name": txn.other_holder_name, "is_alias": False},
        "bank_routing": {"scheme": "OBP", "address": txn.other_bank_id},
        "account_routings": [{"scheme": "OBP", "address": txn.other_account_id}],
        "metadata": None,
    }
    metadata = None
    if sees("can_see_transaction_metadata"):
        metadata = {
            "narrative": None,
            "comments": [metadata_json(c) for c in comments] if sees("can_see_comments") else [],
            "tags": [metadata_json(t) for t in tags] if sees("can_see_tags") else [],
            "images": [],
            "where": None,
        }
    return {
        "id": txn.transaction_id,
        "this_account": _visible(sees("can_see_transaction_this_bank_account"), this_account),
        "other_account": _visible(sees("can_see_transaction_other_bank_account"), other_account),
        "details": {
            "type": _visible(sees("can_see_transaction_type"), txn.transaction_type),
            "description": _visible(sees("can_see_transaction_description"), txn.description),
            "posted": _visible(sees("can_see_transaction_start_date"), obp_date(txn.posted)),
            "completed": _visible(sees("can_see_transaction_finish_date"), obp_date(txn.completed)),
            "new_balance": _money(txn.currency, txn.new_balance if sees("can_see_transaction_balance") else None),
            "value": _money(txn.currency, txn.amount if sees("can_see_transaction_amount") else None),
        },
        "metadata": metadata,
        "transaction_attributes": [],
    }


# --- v1.2.1 transactions -------------------------------------------------------------------------

class AmountOfMoneyJson(BaseModel):
    currency: Optional[str]
    amount: Optional[str]


class AccountHolderJSON(BaseModel):
    name: str
    is_alias: bool


class MinimalBankJSON(BaseModel):
    national_identifier: Optional[str]
    name: Optional[str]


class ThisAccountJSON(BaseModel):
    id: str
    holders: Optional[list[AccountHolderJSON]]
    number: Optional[str]
    kind: Optional[str]
    IBAN: Optional[str]
    swift_bic: Optional[str]
    bank: MinimalBankJSON


class OtherAccountJSON(BaseModel):
    id: str
    holder: AccountHolderJSON
    number: Optional[str]
    kind: Optional[str]
    IBAN: Optional[str]
    swift_bic: Optional[str]
    bank: MinimalBankJSON
    metadata: Optional[dict]


class TransactionDetailsJSON(BaseModel):
    type: Optional[str]
    description: Optional[str]
    posted: Optional[str]
    completed: Optional[str]
    new_balance: AmountOfMoneyJson
    value: AmountOfMoneyJson


class UserJSONV121(BaseModel):
    id: str
    provider: str
    display_name: str


class TransactionMetadataItemJSON(BaseModel):
    """TransactionCommentJSON / TransactionTagJSON."""

    id: str
    value: str
    date: str
    user: UserJSONV121


class TransactionMetadataJSON(BaseModel):
    narrative: Optional[str]
    comments: Optional[list[TransactionMetadataItemJSON]]
    tags: Optional[list[TransactionMetadataItemJSON]]
    images: Optional[list[dict]]
    where: Optional[dict]


class TransactionJSON(BaseModel):
    """GET .../VIEW_ID/transactions/TRANSACTION_ID/transaction, v1.2.1 (TransactionsJSON lists them)."""

    id: str
    this_account: Optional[ThisAccountJSON]
    other_account: Optional[OtherAccountJSON]
    details: TransactionDetailsJSON
    metadata: Optional[TransactionMetadataJSON]


class TransactionsJSON(BaseModel):
    transactions: list[TransactionJSON]


def transaction_json_121(txn, moderated_account, view, comments: list, tags: list) -> dict:
    """TransactionJSON (v1.2.1) as the view may see it: OBP's moderation, null where hidden.
    `moderated_account` is services.accounts.ModeratedAccount, None when the view may not see
    this account."""
    sees = view.allows
    this_account = None
    if moderated_account is not None and sees("can_see_transaction_this_bank_account"):
        m = moderated_account
        this_account = {
            "id": m.account_id, "holders": [{"name": h.name, "is_alias": False} for h in m.holders],
            "number": m.number, "kind": m.account_type, "IBAN": m.iban, "swift_bic": None,
            "bank": {"national_identifier": None, "name": m.bank_name},
        }
    other_account = None
    if sees("can_see_transaction_other_bank_account"):
        other_account = {
            "id": txn.other_account_id, "holder": {"name": txn.other_holder_name, "is_alias": False},
            "number": None, "kind": None, "IBAN": None, "swift_bic": None,
            "bank": {"national_identifier": None, "name": None}, "metadata": None,
        }
    currency = txn.currency if sees("can_see_transaction_currency") else None
    metadata = None
    if sees("can_see_transaction_metadata"):
        metadata = {
            "narrative": None,
            "comments": [metadata_json(c) for c in comments] if sees("can_see_comments") else None,
            "tags": [metadata_json(t) for t in tags] if sees("can_see_tags") else None,
            "images": [] if sees("can_see_images") else None,
            "where": None,
        }
    return TransactionJSON(
        id=txn.transaction_id, this_account=this_account, other_account=other_account,
        details={
            "type": txn.transaction_type if sees("can_see_transaction_type") else None,
            "description": txn.description if sees("can_see_transaction_description") else None,
            "posted": obp_date(txn.posted) if sees("can_see_transaction_start_date") else None,
            "completed": obp_date(txn.completed) if sees("can_see_transaction_finish_date") else None,
            "new_balance": {"currency": currency,
                            "amount": render(txn.new_balance) if sees("can_see_transaction_balance") else None},
            "value": {"currency": currency, "amount": render(txn.amount) if sees("can_see_transaction_amount") else None},
        },
        metadata=metadata,
    ).model_dump(mode="json")


# --- historical transactions (v4.0.0) --------------------------------------------------------------

class PostHistoricalTransactionAtBankJson(ObpModel):
    obp_name = "PostHistoricalTransactionJson"
    from_account_id: str
    to_account_id: str
    value: AmountOfMoneyJsonV121
    description: str
    posted: str
    completed: str
    type: str
    charge_policy: str


class HistoricalTransactionAccountJsonV400(BaseModel):
    bank_id: str
    account_id: str


class PostHistoricalTransactionResponseJsonV400(BaseModel):
    transaction_id: str
    from_: HistoricalTransactionAccountJsonV400 = Field(alias="from")
    to: HistoricalTransactionAccountJsonV400
    value: AmountOfMoneyJson
    description: str
    posted: str
    completed: str
    transaction_request_type: str
    charge_policy: str


def historical_transaction_json(booked) -> dict:
    order = booked.order
    return PostHistoricalTransactionResponseJsonV400(
        transaction_id=booked.transaction_id,
        **{"from": {"bank_id": booked.bank_id, "account_id": order.from_account_id}},
        to={"bank_id": booked.bank_id, "account_id": order.to_account_id},
        value={"currency": order.currency, "amount": order.amount}, description=order.description,
        posted=obp_date(booked.posted), completed=obp_date(booked.completed),
        transaction_request_type=order.transaction_type, charge_policy=order.charge_policy,
    ).model_dump(mode="json", by_alias=True)
