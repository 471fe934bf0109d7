"""Banks.

Keys:
  BANK#<bank_id> / BANK       the bank; gsi1 BANKS / <bank_id> lists all banks in id order
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import ListAttribute, MapAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import ApiError
from chalicelib.store.base import Entity, failed_keys, get_item, key_of, transaction
from chalicelib.store.users import EntitlementRecord

_ALL_BANKS = "BANKS"


class BankRouting(MapAttribute):
    scheme = UnicodeAttribute(default="")
    address = UnicodeAttribute(default="")


class BankRecord(Entity, discriminator="Bank"):
    bank_id = UnicodeAttribute()
    bank_code = UnicodeAttribute(default="")
    full_name = UnicodeAttribute(default="")
    logo = UnicodeAttribute(default="")
    website = UnicodeAttribute(default="")
    swift_bic = UnicodeAttribute(default="")
    national_identifier = UnicodeAttribute(default="")
    bank_routings = ListAttribute(of=BankRouting, default=list)
    created_by_user_id = UnicodeAttribute(default="")
    created_at = UTCDateTimeAttribute()


def bank_pk(bank_id: str) -> str:
    return f"BANK#{bank_id}"


def create_bank(bank_id: str, routings: list[dict], grant: EntitlementRecord | None = None, **fields) -> BankRecord:
    """Insert a new bank (and the creator's grant at it) in one transaction; ApiError OBP-34000
    when the id is taken."""
    record = BankRecord(
        pk=bank_pk(bank_id), sk="BANK", gsi1pk=_ALL_BANKS, gsi1sk=bank_id, bank_id=bank_id,
        bank_routings=[BankRouting(**r) for r in routings], created_at=datetime.now(timezone.utc), **fields,
    )
    tx = transaction()
    try:
        with tx:
            tx.save(record, condition=BankRecord.pk.does_not_exist())
            if grant is not None:
                tx.save(grant)  # an existing identical grant is simply kept
    except TransactWriteError as err:
        if key_of(record) in failed_keys(tx, err):
            raise ApiError("OBP-34000", f"Current BankId is {bank_id}") from err
        raise
    return record


def get_bank(bank_id: str) -> BankRecord | None:
    return get_item(BankRecord, bank_pk(bank_id), "BANK")


def list_banks(limit: int = 1000) -> list[BankRecord]:
    return list(BankRecord.gsi1.query(_ALL_BANKS, limit=limit))
