"""Numbered lists: OBP's `limit`/`offset` (and the Enterprise API's `page`/`size`) at a read cost
that does not grow with the offset or with the list.

A list (a bank's customers, a user's consents, a webhook's deliveries...) is named by a key such
as `CUSTOMERS#<bank_id>`. Each member is a record that carries its *number* in the list as the
sort key of the index the list is read from: hash key = the list's name, sort key =
`number_key(n)`. Numbers are handed out 1, 2, 3... in the very transaction that inserts the
member, so the list's order is the order of insertion (ASC oldest first, DESC newest first), and
a member removed leaves a gap that is never reused.

Items, in the partition LIST#<name>:
  HEAD                     last: the last number handed out; live: how many members there are now
  COUNT#<level>#<index>    how many members are numbered within the node's range (counted lists)

The counting tree (counted lists): a level-1 node covers 64 consecutive numbers, a level-2 node
1024 level-1 nodes (65,536 numbers). Inserting a member adds 1 to the head's `live` and to its
level-1 and level-2 node, removing one subtracts 1, in the member's own transaction. The member's
put is conditioned on its absence and its delete on its presence, so a transaction that is
retried, or cancelled by a crash, changes the counts exactly as often as the member itself: never
a count without its member, never a member without its count. The head's update is conditioned
on the number read (`last = n - 1`): two inserts cannot take the same number; the loser reads the
head again and retries (`write`).

An *append-only* list (counted=False: members are never removed by a write; e.g. deliveries,
which only expire by TTL) keeps the head alone.

Reading the member of rank r (0-based, in the list's order):
  * no gap (live == last, always so for an append-only list): its number is r + 1 (ASC) or
    last - r (DESC); no counter is read;
  * otherwise descend the tree: the level-2 nodes (read only once the list has numbered past
    65,536: one Query of last / 65,536 items), then the level-1 nodes under the chosen one (one
    Query of at most 1024 small items), subtracting counts until the node holding rank r;
  * then one Query of the index from that node: fewer than 64 members to skip, then the page.
A page thus costs the head (one GetItem) + at most 2 counter Queries + one Query of at most
limit + 63 members; with no gap, the head and limit members. Up to 67 million numbers per list
the counter reads stay within 1024 + 1024 items; past that, the level-2 read grows by one small
item per 65,536 numbers.

Where a list must be filtered by something no list is kept for, `matching` reads the list in
order with a budget (READ_BUDGET items) and raises TooBroad when the page cannot be completed
within it: the caller answers a clear 4xx asking for a narrower filter. `bulk_append` numbers
records loaded offline (a migration, a test's 10,000 records), never on a request path.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.store.base import Entity, failed_keys, get_item, get_many, is_conflict, transaction

NUMBER_DIGITS = 12
FANOUT = (64, 1024)  # numbers per level-1 node; level-1 nodes per level-2 node
READ_BUDGET = 1000  # items a filtered read may examine for one request
ATTEMPTS = 20  # rounds a write may lose to concurrent inserts into the same list
HEAD = "HEAD"


class ListHead(Entity, discriminator="ListHead"):
    last = NumberAttribute(default=0)
    live = NumberAttribute(default=0)


class ListCount(Entity, discriminator="ListCount"):
    live = NumberAttribute(default=0)


def number_key(number: int) -> str:
    return f"{number:0{NUMBER_DIGITS}d}"


def number_of(key: str) -> int:
    return int(key)


@dataclass(frozen=True)
class CountingTree:
    """Where a list's counters are and how wide its nodes are. Lists of this module keep theirs in
    LIST#<name>; the Enterprise customer list keeps its own in the profile's partition."""

    pk: str
    prefix: str = "COUNT#"
    fanout: tuple[int, ...] = FANOUT
    model: type[Entity] = ListCount

    def spans(self) -> list[int]:
        """How many numbers a node of each level (1, 2, ...) covers."""
        spans = [self.fanout[0]]
        for fan in self.fanout[1:]:
            spans.append(spans[-1] * fan)
        return spans

    def node_sk(self, level: int, index: int) -> str:
        return f"{self.prefix}{level}#{number_key(index)}"

    def stage(self, tx: TransactWrite, number: int, delta: int) -> None:
        """Count a member in (+1) or out (-1) in the transaction that writes it."""
        model = self.model
        for level, span in enumerate(self.spans(), start=1):
            node = model(pk=self.pk, sk=self.node_sk(level, (number - 1) // span))
            tx.update(node, actions=[model.live.add(delta), model.record_type.set(model)])

    def children(self, level: int, low: int, high: int, descending: bool) -> list[tuple[int, int]]:
        """(index, live) of the level's nodes low..high, in reading order."""
        model = self.model
        items = model.query(self.pk, model.sk.between(self.node_sk(level, low), self.node_sk(level, high)),
                            scan_index_forward=not descending, consistent_read=True)
        return [(int(item.sk.rsplit("#", 1)[1]), int(item.live)) for item in items]


@dataclass(frozen=True)
class Head:
    last: int = 0
    live: int = 0


@dataclass(frozen=True)
class NumberedList:
    """A list of this module: its head and counters live in LIST#<name>; its members are indexed
    with hash key `name` and sort key `number_key(number)`."""

    name: str
    counted: bool = True

    @property
    def pk(self) -> str:
        return f"LIST#{self.name}"

    @property
    def tree(self) -> CountingTree:
        return CountingTree(self.pk)


class TooBroad(Exception):
    """A filtered read would examine more than its budget of items for one page."""

    def __init__(self, budget: int):
        super().__init__(f"more than {budget} items would be read")
        self.budget = budget


class Cancelled(Exception):
    """A numbered write was refused by one of the caller's own conditions: `failed` holds the
    (pk, sk) of each write whose condition failed."""

    def __init__(self, failed: set[tuple[str, str]]):
        super().__init__(f"conditions failed on {sorted(failed)}")
        self.failed = failed


class Crowded(Exception):
    """A list refused a member because it holds as many as it may (`write(..., at_most=)`)."""


# --- heads ---------------------------------------------------------------------------------------

def _head_from(record) -> Head:
    return Head(int(record.last or 0), int(record.live or 0)) if isinstance(record, ListHead) else Head()


def read_head(lst: NumberedList) -> Head:
    return _head_from(get_item(ListHead, lst.pk, HEAD))


def read_heads(lists: Iterable[NumberedList]) -> dict[str, Head]:
    """The heads of several lists in one BatchGetItem, by list name (absent: an empty list)."""
    lists = list(lists)
    if len(lists) == 1:
        return {lists[0].name: read_head(lists[0])}
    found = get_many((lst.pk, HEAD) for lst in lists)
    return {lst.name: _head_from(found.get((lst.pk, HEAD))) for lst in lists}


# --- writes --------------------------------------------------------------------------------------

def _stage_append(tx: TransactWrite, lst: NumberedList, head: Head, at_most: int | None) -> int:
    number = head.last + 1
    condition = ListHead.last.does_not_exist() if head.last == 0 else ListHead.last == head.last
    if at_most is not None:
        condition &= ListHead.live.does_not_exist() | (ListHead.live < at_most)
    tx.update(ListHead(pk=lst.pk, sk=HEAD), condition=condition,
              actions=[ListHead.last.set(number), ListHead.live.add(1), ListHead.record_type.set(ListHead)])
    if lst.counted:
        lst.tree.stage(tx, number, +1)
    return number


def stage_remove(tx: TransactWrite, lst: NumberedList, number: int) -> None:
    """Count a member out, in the transaction that deletes it (its delete conditioned on its
    presence). Only a counted list may lose members."""
    if not lst.counted:
        raise ValueError(f"{lst.name} is append-only: its members are never removed")
    tx.update(ListHead(pk=lst.pk, sk=HEAD), actions=[ListHead.live.add(-1)], condition=ListHead.pk.exists())
    lst.tree.stage(tx, number, -1)


def write(build: Callable[[TransactWrite, dict[str, int]], None], append: Iterable[NumberedList] = (), *,
          at_most: dict[str, int] | None = None) -> dict[str, int]:
    """One transaction that inserts a member into each list of `append` (and whatever else `build`
    stages: removals with stage_remove, the records themselves). The heads are read first (one
    round trip), then `build(tx, numbers)` stages the writes, numbers[name] being the member's
    number in that list. A head that moved meanwhile, or a concurrent transaction, makes it read
    the heads again and retry. Returns the numbers.

    Raises Cancelled when one of build's own conditions failed, Crowded when a list of `at_most`
    (name -> most members) is full."""
    append = list(append)
    at_most = at_most or {}
    heads_keys = {(lst.pk, HEAD) for lst in append}
    for attempt in range(ATTEMPTS):
        heads = read_heads(append) if append else {}
        full = sorted(name for name, most in at_most.items() if name in heads and heads[name].live >= most)
        if full:
            raise Crowded(", ".join(full))
        tx = transaction()
        try:
            with tx:
                numbers = {lst.name: _stage_append(tx, lst, heads[lst.name], at_most.get(lst.name)) for lst in append}
                build(tx, numbers)
        except TransactWriteError as err:
            failed = failed_keys(tx, err)
            if failed - heads_keys:
                raise Cancelled(failed - heads_keys) from err
            if failed or is_conflict(err):
                time.sleep(random.uniform(0, min(0.1, 0.004 * 2 ** attempt)))
                continue
            raise
        return numbers
    raise Cancelled(set())


def bulk_append(lst: NumberedList, count: int) -> range:
    """Reserve `count` numbers at the end of the list and count them in, for members written
    right after by the caller (BatchWriteItem). Not atomic with those writes: for loading data
    offline (a migration, a test's records), never on a request path."""
    head = ListHead(pk=lst.pk, sk=HEAD)
    head.update(actions=[ListHead.last.add(count), ListHead.live.add(count), ListHead.record_type.set(ListHead)])
    first = int(head.last) - count + 1
    if lst.counted:
        for level, span in enumerate(lst.tree.spans(), start=1):
            per_node: dict[int, int] = {}
            for number in range(first, first + count):
                per_node[(number - 1) // span] = per_node.get((number - 1) // span, 0) + 1
            for index, added in per_node.items():
                node = ListCount(pk=lst.pk, sk=lst.tree.node_sk(level, index))
                node.update(actions=[ListCount.live.add(added), ListCount.record_type.set(ListCount)])
    return range(first, first + count)


# --- reads ---------------------------------------------------------------------------------------

def locate(tree: CountingTree | None, head: Head, rank: int, descending: bool) -> tuple[int, int, int] | None:
    """Where the member of rank `rank` is: (low, high, skip), the skip-th member (0-based, from
    `high` down when descending, from `low` up otherwise) numbered within low..high. None when the
    list has no such member. `tree` None: the list has no gaps."""
    if rank < 0 or rank >= head.live or head.last == 0:
        return None
    if tree is None or head.live == head.last:
        number = head.last - rank if descending else rank + 1
        return number, number, 0
    spans = tree.spans()
    remaining, chosen = rank, 0
    low, high = 0, (head.last - 1) // spans[-1]  # the top-level nodes that can exist
    for level in range(len(spans), 0, -1):
        if low == high:
            chosen = low  # a single possible node holds all its parent holds
        else:
            for index, live in tree.children(level, low, high, descending):
                if remaining < live:
                    chosen = index
                    break
                remaining -= live
            else:
                return None
        if level > 1:
            fan = spans[level - 1] // spans[level - 2]
            low = chosen * fan
            high = min(low + fan - 1, (head.last - 1) // spans[level - 2])
    return chosen * spans[0] + 1, min(head.last, (chosen + 1) * spans[0]), remaining


def page(lst: NumberedList, source, sort_key, *, offset: int, limit: int, descending: bool = False,
         head: Head | None = None) -> list:
    """The members of ranks offset .. offset+limit-1 in the list's order (DESC: newest first).
    `source` is the model or index the members are read from, `sort_key` its range key attribute
    (the member's number). `head`: the list's head when the caller has read it already."""
    head = head if head is not None else read_head(lst)
    return read_from(source, sort_key, lst.name, head, lst.tree if lst.counted else None,
                     offset=offset, limit=limit, descending=descending)


def read_from(source, sort_key, hash_key: str, head: Head, tree: CountingTree | None, *, offset: int, limit: int,
              descending: bool, consistent: bool = False, key_of: Callable[[int], str] = number_key) -> list:
    """page() for members anywhere: `hash_key` their partition (or index hash key), `key_of(n)`
    the sort key of number n, `tree` the counters (None: no gaps)."""
    found = locate(tree, head, offset, descending) if limit > 0 else None
    if found is None:
        return []
    low, high, skip = found
    first, last = (1, high) if descending else (low, head.last)
    kwargs = {"consistent_read": True} if consistent else {}
    items = source.query(hash_key, sort_key.between(key_of(first), key_of(last)),
                         scan_index_forward=not descending, limit=skip + limit, **kwargs)
    return list(items)[skip:]


def matching(source, hash_key: str, predicate: Callable[[object], bool], *, offset: int, limit: int,
             descending: bool = False, range_condition=None, budget: int = READ_BUDGET) -> list:
    """The members of the partition (in index order) that satisfy `predicate`, skipping `offset`
    of them, at most `limit`; reads at most `budget` items. Raises TooBroad when the page is not
    complete within the budget and the partition has more."""
    items = source.query(hash_key, range_condition, scan_index_forward=not descending, limit=budget)
    out: list = []
    matched = 0
    for item in items:
        if predicate(item):
            matched += 1
            if matched > offset:
                out.append(item)
                if len(out) == limit:
                    return out
    if items.last_evaluated_key is not None:
        raise TooBroad(budget)
    return out
