"""KYC (know your customer) records, in the customer's partition (see store/customers.py).

Keys (pk CUSTOMER#<customer_id>):
  KYC_CHECK#<kyc_check_id>           a check by the KYC team (PUT: create or replace by id)
  KYC_DOCUMENT#<kyc_document_id>     an identity document
  KYC_MEDIA#<kyc_media_id>           a scan / picture / video
  KYC_STATUS#<date>#<uuid>           one entry of the KYC status timeline, in date order; the newest
                                     entry is the current status, mirrored on the customer record
                                     (kyc_status, kyc_status_as_of) in the same transaction
"""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.errors import ApiError
from chalicelib.store.base import Entity, failed_keys, key_of, query_page, transaction
from chalicelib.store.customers import PROFILE, CustomerRecord, customer_pk

CHECK, DOCUMENT, MEDIA, STATUS = "KYC_CHECK#", "KYC_DOCUMENT#", "KYC_MEDIA#", "KYC_STATUS#"


class _KycRecord(Entity):
    """Fields every KYC record carries."""

    customer_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    customer_number = UnicodeAttribute()


class KycCheckRecord(_KycRecord, discriminator="KycCheck"):
    kyc_check_id = UnicodeAttribute()
    date = UnicodeAttribute()
    how = UnicodeAttribute()
    staff_user_id = UnicodeAttribute()
    staff_name = UnicodeAttribute()
    satisfied = BooleanAttribute()
    comments = UnicodeAttribute()


class KycDocumentRecord(_KycRecord, discriminator="KycDocument"):
    kyc_document_id = UnicodeAttribute()
    document_type = UnicodeAttribute()
    number = UnicodeAttribute()
    issue_date = UnicodeAttribute()
    issue_place = UnicodeAttribute()
    expiry_date = UnicodeAttribute()


class KycMediaRecord(_KycRecord, discriminator="KycMedia"):
    kyc_media_id = UnicodeAttribute()
    media_type = UnicodeAttribute()
    url = UnicodeAttribute()
    date = UnicodeAttribute()
    relates_to_kyc_document_id = UnicodeAttribute()
    relates_to_kyc_check_id = UnicodeAttribute()


class KycStatusRecord(_KycRecord, discriminator="KycStatus"):
    ok = BooleanAttribute()
    date = UnicodeAttribute()


_MODELS = {CHECK: KycCheckRecord, DOCUMENT: KycDocumentRecord, MEDIA: KycMediaRecord, STATUS: KycStatusRecord}

# What OBP answers when its KYC provider cannot store a record. The document's failure text has no
# OBP code, so with OBP's default display_internal_errors=false it is masked as OBP-50005.
_WRITE_FAILED = {CHECK: "OBP-00004", MEDIA: "OBP-00004", STATUS: "OBP-00004", DOCUMENT: "OBP-50005"}


def new_record(kind: str, customer_id: str, record_id: str, **fields) -> _KycRecord:
    """A KYC record of `kind` (CHECK, DOCUMENT, MEDIA, STATUS); a status's id orders the timeline."""
    model = _MODELS[kind]
    return model(pk=customer_pk(customer_id), sk=f"{kind}{record_id}", customer_id=customer_id, **fields)


def put_record(kind: str, record: _KycRecord) -> None:
    """Create or replace a check, document or media by its id (OBP's PUT semantics)."""
    try:
        record.save()
    except PutError as err:
        raise _failure(kind) from err


def add_status(status: KycStatusRecord) -> None:
    """Append to the timeline; when the entry is the newest, it becomes the customer's kyc_status
    in the same transaction (an older, back-dated entry leaves the current status alone)."""
    profile = CustomerRecord(pk=status.pk, sk=PROFILE)
    newest = CustomerRecord.kyc_status_as_of.does_not_exist() | (CustomerRecord.kyc_status_as_of <= status.date)
    try:
        tx = transaction()
        try:
            with tx:
                tx.save(status, condition=Entity.pk.does_not_exist())
                tx.update(
                    profile,
                    actions=[CustomerRecord.kyc_status.set(status.ok), CustomerRecord.kyc_status_as_of.set(status.date)],
                    condition=CustomerRecord.pk.exists() & newest,
                )
        except TransactWriteError as err:
            if failed_keys(tx, err) != {key_of(profile)}:
                raise
            with transaction() as tx:  # a back-dated entry: the timeline only
                tx.save(status, condition=Entity.pk.does_not_exist())
    except TransactWriteError as err:
        raise _failure(STATUS) from err


def _failure(kind: str) -> ApiError:
    return ApiError(_WRITE_FAILED[kind], status=400)


def list_records(kind: str, customer_id: str, *, limit: int, offset: int, descending: bool = False) -> list:
    model = _MODELS[kind]
    return query_page(model, customer_pk(customer_id), model.sk.startswith(kind), limit=limit, offset=offset,
                      descending=descending)
