"""Profiles (a partner's merchant profiles).

A profile gets the next number of its partner's `profile_count` in the transaction that creates it
(conditioned on the count read before); profiles are never deleted, so the partner's profiles are
a list without gaps (store/positions.py, the partner item as its head): page p, newest first, is
a key range of gsi1 and costs one Query.

A profile names its payout account (an OBP account: `payout_bank_id`, `payout_account_id`) and
hands out payment numbers (`payment_seq`, an atomic counter: store/enterprise/payments.py).
Its `settlement_count` is the head of its paid settlements' list (store/enterprise/settlements.py).

A profile's own lists (its customers, its payments under each filter) are numbered lists whose
counting trees live in the profile's partition (`counting_tree`, store/positions.py): three levels
(64 numbers, then 1024 nodes, then 1024: 67 million numbers), one counter model.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store import positions
from chalicelib.store.base import Entity, get_item
from chalicelib.store.enterprise import update_versioned, write
from chalicelib.store.enterprise.partners import PartnerRecord, partner_pk

SEQ_DIGITS = 12
# The counting trees of a profile's lists: numbers per level-1 node, then children per node above.
FANOUT = (64, 1024, 1024)


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
    settlement_count = NumberAttribute(default=0)  # paid settlements: the last number of its settlements' list
    payout_bank_id = UnicodeAttribute(null=True)
    payout_account_id = UnicodeAttribute(null=True)
    fee_schedule = UnicodeAttribute(null=True)  # JSON (services/enterprise/fees.py); none: the default
    version = NumberAttribute(default=1)
    created_at = UTCDateTimeAttribute()


class ProfileListCounter(Entity, discriminator="EnterpriseCustomerCount"):  # customers' counters' stored name
    live = NumberAttribute(default=0)


def counting_tree(profile_id: str, prefix: str) -> positions.CountingTree:
    """The counters of one of the profile's lists: `<prefix><level>#<index>` in its partition."""
    return positions.CountingTree(profile_pk(profile_id), prefix=prefix, fanout=FANOUT, model=ProfileListCounter)


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


def profiles_page(client_id: str, count: int, offset: int, size: int) -> list[ProfileRecord]:
    """The partner's profiles of ranks offset..offset+size-1, newest first (gsi1, eventually
    consistent); `count` is the partner's profile_count."""
    return positions.read_from(ProfileRecord.gsi1, ProfileRecord.gsi1sk, f"PARTNER_PROFILES#{client_id}",
                               positions.Head(last=count, live=count), None, offset=offset, limit=size,
                               descending=True, key_of=seq_key)


def update_profile(profile: ProfileRecord, changes: dict) -> str:
    """Set (None: remove) the profile's own fields, never its customer counters (they change
    without a version bump). A `write` outcome; see update_versioned."""
    return update_versioned(profile, changes)


def next_payment_number(profile_id: str) -> int:
    """The profile's next payment number: one atomic UpdateItem, never contended. A number whose
    payment is then not written (a lost reference race, a crash) stays a gap; lists count members,
    not numbers (`counting_tree`)."""
    record = ProfileRecord(pk=profile_pk(profile_id), sk="PROFILE")
    record.update(actions=[ProfileRecord.payment_seq.add(1)], condition=ProfileRecord.pk.exists())
    return int(record.payment_seq)
