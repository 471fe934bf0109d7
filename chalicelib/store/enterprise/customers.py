"""Customers of a profile and the page index that serves `GET .../customers?page=p&size=s`.

Layout (one partition per profile):
  PROFILE#<p> / PROFILE                     customer_count (live) and customer_seq (last number given)
  PROFILE#<p> / CUSTOMER#<seq, 12 digits>   a customer
  PROFILE#<p> / CCOUNT#<level>#<index>      how many live customers have a number in the node's range

Every customer gets the next number of its profile (`seq`) in the transaction that creates it; its
id carries that number (`customer_` + 20 random hex + the seq as 12 hex), so a GET by id is one
GetItem and no index is needed. Newest first means descending seq.

Deletions leave gaps in the numbers, so a page is found through the counting tree of
store/enterprise/page_index.py (counters `CCOUNT#<level>#<index>`): create and delete adjust one
counter per level (3 items) in the same transaction as the customer and the profile's count; a
page costs at most 3 counter Queries plus one customer Query of at most 63 + size items, whatever
the profile's size, every read strongly consistent. All writes of a profile touch its profile item.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Callable

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import Entity, get_item
from chalicelib.store.enterprise import page_index, update_versioned, write
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
    if size <= 0 or offset >= int(profile.customer_count):
        return []
    found = page_index.locate(profile.pk, _COUNTERS, int(profile.customer_seq), offset)
    if found is None:
        return []
    top, skip = found
    items = CustomerRecord.query(
        profile_pk(profile.profile_id), CustomerRecord.sk.between(_customer_sk(1), _customer_sk(top)),
        scan_index_forward=False, consistent_read=True, limit=skip + size,
    )
    return list(items)[skip:]


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
        page_index.count(tx, customer.pk, _COUNTERS, seq, +1)

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
        page_index.count(tx, customer.pk, _COUNTERS, int(customer.seq), -1)

    return write(build, also)
