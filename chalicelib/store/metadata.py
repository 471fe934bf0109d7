"""Transaction metadata: comments and tags, each posted through one view.

Keys (one partition per account, sorted by transaction id, so the metadata of a page of
transactions is one range Query):
  TXNMETA#<bank_id>#<account_id> / <transaction_id>#COMMENT#<comment_id>
  TXNMETA#<bank_id>#<account_id> / <transaction_id>#TAG#<tag_id>
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError

from chalicelib.store.base import Entity, get_item

COMMENT, TAG = "COMMENT", "TAG"


def _pk(bank_id: str, account_id: str) -> str:
    return f"TXNMETA#{bank_id}#{account_id}"


class MetadataRecord(Entity, discriminator="TransactionMetadata"):
    kind = UnicodeAttribute()  # COMMENT | TAG
    metadata_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    transaction_id = UnicodeAttribute()
    view_id = UnicodeAttribute()
    value = UnicodeAttribute()
    user_id = UnicodeAttribute()
    user_name = UnicodeAttribute(default="")
    posted = UTCDateTimeAttribute()


def add(kind: str, bank_id: str, account_id: str, transaction_id: str, metadata_id: str, *, view_id: str,
        value: str, user_id: str, user_name: str) -> MetadataRecord:
    record = MetadataRecord(
        pk=_pk(bank_id, account_id), sk=f"{transaction_id}#{kind}#{metadata_id}", kind=kind,
        metadata_id=metadata_id, bank_id=bank_id, account_id=account_id, transaction_id=transaction_id,
        view_id=view_id, value=value, user_id=user_id, user_name=user_name, posted=datetime.now(timezone.utc),
    )
    record.save(condition=MetadataRecord.pk.does_not_exist())
    return record


def get(kind: str, bank_id: str, account_id: str, transaction_id: str, metadata_id: str) -> MetadataRecord | None:
    return get_item(MetadataRecord, _pk(bank_id, account_id), f"{transaction_id}#{kind}#{metadata_id}")


def delete(record: MetadataRecord) -> bool:
    try:
        record.delete(condition=MetadataRecord.pk.exists())
    except DeleteError:
        return False
    return True


def of_transaction(kind: str, bank_id: str, account_id: str, transaction_id: str) -> list[MetadataRecord]:
    return list(MetadataRecord.query(
        _pk(bank_id, account_id), MetadataRecord.sk.startswith(f"{transaction_id}#{kind}#"), consistent_read=True,
    ))


def of_transactions(bank_id: str, account_id: str, first_id: str, last_id: str) -> list[MetadataRecord]:
    """Every comment and tag of the transactions whose ids lie in [first_id, last_id]."""
    low, high = sorted((first_id, last_id))
    return list(MetadataRecord.query(
        _pk(bank_id, account_id), MetadataRecord.sk.between(f"{low}#", f"{high}#\uffff"), consistent_read=True,
    ))
