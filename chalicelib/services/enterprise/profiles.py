"""Profiles: a partner's merchant profiles. A partner reaches only its own; anybody else's id is
404, exactly as an id that does not exist.

A profile names its payout account, an OBP account at one of our banks (`payout_account`
{bank_id, account_id}); its payments clear through the provider's accounts at that bank
(services/enterprise/provider_accounts.py) and, in settlements, are paid out to it."""
from __future__ import annotations

import uuid
from typing import Callable

from chalicelib.services.enterprise.common import Page, check_paging, commit
from chalicelib.services.enterprise.errors import invalid_request, not_found
from chalicelib.services.enterprise.oauth import Partner
from chalicelib.services.validation import is_valid_id
from chalicelib.store import accounts as account_store
from chalicelib.store.enterprise import partners as partner_store
from chalicelib.store.enterprise import profiles as store


def _payout_fields(changes: dict) -> dict:
    """`payout_account` as the record holds it; 400 naming it when no such account exists."""
    if "payout_account" not in changes:
        return changes
    out = dict(changes)
    payout = out.pop("payout_account")
    if payout is None:
        return {**out, "payout_bank_id": None, "payout_account_id": None}
    bank_id, account_id = payout["bank_id"], payout["account_id"]
    found = is_valid_id(bank_id, 254) and is_valid_id(account_id) and account_store.get_account(bank_id, account_id)
    if not found:
        raise invalid_request(("payout_account", "no such account at one of our banks"))
    return {**out, "payout_bank_id": bank_id, "payout_account_id": account_id}


def create_profile(partner: Partner, fields: dict, also: Callable | None = None):
    """`also(tx, profile)` adds writes that commit with the profile (an idempotency record)."""
    profile_id = f"profile_{uuid.uuid4().hex}"
    fields = _payout_fields(fields)

    def attempt():
        owner = partner_store.get_partner(partner.client_id)
        if owner is None:
            raise not_found()
        record = store.new_profile(profile_id, partner.client_id, int(owner.profile_count) + 1, **fields)
        return store.create_profile(record, also=(lambda tx: also(tx, record)) if also else None), record

    return commit(attempt)


def get_profile(partner: Partner, profile_id: str):
    profile = store.get_profile(profile_id) if profile_id.startswith("profile_") else None
    if profile is None or profile.client_id != partner.client_id:
        raise not_found()
    return profile


def list_profiles(partner: Partner, page: int, size: int) -> Page:
    """Newest first. Profiles are never deleted, so page p is numbers count-p*size down to
    count-(p+1)*size+1: one Query."""
    check_paging(page, size)
    owner = partner_store.get_partner(partner.client_id)
    count = int(owner.profile_count) if owner else 0
    high = count - page * size
    items = store.profiles_between(partner.client_id, max(1, high - size + 1), high) if high >= 1 else []
    return Page(page, size, count, items)


def update_profile(partner: Partner, profile_id: str, changes: dict):
    """Sets the fields in `changes`; a None clears an optional one."""
    if "name" in changes and changes["name"] is None:
        raise invalid_request(("name", "is required and cannot be removed"))
    changes = _payout_fields(changes)

    def attempt():
        profile = get_profile(partner, profile_id)
        return store.update_profile(profile, changes), profile

    return commit(attempt)
