"""KYC checks, documents, media and the KYC status timeline (OBP v2.0.0).

Adds: OBP's order is auth -> role at BANK_ID -> bank -> customer -> body, so the route checks the
role (`customers.require_bank_role`, roles first) and these functions the customer. Reads have no
BANK_ID: the system role reaches every customer, anyone else only their own linked customer.
Responses carry the customer's own number, whatever number a body names.
"""
from __future__ import annotations

import uuid

from chalicelib.errors import ApiError
from chalicelib.services import banks, customers
from chalicelib.services.access import Caller, require_any_role
from chalicelib.services.paging import Page
from chalicelib.services.validation import is_valid_id
from chalicelib.store import kyc as store

CHECK, DOCUMENT, MEDIA, STATUS = store.CHECK, store.DOCUMENT, store.MEDIA, store.STATUS

ADD_ROLES = {CHECK: "CanAddKycCheck", DOCUMENT: "CanAddKycDocument", MEDIA: "CanAddKycMedia", STATUS: "CanAddKycStatus"}
READ_ROLES = {
    CHECK: "CanGetAnyKycChecks", DOCUMENT: "CanGetAnyKycDocuments", MEDIA: "CanGetAnyKycMedia",
    STATUS: "CanGetAnyKycStatuses",
}


def authorize_add(caller: Caller, kind: str, bank_id: str, customer_id: str):
    """Role at the bank (403), the bank (30111 / 404), the customer at the bank (404 OBP-30046)."""
    role = ADD_ROLES[kind]
    require_any_role(caller, [role], bank_id, mode="single")
    banks.require_bank(bank_id)
    return customers.customer_at_bank(bank_id, customer_id)


def _check_record_id(record_id: str) -> None:
    if not is_valid_id(record_id):
        raise ApiError("OBP-10001", "The id in the URL should only contain 0-9/a-z/A-Z/'-'/'.'/'_' "
                                    "and be at most 36 characters.", status=400)


def put_record(kind: str, customer, record_id: str, **fields):
    """Create or replace the check, document or media `record_id` of the customer."""
    _check_record_id(record_id)
    id_field = {CHECK: "kyc_check_id", DOCUMENT: "kyc_document_id", MEDIA: "kyc_media_id"}[kind]
    record = store.new_record(
        kind, customer.customer_id, record_id, bank_id=customer.bank_id,
        customer_number=customer.customer_number, **{id_field: record_id}, **fields,
    )
    store.put_record(kind, record)
    return record


def add_status(customer, ok: bool, date: str):
    """Append an entry to the customer's KYC status timeline (the newest is the current status)."""
    record = store.new_record(
        STATUS, customer.customer_id, f"{date}#{uuid.uuid4()}", bank_id=customer.bank_id,
        customer_number=customer.customer_number, ok=ok, date=date,
    )
    store.add_status(record)
    return record


def records(caller: Caller, kind: str, customer_id: str, page: Page) -> list:
    """The customer's records of `kind`; statuses newest first (the first is the current one)."""
    customers.readable_customer_anywhere(caller, customer_id, READ_ROLES[kind])
    return store.list_records(kind, customer_id, limit=page.limit, offset=page.offset, descending=kind == STATUS)
