"""Customers of a profile and the page index that serves `GET .../customers?page=p&size=s`.

Layout (one partition per profile):
  PROFILE#<p> / PROFILE                     customer_count (live) and customer_seq (last number given)
  PROFILE#<p> / CUSTOMER#<seq, 12 digits>   a customer
  PROFILE#<p> / CCOUNT#<level>#<index>      how many live customers have a number in the node's range

Every customer gets the next number of its profile (`seq`) in the transaction that creates it; its
id carries that number (`customer_` + 20 random hex + the seq as 12 hex), so a GET by id is one
GetItem and no index is needed. Newest first means descending seq.

Deletions leave gaps in the numbers, so "the k-th newest" cannot be computed from the numbers
alone: the profile's counting tree answers it (store/positions.py, the mechanism every list of the
service pages with; here the profile item is the list's head and the counters are the profile's,
`profiles.counting_tree`, `CCOUNT#<level>#<index>`): a level-1 node counts the live customers of
64 consecutive numbers, a level-2 node those of 1024 level-1 nodes (65,536 numbers), a level-3
node those of 1024 level-2 nodes (67,108,864 numbers). Create and delete adjust one node per level
in the same transaction as the customer and the profile's count. A page reads no counter at all
while no customer was ever deleted (count == last number), and otherwise at most one Query of at
most 1024 small counters per level (none for a level whose range holds a single possible node:
only level 1 up to 65,536 customers), then one customer Query of at most 63 + size items, whatever
the profile's size; every read is strongly consistent, so a page reflects every committed create
and delete. The price is paid on writes: a create or delete also updates one counter per level
(3 items) in its transaction, and all writes of a profile touch its profile item.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Callable

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store import positions
from chalicelib.store.base import Entity, get_item
from chalicelib.store.enterprise import profiles, update_versioned, write
from chalicelib.store.enterprise.profiles import ProfileRecord, profile_pk, seq_key

_CUSTOMER = "CUSTOMER#"
_COUNTERS = "CCOUNT#"
_ID_PREFIX = "customer_"
_RANDOM_HEX, _SEQ_HEX = 20, 12


class AddressMap(MapAttribute):
    premise = NumberAttribute(null=True)
    sub_premise = UnicodeAttribute(null=True)
    building = UnicodeAttribute(null=True)
    postal_code = UnicodeAttribute(null=True)
    thoroughfare = UnicodeAttribute(null=True)
    locality = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)


class CustomerRecord(Entity, discriminator="EnterpriseCustomer"):
    customer_id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    client_id = UnicodeAttribute()
    seq = NumberAttribute()
    company = UnicodeAttribute(null=True)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    address = AddressMap(null=True)
    version = NumberAttribute(default=1)
    created_at = UTCDateTimeAttribute()


# --- ids ----------------------------------------------------------------------------------------

def new_customer_id(seq: int) -> str:
    return f"{_ID_PREFIX}{secrets.token_hex(_RANDOM_HEX // 2)}{seq:0{_SEQ_HEX}x}"


def seq_of(customer_id: str) -> int | None:
    """The profile number a customer id carries, or None when it is not a customer id."""
    tail = customer_id[len(_ID_PREFIX):]
    if not customer_id.startswith(_ID_PREFIX) or len(tail) != _RANDOM_HEX + _SEQ_HEX:
        return None
    try:
        int(tail, 16)
    except ValueError:
        return None
    return int(tail[_RANDOM_HEX:], 16) if tail == tail.lower() else None


def _customer_sk(seq: int) -> str:
    return _CUSTOMER + seq_key(seq)


# --- reads --------------------------------------------------------------------------------------

def get_customer(profile_id: str, customer_id: str) -> CustomerRecord | None:
    seq = seq_of(customer_id)
    if seq is None:
        return None
    record = get_item(CustomerRecord, profile_pk(profile_id), _customer_sk(seq))
    return record if record is not None and record.customer_id == customer_id else None


def page(profile: ProfileRecord, offset: int, size: int) -> list[CustomerRecord]:
    """The live customers of ranks offset..offset+size-1, newest first (see the module docstring)."""
    head = positions.Head(last=int(profile.customer_seq), live=int(profile.customer_count))
    return positions.read_from(CustomerRecord, CustomerRecord.sk, profile_pk(profile.profile_id), head,
                               counting_tree(profile.profile_id), offset=offset, limit=size, descending=True,
                               consistent=True, key_of=_customer_sk)


def counting_tree(profile_id: str) -> positions.CountingTree:
    return profiles.counting_tree(profile_id, _COUNTERS)


# --- writes -------------------------------------------------------------------------------------

def _stored(changes: dict) -> dict:
    """Field values as the record holds them (the address dict becomes its map)."""
    out = dict(changes)
    if out.get("address") is not None:
        out["address"] = AddressMap(**out["address"])
    return out


def new_customer(profile: ProfileRecord, seq: int, **fields) -> CustomerRecord:
    return CustomerRecord(
        pk=profile.pk, sk=_customer_sk(seq), customer_id=new_customer_id(seq), profile_id=profile.profile_id,
        client_id=profile.client_id, seq=seq, version=1, created_at=datetime.now(timezone.utc), **_stored(fields),
    )


def create_customer(customer: CustomerRecord, also: Callable | None = None) -> str:
    """Insert a customer made by new_customer as its profile's next number (the profile's last
    number must still be the one it was made from), count it in the profile and the counting
    tree; `also(tx)` adds writes that commit with it. An outcome of `write`; "stale" when another
    create took the number first (read the profile again)."""
    seq = int(customer.seq)

    def build(tx):
        tx.update(ProfileRecord(pk=customer.pk, sk="PROFILE"),
                  actions=[ProfileRecord.customer_seq.set(seq), ProfileRecord.customer_count.add(1)],
                  condition=(ProfileRecord.customer_seq == seq - 1) & (ProfileRecord.client_id == customer.client_id))
        tx.save(customer, condition=CustomerRecord.pk.does_not_exist())
        _count(tx, customer.profile_id, seq, +1)

    return write(build, also)


def update_customer(customer: CustomerRecord, changes: dict, also: Callable | None = None) -> str:
    """Set (None: remove) fields; a `write` outcome ("stale": changed or gone), see update_versioned."""
    return update_versioned(customer, _stored(changes), also)


def delete_customer(customer: CustomerRecord, also: Callable | None = None) -> str:
    """Delete the customer as read and count it out. `write` outcome ("stale": changed or gone)."""

    def build(tx):
        tx.delete(CustomerRecord(pk=customer.pk, sk=customer.sk), condition=CustomerRecord.version == customer.version)
        tx.update(ProfileRecord(pk=customer.pk, sk="PROFILE"), actions=[ProfileRecord.customer_count.add(-1)],
                  condition=ProfileRecord.pk.exists())
        _count(tx, customer.profile_id, int(customer.seq), -1)

    return write(build, also)


def _count(tx, profile_id: str, seq: int, delta: int) -> None:
    counting_tree(profile_id).stage(tx, seq, delta)
