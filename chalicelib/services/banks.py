"""Banks: creation by CanCreateBank holders, reads for everyone, and the BANK_ID guard every
endpoint with BANK_ID in its path goes through (the routing layer calls it before the endpoint;
services call it again for the record, which costs nothing more within a request)."""
from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field

from chalicelib.errors import ApiError
from chalicelib.services.access import Caller, require_any_role
from chalicelib.services.validation import check_bank_id
from chalicelib.store import banks as bank_store
from chalicelib.store import users as user_store


@dataclass(frozen=True)
class NewBank:
    bank_id: str
    bank_code: str = ""
    full_name: str = ""
    logo: str = ""
    website: str = ""
    bank_routings: list[dict] = field(default_factory=list)
    swift_bic: str = ""  # v2.2.0's body carries these two
    national_identifier: str = ""


# The banks read during the current request (banks are never deleted, so this cannot go stale
# within one request).
_read_in_request: ContextVar[dict | None] = ContextVar("banks_read_in_request", default=None)


def begin_request() -> None:
    _read_in_request.set({})


def require_bank(bank_id: str):
    """OBP-30111 for a malformed BANK_ID, 404 OBP-30001 for an unknown one; else the bank."""
    check_bank_id(bank_id)
    cache = _read_in_request.get()
    bank = cache.get(bank_id) if cache is not None else None
    if bank is None:
        bank = bank_store.get_bank(bank_id)
        if bank is None:
            raise ApiError("OBP-30001", f"Current BankId is {bank_id}", status=404)
        if cache is not None:
            cache[bank_id] = bank
    return bank


def create_bank(caller: Caller, new: NewBank):
    """POST /banks (CanCreateBank). The creator may then manage the bank: OBP grants it
    CanCreateEntitlementAtOneBank at the new bank, in the same transaction here."""
    require_any_role(caller, ["CanCreateBank"])
    bank_id = new.bank_id or str(uuid.uuid4())
    check_bank_id(bank_id)
    grant = user_store.new_entitlement(str(uuid.uuid4()), caller.user_id, bank_id, "CanCreateEntitlementAtOneBank")
    return bank_store.create_bank(
        bank_id,
        new.bank_routings,
        bank_code=new.bank_code,
        full_name=new.full_name,
        logo=new.logo,
        website=new.website,
        swift_bic=new.swift_bic,
        national_identifier=new.national_identifier,
        created_by_user_id=caller.user_id,
        grant=grant,
    )


def get_bank(bank_id: str):
    return require_bank(bank_id)


def list_banks():
    return bank_store.list_banks()
