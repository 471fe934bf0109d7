"""Numbered lists: OBP's `limit`/`offset` (and the Enterprise API's `page`/`size`) at a read cost
that does not grow with the offset or with the list.

A list (a bank's customers, a user's consents, a webhook's deliveries...) is named by a key such
as `CUSTOMERS#<bank_id>`. Each member is a record that carries its *number* in the list as the
sort key of the index the list is read from: hash key = the list's name, sort key = the number as
fixed-width digits (`lst.key(n)`). Numbers are handed out in the very transaction that inserts the
member, conditioned on the number read before, so two inserts never take the same number (the
loser reads again and retries, `write`), and a member removed leaves a gap that is never reused.

Two kinds of list:
  * NumberedList, in the order of insertion (ASC oldest first, DESC newest first): numbers 1, 2,
    3... from the list's head;
  * DatedList, in the order of a date the member carries (to the second), then of insertion
    (a bank's CRM events by scheduled date, a customer's KYC statuses by date): the number is
    seconds since 0001-01-01 x 65,536 + the member's rank among those of the same second
    (1, 2, 3...); members are never removed.

Items, in the partition LIST#<name>:
  HEAD                     (NumberedList) last: the last number handed out; live: members now
  COUNT#<level>#<index>    live members numbered within the node's range: a counting tree

The counting tree. NumberedList: a level-1 node covers 64 consecutive numbers, a level-2 node
1024 level-1 nodes (65,536 numbers). DatedList: a level-1 node is one second (`last` also holds
the second's last rank), then nodes of 1024 seconds, 2^20 seconds (12 days), 2^30 (34 years) and
one root. Inserting a member adds 1 to the head's `live` and to one node per level, removing one
subtracts 1, in the member's own transaction. The member's put is conditioned on its absence and
its delete on its presence, so a retried or crashed write changes the counts exactly as often as
the member itself: never a count without its member, never a member without its count. An
*append-only* NumberedList (counted=False: its members are never removed by a write; e.g.
deliveries, which only expire by TTL) keeps the head alone.

Reading the member of rank r (0-based, in the list's order):
  * the first page (r = 0) is where the index starts (ends, DESC): one Query, nothing else;
  * NumberedList without a gap (live == last; always so when append-only): its number is r + 1
    (ASC) or last - r (DESC), no counter read: the head (one GetItem) and one Query of the page;
  * otherwise descend the tree, reading the children of one node per level (one Query of at most
    1024 small items; a level whose range holds a single possible node is not read), subtracting
    counts until the node holding rank r; then one Query of the index from there. A NumberedList
    reads the head, at most 2 counter Queries (one while the list has numbered up to 65,536) and
    at most 63 + limit members; a DatedList at most 4 counter Queries and exactly the page (its
    members are never removed, so a second's members are its first numbers).
Past 67 million numbers a NumberedList's level-2 read grows by one small item per 65,536 numbers.

Where a list must be filtered by something no list is kept for, `matching` reads the list in
order within a budget (READ_BUDGET items) and raises TooBroad when the page cannot be completed
within it; the caller answers a clear 4xx asking for a narrower filter. `bulk_append` numbers
records loaded offline (a migration, a test's 10,000 records), never on a request path.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable, Union

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.store.base import Entity, failed_keys, get_item, get_many, is_conflict, transaction

NUMBER_DIGITS = 12
FANOUT = (64, 1024)  # NumberedList: numbers per level-1 node; level-1 nodes per level-2 node
SECOND = 65536  # DatedList: numbers per second (the most members one second of one list may hold, minus one)
DATED_FANOUT = (SECOND, 1024, 1024, 1024, 512)  # a second, then 1024 seconds, 2^20, 2^30, 2^39 seconds
DATED_DIGITS = 17
READ_BUDGET = 1000  # items a filtered read may examine for one request
ATTEMPTS = 20  # rounds a write may lose to concurrent inserts into the same list
HEAD = "HEAD"
_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)


class ListHead(Entity, discriminator="ListHead"):
    last = NumberAttribute(default=0)
    live = NumberAttribute(default=0)


class ListCount(Entity, discriminator="ListCount"):
    live = NumberAttribute(default=0)
    last = NumberAttribute(null=True)  # a DatedList's level-1 node: the last rank given in its second


def number_key(number: int) -> str:
    return f"{number:0{NUMBER_DIGITS}d}"


@dataclass(frozen=True)
class CountingTree:
    """Where a list's counters are and how wide its nodes are. Lists of this module keep theirs in
    LIST#<name>; an Enterprise profile's lists (its customers, its payments under each filter) in
    the profile's partition (store/enterprise/profiles.counting_tree). `dense`: members are never
    removed, so a level-1 node's members are its first numbers."""

    pk: str
    prefix: str = "COUNT#"
    fanout: tuple[int, ...] = FANOUT
    model: type[Entity] = ListCount
    dense: bool = False

    def spans(self) -> list[int]:
        """How many numbers a node of each level (1, 2, ...) covers."""
        spans = [self.fanout[0]]
        for fan in self.fanout[1:]:
            spans.append(spans[-1] * fan)
        return spans

    def node_sk(self, level: int, index: int) -> str:
        return f"{self.prefix}{level}#{number_key(index)}"

    def stage(self, tx: TransactWrite, number: int, delta: int, *, from_level: int = 1) -> None:
        """Count a member in (+1) or out (-1) in the transaction that writes it."""
        model = self.model
        for level, span in enumerate(self.spans(), start=1):
            if level >= from_level:
                node = model(pk=self.pk, sk=self.node_sk(level, (number - 1) // span))
                tx.update(node, actions=[model.live.add(delta), model.record_type.set(model)])

    def total(self) -> int:
        """The live members, for a list whose head keeps no count: the sum of the top level's
        nodes (one Query; one item until the list has numbered past a top node's span)."""
        model = self.model
        top = model.query(self.pk, model.sk.startswith(f"{self.prefix}{len(self.fanout)}#"), consistent_read=True)
        return sum(int(item.live) for item in top)

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
    """A list in the order of insertion: its head and counters live in LIST#<name>; its members
    are indexed with hash key `name` and sort key `key(number)`."""

    name: str
    counted: bool = True

    @property
    def pk(self) -> str:
        return f"LIST#{self.name}"

    @property
    def tree(self) -> CountingTree:
        return CountingTree(self.pk)

    @staticmethod
    def key(number: int) -> str:
        return number_key(number)


@dataclass(frozen=True)
class DatedList:
    """A list in the order of a date its members carry (to the second), then of insertion; its
    members are never removed. Counters in LIST#<name>; members indexed with hash key `name`
    and sort key `key(number)`."""

    name: str

    @property
    def pk(self) -> str:
        return f"LIST#{self.name}"

    @property
    def tree(self) -> CountingTree:
        return CountingTree(self.pk, fanout=DATED_FANOUT, dense=True)

    @staticmethod
    def key(number: int) -> str:
        return f"{number:0{DATED_DIGITS}d}"

    @staticmethod
    def second_of(when: datetime) -> int:
        return int((when.astimezone(timezone.utc) - _EPOCH).total_seconds())


Append = Union[NumberedList, tuple[DatedList, datetime]]


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

@dataclass(frozen=True)
class _Slot:
    """One insertion of a write: the item whose value is read first and conditioned on."""

    name: str
    key: tuple[str, str]
    lst: NumberedList | DatedList
    second: int | None = None

    @staticmethod
    def of(target: Append) -> "_Slot":
        if isinstance(target, NumberedList):
            return _Slot(target.name, (target.pk, HEAD), target)
        lst, when = target
        second = DatedList.second_of(when)
        return _Slot(lst.name, (lst.pk, lst.tree.node_sk(1, second)), lst, second)

    def last_read(self, found: dict) -> int:
        record = found.get(self.key)
        return int(getattr(record, "last", None) or 0)

    def live_read(self, found: dict) -> int:
        record = found.get(self.key)
        return int(getattr(record, "live", None) or 0)

    def stage(self, tx: TransactWrite, last: int, at_most: int | None) -> int:
        model = ListHead if self.second is None else ListCount
        condition = model.last.does_not_exist() if last == 0 else model.last == last
        if at_most is not None:
            condition &= model.live.does_not_exist() | (model.live < at_most)
        rank = last + 1
        if self.second is not None and rank >= SECOND:
            raise Crowded(f"{self.name}: one second holds at most {SECOND - 1} members")
        tx.update(model(pk=self.key[0], sk=self.key[1]), condition=condition,
                  actions=[model.last.set(rank), model.live.add(1), model.record_type.set(model)])
        if self.second is None:
            if self.lst.counted:
                self.lst.tree.stage(tx, rank, +1)
            return rank
        number = self.second * SECOND + rank
        self.lst.tree.stage(tx, number, +1, from_level=2)
        return number


def stage_remove(tx: TransactWrite, lst: NumberedList, number: int) -> None:
    """Count a member out, in the transaction that deletes it (its delete conditioned on its
    presence). Only a counted NumberedList may lose members."""
    if not isinstance(lst, NumberedList) or not lst.counted:
        raise ValueError(f"{lst.name}: its members are never removed")
    tx.update(ListHead(pk=lst.pk, sk=HEAD), actions=[ListHead.live.add(-1)], condition=ListHead.pk.exists())
    lst.tree.stage(tx, number, -1)


def write(build: Callable[[TransactWrite, dict[str, int]], None], append: Iterable[Append] = (), *,
          at_most: dict[str, int] | None = None) -> dict[str, int]:
    """One transaction that inserts a member into each list of `append` (a NumberedList, or a
    (DatedList, the member's date) pair) and whatever else `build` stages: removals with
    stage_remove, the records themselves. What the numbers depend on is read first (one round
    trip), then `build(tx, numbers)` stages the writes, numbers[name] being the member's number in
    that list. A number taken meanwhile, or a concurrent transaction, makes it read again and
    retry. Returns the numbers.

    Raises Cancelled when one of build's own conditions failed, Crowded when a list of `at_most`
    (name -> most members) is full."""
    slots = [_Slot.of(target) for target in append]
    at_most = at_most or {}
    own = {slot.key for slot in slots}
    for attempt in range(ATTEMPTS):
        found = get_many(own) if own else {}
        full = sorted(slot.name for slot in slots if slot.name in at_most and slot.live_read(found) >= at_most[slot.name])
        if full:
            raise Crowded(", ".join(full))
        tx = transaction()
        try:
            with tx:
                numbers = {slot.name: slot.stage(tx, slot.last_read(found), at_most.get(slot.name)) for slot in slots}
                build(tx, numbers)
        except TransactWriteError as err:
            failed = failed_keys(tx, err)
            if failed - own:
                raise Cancelled(failed - own) from err
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
        bulk_count(lst.tree, range(first, first + count))
    return range(first, first + count)


def bulk_append_dated(lst: DatedList, dates: list[datetime]) -> list[int]:
    """bulk_append for a DatedList: the numbers of members carrying `dates`, in that order."""
    seconds = [DatedList.second_of(when) for when in dates]
    tree = lst.tree
    nodes = _read_nodes(tree, 1, set(seconds))
    numbers = []
    for second in seconds:
        node = nodes[second]
        node.last, node.live = int(node.last or 0) + 1, int(node.live or 0) + 1
        numbers.append(second * SECOND + int(node.last))
    _write_nodes(nodes.values())
    bulk_count(tree, numbers, from_level=2)
    return numbers


def bulk_count(tree: CountingTree, numbers: Iterable[int], from_level: int = 1) -> None:
    """Count members loaded offline into a tree: its nodes read and written in batches."""
    numbers = list(numbers)
    for level, span in enumerate(tree.spans(), start=1):
        if level < from_level:
            continue
        added: dict[int, int] = {}
        for number in numbers:
            added[(number - 1) // span] = added.get((number - 1) // span, 0) + 1
        nodes = _read_nodes(tree, level, set(added))
        for index, node in nodes.items():
            node.live = int(node.live or 0) + added[index]
        _write_nodes(nodes.values())


def _read_nodes(tree: CountingTree, level: int, indexes: set[int]) -> dict[int, Entity]:
    """The level's nodes of these indexes, as stored or new (live 0)."""
    keys = {index: (tree.pk, tree.node_sk(level, index)) for index in indexes}
    found = get_many(keys.values())
    return {index: found.get(key) or tree.model(pk=key[0], sk=key[1], live=0) for index, key in keys.items()}


def _write_nodes(nodes: Iterable[Entity]) -> None:
    nodes = list(nodes)
    if nodes:
        with type(nodes[0]).batch_write() as batch:
            for node in nodes:
                batch.save(node)


# --- reads ---------------------------------------------------------------------------------------

def locate(tree: CountingTree | None, head: Head | None, rank: int, descending: bool) -> tuple[int, int, int] | None:
    """Where the member of rank `rank` is: (low, high, skip), the skip-th member (0-based, from
    `high` down when descending, from `low` up otherwise) numbered within low..high. None when the
    list has no such member. `tree` None: a list without gaps. `head` None (a DatedList): the
    whole number range, walked from the top."""
    if rank < 0 or (head is not None and (rank >= head.live or head.last == 0)):
        return None
    if tree is None or (head is not None and head.live == head.last):
        number = head.last - rank if descending else rank + 1
        return number, number, 0
    spans = tree.spans()
    top = head.last if head is not None else spans[-1]
    remaining, chosen, chosen_live = rank, 0, 0
    low, high = 0, (top - 1) // spans[-1]  # the top-level nodes that can exist
    for level in range(len(spans), 0, -1):
        if low == high and not (tree.dense and level == 1):
            chosen = low  # a single possible node holds all its parent holds
        else:
            for index, live in tree.children(level, low, high, descending):
                if remaining < live:
                    chosen, chosen_live = index, live
                    break
                remaining -= live
            else:
                return None
        if level > 1:
            fan = spans[level - 1] // spans[level - 2]
            low = chosen * fan
            high = min(low + fan - 1, (top - 1) // spans[level - 2])
    first = chosen * spans[0] + 1
    if tree.dense:  # members are never removed: the node's members are its first numbers
        number = first + (chosen_live - 1 - remaining if descending else remaining)
        return number, number, 0
    return first, min(top, (chosen + 1) * spans[0]), remaining


def page(lst: NumberedList | DatedList, source, sort_key, *, offset: int, limit: int, descending: bool = False,
         head: Head | None = None) -> list:
    """The members of ranks offset .. offset+limit-1 in the list's order (DESC: newest first).
    `source` is the model or index the members are read from, `sort_key` its range key attribute
    (the member's number). `head`: a NumberedList's head when the caller has read it already.
    The first page needs neither head nor counters: it is where the index starts (or ends)."""
    if offset == 0 and head is None:
        return list(_asking_for_the_rest(source.query(lst.name, scan_index_forward=not descending, limit=limit), limit)) \
            if limit > 0 else []
    if isinstance(lst, DatedList):
        return read_from(source, sort_key, lst.name, None, lst.tree, offset=offset, limit=limit,
                         descending=descending, key_of=lst.key)
    head = head if head is not None else read_head(lst)
    return read_from(source, sort_key, lst.name, head, lst.tree if lst.counted else None,
                     offset=offset, limit=limit, descending=descending)


def read_from(source, sort_key, hash_key: str, head: Head | None, tree: CountingTree | None, *, offset: int,
              limit: int, descending: bool, consistent: bool = False,
              key_of: Callable[[int], str] = number_key) -> list:
    """page() for members anywhere: `hash_key` their partition (or index hash key), `key_of(n)`
    the sort key of number n, `head` the list's last number and live count (None: walk the whole
    number range), `tree` its counters (None: no gaps)."""
    found = locate(tree, head, offset, descending) if limit > 0 else None
    if found is None:
        return []
    low, high, skip = found
    highest = head.last if head is not None else tree.spans()[-1]
    first, last = (1, high) if descending else (low, highest)
    kwargs = {"consistent_read": True} if consistent else {}
    items = source.query(hash_key, sort_key.between(key_of(first), key_of(last)),
                         scan_index_forward=not descending, limit=skip + limit, **kwargs)
    return list(_asking_for_the_rest(items, skip + limit))[skip:]


def _asking_for_the_rest(items, wanted: int):
    """The items of a Query made with limit=wanted; when DynamoDB cuts a page at 1 MB, the next
    request asks for the items still wanted, not `wanted` again (PynamoDB's default)."""
    for item in items:
        wanted -= 1
        items.page_iter.page_size = max(1, wanted)
        yield item


def matching(source, hash_key: str, predicate: Callable[[object], bool], *, offset: int, limit: int,
             descending: bool = False, range_condition=None, budget: int = READ_BUDGET) -> list:
    """The members of the partition (in index order) that satisfy `predicate`, skipping `offset`
    of them, at most `limit`; reads at most `budget` items. Raises TooBroad when the page is not
    complete within the budget and the partition has more. The first read asks for as many
    items as the page would need if every item matched, each next one for four times as many (within
    the budget), so a filter that matches often reads little more than its page."""
    out: list = []
    matched, left, start = 0, budget, None
    size = min(budget, max(offset + limit, 25))
    while True:
        items = source.query(hash_key, range_condition, scan_index_forward=not descending, limit=size,
                             last_evaluated_key=start)
        for item in _asking_for_the_rest(items, size):
            left -= 1
            if predicate(item):
                matched += 1
                if matched > offset:
                    out.append(item)
                    if len(out) == limit:
                        return out
        start = items.last_evaluated_key
        if start is None:
            return out
        if left <= 0:
            raise TooBroad(budget)
        size = min(left, size * 4)
