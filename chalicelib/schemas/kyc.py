"""KYC request bodies and response JSON (OBP v2.0.0)."""
from __future__ import annotations

from pydantic import StrictBool, StrictStr

from chalicelib.schemas.common import ObpDateText, ObpModel


class PostKycCheckJSON(ObpModel):
    obp_name = "PostKycCheckJSON"
    customer_number: StrictStr
    date: ObpDateText
    how: StrictStr
    staff_user_id: StrictStr
    staff_name: StrictStr
    satisfied: StrictBool
    comments: StrictStr


class PostKycDocumentJSON(ObpModel):
    obp_name = "PostKycDocumentJSON"
    customer_number: StrictStr
    type: StrictStr
    number: StrictStr
    issue_date: ObpDateText
    issue_place: StrictStr
    expiry_date: ObpDateText


class PostKycMediaJSON(ObpModel):
    obp_name = "PostKycMediaJSON"
    customer_number: StrictStr
    type: StrictStr
    url: StrictStr
    date: ObpDateText
    relates_to_kyc_document_id: StrictStr
    relates_to_kyc_check_id: StrictStr


class PostKycStatusJSON(ObpModel):
    obp_name = "PostKycStatusJSON"
    customer_number: StrictStr
    ok: StrictBool
    date: ObpDateText


def kyc_check_json(k) -> dict:
    return {
        "bank_id": k.bank_id,
        "customer_id": k.customer_id,
        "id": k.kyc_check_id,
        "customer_number": k.customer_number,
        "date": k.date,
        "how": k.how,
        "staff_user_id": k.staff_user_id,
        "staff_name": k.staff_name,
        "satisfied": k.satisfied,
        "comments": k.comments,
    }


def kyc_document_json(k) -> dict:
    return {
        "bank_id": k.bank_id,
        "customer_id": k.customer_id,
        "id": k.kyc_document_id,
        "customer_number": k.customer_number,
        "type": k.document_type,
        "number": k.number,
        "issue_date": k.issue_date,
        "issue_place": k.issue_place,
        "expiry_date": k.expiry_date,
    }


def kyc_media_json(k) -> dict:
    return {
        "bank_id": k.bank_id,
        "customer_id": k.customer_id,
        "id": k.kyc_media_id,
        "customer_number": k.customer_number,
        "type": k.media_type,
        "url": k.url,
        "date": k.date,
        "relates_to_kyc_document_id": k.relates_to_kyc_document_id,
        "relates_to_kyc_check_id": k.relates_to_kyc_check_id,
    }


def kyc_status_json(k) -> dict:
    return {"customer_id": k.customer_id, "customer_number": k.customer_number, "ok": k.ok, "date": k.date}
