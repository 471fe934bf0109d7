"""The page index of the Enterprise API's lists: "the members of ranks r..r+size-1 of a numbered
set, newest first", at a read cost bounded whatever the set's size.

Members of a set carry increasing numbers (a profile's customer number, a payment's number), and
members leave (a deleted customer; a payment whose state changes leaves the set of its old state),
so "the k-th newest" cannot be computed from the numbers alone. A counting tree answers it: a
level-1 node counts the live members of 64 consecutive numbers, a level-2 node those of 1024
level-1 nodes (65,536 numbers), a level-3 node those of 1024 level-2 nodes (67,108,864 numbers).
Every change of membership adjusts one counter per level in the same transaction as the change.
To find rank r:
  * read the children of the current node from the top level down, one Query of at most 1024
    small items per level, skipped outright where the range holds a single possible child (no
    counter is read at all while the set's numbers stay within 64, and only level 1 up to 65,536);
  * subtract the counts of newer children until the one holding rank r is found;
  * the caller then reads members by descending number from that level-1 node's top: fewer than
    64 to skip, then the page.
So a page costs at most 3 counter Queries plus one Query of at most 63 + size members, all
strongly consistent. Counters live in the set owner's partition under a prefix of the caller's
choosing: `<prefix><level>#<index, 12 digits>`.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute

from chalicelib.store.base import Entity
from chalicelib.store.enterprise.profiles import seq_key

# Fan-out of the counting tree: numbers per level-1 node, then children per node of each level above.
FANOUT = (64, 1024, 1024)


class PageCounter(Entity, discriminator="EnterpriseCustomerCount"):  # the name customers' counters were stored with
    live = NumberAttribute(default=0)


def spans() -> list[int]:
    """How many numbers a node of each level (1, 2, 3) covers."""
    out = [FANOUT[0]]
    for fan in FANOUT[1:]:
        out.append(out[-1] * fan)
    return out


def counter_sk(prefix: str, level: int, index: int) -> str:
    return f"{prefix}{level}#{seq_key(index)}"


def count(tx, pk: str, prefix: str, number: int, delta: int) -> None:
    """Stage +1 (a member joins) or -1 (it leaves) on the counters above `number`."""
    for level, span in enumerate(spans(), start=1):
        counter = PageCounter(pk=pk, sk=counter_sk(prefix, level, (number - 1) // span))
        tx.update(counter, actions=[PageCounter.live.add(delta), PageCounter.record_type.set(PageCounter)])


def locate(pk: str, prefix: str, last_number: int, rank: int) -> tuple[int, int] | None:
    """Where rank `rank` (0 = the newest) is: (top, skip) such that reading the set's members
    numbered at most `top`, newest first, and skipping `skip` of them reaches it; None when the
    set has fewer members. `last_number` is the highest number ever given in the set."""
    if last_number <= 0 or rank < 0:
        return None
    all_spans = spans()
    low, high = 0, (last_number - 1) // all_spans[-1]  # the top-level nodes that can exist
    chosen, remaining = 0, rank
    for level in range(len(all_spans), 0, -1):
        if low == high:
            chosen = low  # a single possible child holds all its parent holds
        else:
            for index, live in _children(pk, prefix, level, low, high):
                if remaining < live:
                    chosen = index
                    break
                remaining -= live
            else:
                return None
        if level > 1:
            fan = all_spans[level - 1] // all_spans[level - 2]
            low = chosen * fan
            high = min(low + fan - 1, (last_number - 1) // all_spans[level - 2])
    return min(last_number, (chosen + 1) * all_spans[0]), remaining


def total(pk: str, prefix: str) -> int:
    """The set's live members: the sum of its top-level counters (one Query, one item for the
    first 67 million numbers)."""
    top = PageCounter.query(pk, PageCounter.sk.startswith(f"{prefix}{len(FANOUT)}#"), consistent_read=True)
    return sum(int(item.live) for item in top)


def _children(pk: str, prefix: str, level: int, low: int, high: int) -> list[tuple[int, int]]:
    """(index, live) of the level's counters low..high, highest index first."""
    items = PageCounter.query(
        pk, PageCounter.sk.between(counter_sk(prefix, level, low), counter_sk(prefix, level, high)),
        scan_index_forward=False, consistent_read=True,
    )
    return [(int(item.sk.rsplit("#", 1)[1]), int(item.live)) for item in items]
