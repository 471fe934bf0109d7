"""Profiles (a partner's merchant profiles).

A profile gets the next number of its partner's `profile_count` in the transaction that creates it
(conditioned on the count read before); profiles are never deleted, so page p of a partner's
profiles, newest first, is a key range of gsi1 and costs one Query.

A profile names its payout account (an OBP account: `payout_bank_id`, `payout_account_id`) and
hands out payment numbers (`payment_seq`, an atomic counter: store/enterprise/payments.py).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import Entity, get_item
from chalicelib.store.enterprise import update_versioned, write
from chalicelib.store.enterprise.partners import PartnerRecord, partner_pk

SEQ_DIGITS = 12


def profile_pk(profile_id: str) -> str:
    return f"PROFILE#{profile_id}"


def seq_key(seq: int) -> str:
    return f"{seq:0{SEQ_DIGITS}d}"


class ProfileRecord(Entity, discriminator="EnterpriseProfile"):
    profile_id = UnicodeAttribute()
    client_id = UnicodeAttribute()
    seq = NumberAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    website = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    customer_count = NumberAttribute(default=0)  # live customers
    customer_seq = NumberAttribute(default=0)  # the last customer number handed out
    payment_seq = NumberAttribute(default=0)  # the last payment number handed out (gaps allowed)
    payout_bank_id = UnicodeAttribute(null=True)
    payout_account_id = UnicodeAttribute(null=True)
    fee_schedule = UnicodeAttribute(null=True)  # JSON (services/enterprise/fees.py); none: the default
    version = NumberAttribute(default=1)
    created_at = UTCDateTimeAttribute()


def new_profile(profile_id: str, client_id: str, seq: int, **fields) -> ProfileRecord:
    return ProfileRecord(
        pk=profile_pk(profile_id), sk="PROFILE", gsi1pk=f"PARTNER_PROFILES#{client_id}", gsi1sk=seq_key(seq),
        profile_id=profile_id, client_id=client_id, seq=seq, customer_count=0, customer_seq=0, version=1,
        created_at=datetime.now(timezone.utc), **fields,
    )


def create_profile(profile: ProfileRecord, also: Callable | None = None) -> str:
    """Insert the profile as its partner's number `profile.seq`; `also(tx)` adds writes that
    commit with it. Returns an outcome of `write` ("done", "stale": the partner's count moved
    since it was read, read again and retry)."""
    partner = PartnerRecord(pk=partner_pk(profile.client_id), sk="PARTNER")

    def build(tx):
        tx.update(partner, actions=[PartnerRecord.profile_count.set(profile.seq)],
                  condition=PartnerRecord.profile_count == profile.seq - 1)
        tx.save(profile, condition=ProfileRecord.pk.does_not_exist())

    return write(build, also)


def get_profile(profile_id: str) -> ProfileRecord | None:
    return get_item(ProfileRecord, profile_pk(profile_id), "PROFILE")


def profiles_between(client_id: str, low_seq: int, high_seq: int) -> list[ProfileRecord]:
    """The partner's profiles numbered low..high, newest first (gsi1, eventually consistent)."""
    return list(ProfileRecord.gsi1.query(
        f"PARTNER_PROFILES#{client_id}", ProfileRecord.gsi1sk.between(seq_key(low_seq), seq_key(high_seq)),
        scan_index_forward=False,
    ))


def update_profile(profile: ProfileRecord, changes: dict) -> str:
    """Set (None: remove) the profile's own fields, never its customer counters (they change
    without a version bump). A `write` outcome; see update_versioned."""
    return update_versioned(profile, changes)


def next_payment_number(profile_id: str) -> int:
    """The profile's next payment number: one atomic UpdateItem, never contended. A number whose
    payment is then not written (a lost reference race, a crash) stays a gap; lists count members,
    not numbers (store/enterprise/page_index.py)."""
    record = ProfileRecord(pk=profile_pk(profile_id), sk="PROFILE")
    record.update(actions=[ProfileRecord.payment_seq.add(1)], condition=ProfileRecord.pk.exists())
    return int(record.payment_seq)
