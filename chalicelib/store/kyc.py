"""KYC (know your customer) records, in the customer's partition (see store/customers.py).

Keys (pk CUSTOMER#<customer_id>), each record a member of a list of store/positions.py (gsi1):
  KYC_CHECK#<kyc_check_id>           a check by the KYC team (PUT: create or replace by id)
  KYC_DOCUMENT#<kyc_document_id>     an identity document
  KYC_MEDIA#<kyc_media_id>           a scan / picture / video
      gsi1 KYC_CHECKS# / KYC_DOCUMENTS# / KYC_MEDIAS#<customer_id> / <number>: in the order first
      put (a replacement keeps its place)
  KYC_STATUS#<date>#<uuid>           one entry of the KYC status timeline; the newest entry is the
                                     current status, mirrored on the customer record (kyc_status,
                                     kyc_status_as_of) in the same transaction
      gsi1 KYC_STATUSES#<customer_id> / <number>: a dated list, by the entry's date
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.errors import ApiError
from chalicelib.store import positions
from chalicelib.store.base import Entity, get_item, key_of
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


_LISTS = {CHECK: "KYC_CHECKS#", DOCUMENT: "KYC_DOCUMENTS#", MEDIA: "KYC_MEDIAS#", STATUS: "KYC_STATUSES#"}


def _list(kind: str, customer_id: str) -> positions.NumberedList | positions.DatedList:
    name = f"{_LISTS[kind]}{customer_id}"
    return positions.DatedList(name) if kind == STATUS else positions.NumberedList(name)


def new_record(kind: str, customer_id: str, record_id: str, **fields) -> _KycRecord:
    """A KYC record of `kind` (CHECK, DOCUMENT, MEDIA, STATUS); its number in its list is set when
    it is stored."""
    model = _MODELS[kind]
    return model(pk=customer_pk(customer_id), sk=f"{kind}{record_id}", gsi1pk=_list(kind, customer_id).name,
                 customer_id=customer_id, **fields)


def put_record(kind: str, record: _KycRecord) -> None:
    """Create or replace a check, document or media by its id (OBP's PUT semantics): a new one is
    numbered at the end of its list, a replacement keeps its number."""
    lst = _list(kind, record.customer_id)

    def build(tx, numbers):
        record.gsi1sk = lst.key(numbers[lst.name])
        tx.save(record, condition=Entity.pk.does_not_exist())

    try:
        try:
            positions.write(build, [lst])
        except positions.Cancelled as err:
            existing = get_item(type(record), record.pk, record.sk) if key_of(record) in err.failed else None
            if existing is None:
                raise _failure(kind) from err
            record.gsi1sk = existing.gsi1sk
            record.save(condition=Entity.pk.exists())  # KYC records are never deleted
    except (PutError, TransactWriteError) as err:
        raise _failure(kind) from err


def add_status(status: KycStatusRecord) -> None:
    """Append to the timeline; when the entry is the newest, it becomes the customer's kyc_status
    in the same transaction (an older, back-dated entry leaves the current status alone)."""
    profile = CustomerRecord(pk=status.pk, sk=PROFILE)
    newest = CustomerRecord.kyc_status_as_of.does_not_exist() | (CustomerRecord.kyc_status_as_of <= status.date)
    lst = _list(STATUS, status.customer_id)
    when = datetime.fromisoformat(status.date.replace("Z", "+00:00"))

    def build(current: bool):
        def stage(tx, numbers):
            status.gsi1sk = lst.key(numbers[lst.name])
            tx.save(status, condition=Entity.pk.does_not_exist())
            if current:
                tx.update(profile, condition=CustomerRecord.pk.exists() & newest,
                          actions=[CustomerRecord.kyc_status.set(status.ok), CustomerRecord.kyc_status_as_of.set(status.date)])
        return stage

    try:
        try:
            positions.write(build(True), [(lst, when)])
        except positions.Cancelled as err:
            if err.failed != {key_of(profile)}:
                raise
            positions.write(build(False), [(lst, when)])  # a back-dated entry: the timeline only
    except (positions.Cancelled, TransactWriteError) as err:
        raise _failure(STATUS) from err


def _failure(kind: str) -> ApiError:
    return ApiError(_WRITE_FAILED[kind], status=400)


def list_records(kind: str, customer_id: str, *, limit: int, offset: int, descending: bool = False) -> list:
    """A page of the customer's records of `kind`: checks, documents and media in the order first
    put, statuses by date."""
    model = _MODELS[kind]
    return positions.page(_list(kind, customer_id), model.gsi1, model.gsi1sk, limit=limit, offset=offset,
                          descending=descending)
