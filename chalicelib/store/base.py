"""The one DynamoDB table every record lives in, and the tools every store module shares.

Single-table design: each record type is a PynamoDB model subclassing `Entity` with its own
discriminator (`type` attribute); keys are strings such as `USER#<id>` / `PROFILE`. Records that
are read together share a partition key (a user's profile and entitlements; a customer and its
addresses), so one Query fetches them all. Three generic, sparse GSIs (`gsi1`..`gsi3`, string hash
and range keys, all attributes projected) serve the other access paths. Items with `expires_at`
are removed by DynamoDB TTL.

Only modules in `chalicelib/store/` import PynamoDB. Services call their functions and get plain
records back; they never see a PynamoDB exception (store functions translate them to ApiError or
to a documented return value).
"""
from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any, Iterable

from pynamodb.attributes import (
    Attribute,
    DiscriminatorAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.constants import NUMBER
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.settings import get_settings


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number held as Decimal end to end (PynamoDB's NumberAttribute goes through float)."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        if not isinstance(value, Decimal):
            raise TypeError(f"DecimalAttribute needs a Decimal, got {type(value).__name__}")
        return format(value, "f")

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class Gsi1Index(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2Index(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class Gsi3Index(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class Entity(Model):
    """Every record of the table. Subclass with `class X(Entity, discriminator="X")`."""

    class Meta:
        table_name = get_settings().table_name
        region = get_settings().region
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    record_type = DiscriminatorAttribute(attr_name="type")
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True, attr_name="ttl")

    gsi1 = Gsi1Index()
    gsi2 = Gsi2Index()
    gsi3 = Gsi3Index()


class UniqueGuard(Entity, discriminator="Unique"):
    """Makes a value unique: its key *is* the value, written with attribute_not_exists in the
    same transaction as the record that owns it (usernames, consumer keys, customer numbers...)."""

    owner_id = UnicodeAttribute()

    @staticmethod
    def key(kind: str, value: str) -> str:
        return f"UNIQUE#{kind}#{value}"


def unique_guard(kind: str, value: str, owner_id: str) -> UniqueGuard:
    return UniqueGuard(pk=UniqueGuard.key(kind, value), sk="UNIQUE", owner_id=owner_id)


def put_unique(tx: TransactWrite, kind: str, value: str, owner_id: str) -> None:
    """Add the guard to a transaction; the transaction fails if the value is taken."""
    tx.save(unique_guard(kind, value, owner_id), condition=UniqueGuard.pk.does_not_exist())


def delete_unique(tx: TransactWrite, kind: str, value: str) -> None:
    tx.delete(UniqueGuard(pk=UniqueGuard.key(kind, value), sk="UNIQUE"))


def resolve_unique(kind: str, value: str) -> str | None:
    """The owner id of a unique value, read strongly consistent (None when free)."""
    guard = get_item(UniqueGuard, UniqueGuard.key(kind, value), "UNIQUE")
    return guard.owner_id if guard else None


@functools.lru_cache(maxsize=1)
def _connection() -> Connection:
    return Connection(region=get_settings().region)


def transaction(idempotency_token: str | None = None) -> TransactWrite:
    """A TransactWriteItems context; everything saved/updated/deleted in it commits together."""
    return TransactWrite(connection=_connection(), client_request_token=idempotency_token)


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    """Per action of a cancelled transaction: 'ConditionalCheckFailed', 'TransactionConflict' or None."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return [reason.code if reason else None for reason in reasons]


def key_of(record: Entity) -> tuple[str, str]:
    return record.pk, record.sk


def sent_keys(tx: TransactWrite) -> list[tuple[str, str]]:
    """(pk, sk) of a transaction's writes in the order PynamoDB sends them: grouped by kind
    (condition checks, deletes, puts, updates), not in the order they were added."""
    sent = [*tx._condition_check_items, *tx._delete_items, *tx._put_items, *tx._update_items]
    keys = [kw.get("Key") or kw["Item"] for kw in sent]
    return [(key["pk"]["S"], key["sk"]["S"]) for key in keys]


def failed_keys(tx: TransactWrite, error: TransactWriteError) -> set[tuple[str, str]]:
    """(pk, sk) of each write of a cancelled transaction whose condition failed. Keys, not
    positions: the cancellation reasons follow the order sent (see sent_keys)."""
    keys = sent_keys(tx)
    return {keys[i] for i, code in enumerate(cancellation_codes(error)) if code == "ConditionalCheckFailed" and i < len(keys)}


def is_conflict(error: TransactWriteError) -> bool:
    """True when the transaction lost a race with another one (safe to retry)."""
    return "TransactionConflict" in cancellation_codes(error)


def get_item(model: type[Entity], pk: str, sk: str) -> Any:
    """One record by key, strongly consistent, or None."""
    try:
        item = model.get(pk, sk, consistent_read=True)
    except model.DoesNotExist:
        return None
    return item if isinstance(item, model) else None


def get_many(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Entity]:
    """Records of any types by (pk, sk) in one strongly consistent BatchGetItem (per 100 keys);
    missing keys are simply absent from the result."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    return {(item.pk, item.sk): item for item in Entity.batch_get(wanted, consistent_read=True)}


def query_all(model: type[Entity], pk: str, range_condition=None, limit: int | None = None, **kwargs) -> list:
    return list(model.query(pk, range_condition, limit=limit, **kwargs))


def table_schema() -> dict:
    """The table as the PynamoDB models declare it (compared with infra/ by a test)."""
    return Entity._get_schema()


def records(items: Iterable[Entity]) -> list[dict]:
    return [item.attribute_values for item in items]


def query_page(source, hash_key: str, range_condition=None, *, limit: int, offset: int = 0,
               descending: bool = False, filter_condition=None) -> list:
    """One page of a Query (on a model or one of its indexes) in key order: skips `offset` items
    and returns at most `limit`. OBP pages with limit/offset, so a page costs reading offset+limit
    items, never more of the partition."""
    items = source.query(
        hash_key, range_condition, filter_condition=filter_condition,
        scan_index_forward=not descending, limit=offset + limit,
    )
    return list(items)[offset:offset + limit]


# --- pages of append-only lists: contiguous positions -----------------------------------------------

POSITION_DIGITS = 12


def position_key(position: int) -> str:
    """A position (1, 2, ...) as a sort key that sorts in number order."""
    return f"{position:0{POSITION_DIGITS}d}"


def position_range(count: int, *, offset: int, limit: int, descending: bool) -> tuple[int, int] | None:
    """The positions (low, high) of an OBP page over items numbered 1..count, or None when the page
    is empty. Newest first (`descending`) starts at `count`."""
    if limit <= 0 or offset >= count:
        return None
    if descending:
        high = count - offset
        return max(1, high - limit + 1), high
    low = offset + 1
    return low, min(count, low + limit - 1)


def query_positions(source, hash_key: str, range_key, prefix: str, count: int, *, offset: int, limit: int,
                    descending: bool = False, consistent_read: bool = False) -> list:
    """One page of an append-only list whose items carry contiguous positions 1..count in their sort
    key (`range_key`, the table's `sk` or an index's) as `prefix + position_key(n)`, in one partition
    of the table or of an index (`source`: the model or the index). The page is one key range, so it
    reads at most `limit` items whatever the offset; `count` comes from the record that hands the
    positions out, read with the rest of the request."""
    span = position_range(count, offset=offset, limit=limit, descending=descending)
    if span is None:
        return []
    low, high = span
    query = {"consistent_read": consistent_read} if consistent_read else {}
    return list(source.query(
        hash_key, range_key.between(prefix + position_key(low), prefix + position_key(high)),
        scan_index_forward=not descending, limit=high - low + 1, **query,
    ))
