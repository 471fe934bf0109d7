"""The numbered lists of store/positions.py: a page at any offset of a 10,000-member list reads the
head and the page (no gap), or also at most one Query of level-1 counters (gaps); counts stay
right under removals, races, retries and refused writes; filtered reads keep to their budget."""
from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.store import positions
from chalicelib.store.base import Entity, get_item, transaction
from tests.support import DynamoCalls, fresh_aws, serialized_aws_calls

SIZE = 10_000
LIMIT = 50


class Member(Entity, discriminator="PositionsTestMember"):
    number = NumberAttribute()
    label = UnicodeAttribute(default="")


def member(lst: positions.NumberedList, number: int, label: str = "") -> Member:
    return Member(pk=f"MEMBER#{uuid.uuid4()}", sk="MEMBER", gsi1pk=lst.name, gsi1sk=positions.number_key(number),
                  number=number, label=label)


def load(lst: positions.NumberedList, count: int, label=lambda n: "") -> dict[int, Member]:
    made = {}
    with Member.batch_write() as batch:
        for number in positions.bulk_append(lst, count):
            made[number] = member(lst, number, label(number))
            batch.save(made[number])
    return made


def insert(lst: positions.NumberedList, label: str = "") -> int:
    made = {}

    def build(tx, numbers):
        made["record"] = member(lst, numbers[lst.name], label)
        tx.save(made["record"], condition=Member.pk.does_not_exist())

    return positions.write(build, [lst])[lst.name]


def remove(lst: positions.NumberedList, record: Member) -> None:
    def build(tx, _):
        tx.delete(Member(pk=record.pk, sk=record.sk), condition=Member.pk.exists())
        positions.stage_remove(tx, lst, int(record.number))

    positions.write(build)


def page(lst, offset, limit=LIMIT, descending=False) -> list[int]:
    return [int(m.number) for m in positions.page(lst, Member.gsi1, Member.gsi1sk, offset=offset, limit=limit,
                                                    descending=descending)]


def expected(numbers: list[int], offset: int, limit: int = LIMIT, descending: bool = False) -> list[int]:
    ordered = sorted(numbers, reverse=descending)
    return ordered[offset:offset + limit]


DATED = positions.DatedList("TEST#dated")


def dates(count: int, seed: int) -> list[datetime]:
    """Dates over three years, some seconds shared by several members, a few far in the past."""
    rng = random.Random(seed)
    start = datetime(2021, 1, 1, tzinfo=timezone.utc)
    picked = [start + timedelta(seconds=rng.randrange(3 * 365 * 86400)) for _ in range(count)]
    for i in range(0, count, 97):
        picked[i] = picked[i - 1] if i else picked[i]  # the same second as the one before
    picked[5] = datetime(1100, 1, 1, tzinfo=timezone.utc)
    return picked


@pytest.fixture(scope="module")
def big():
    """One table for the module: a counted and an append-only list of 10,000 members each, and a
    dated list of 10,000 members (DATED, their dates in insertion order in `big.dated`)."""
    with fresh_aws():
        counted, append_only = positions.NumberedList("TEST#counted"), positions.NumberedList("TEST#log", counted=False)
        members = load(counted, SIZE)
        load(append_only, SIZE)
        when = dates(SIZE, 11)
        with Member.batch_write() as batch:
            for number, label in zip(positions.bulk_append_dated(DATED, when), range(SIZE)):
                batch.save(Member(pk=f"MEMBER#{uuid.uuid4()}", sk="MEMBER", gsi1pk=DATED.name,
                                  gsi1sk=DATED.key(number), number=number, label=str(label)))
        yield counted, append_only, members, when


def cost(dynamo_calls: DynamoCalls, read):
    dynamo_calls.reset()
    result = read()
    return result, dynamo_calls.operations(), dynamo_calls.items_read()


@pytest.mark.parametrize("offset", [0, 4321, 9950, 9999])
@pytest.mark.parametrize("descending", [False, True])
def test_a_page_without_gaps_reads_the_head_and_the_page(big, dynamo_calls, offset, descending):
    counted, append_only, _, _ = big
    for lst in (counted, append_only):
        found, operations, items = cost(dynamo_calls, lambda: page(lst, offset, descending=descending))
        assert found == expected(list(range(1, SIZE + 1)), offset, descending=descending)
        head = [] if offset == 0 else ["GetItem"]  # the first page is where the index starts: no head needed
        assert operations == head + ["Query"]
        assert items == len(head) + len(found)


def test_beyond_the_end_reads_the_head_only(big, dynamo_calls):
    counted, _, _, _ = big
    found, operations, items = cost(dynamo_calls, lambda: page(counted, SIZE))
    assert (found, operations, items) == ([], ["GetItem"], 1)


def test_with_gaps_a_page_reads_at_most_one_query_of_counters_more(big, dynamo_calls):
    counted, _, members, _ = big
    gone = sorted(random.Random(7).sample(range(1, SIZE + 1), 40)) + [9990, 9991, 9992]
    for number in gone:
        remove(counted, members[number])
    live = [n for n in range(1, SIZE + 1) if n not in set(gone)]
    assert positions.read_head(counted) == positions.Head(last=SIZE, live=len(live))
    level1_nodes = -(-SIZE // positions.FANOUT[0])
    for descending in (False, True):
        for offset in (0, 63, 64, 5000, len(live) - LIMIT, len(live) - 1):
            found, operations, items = cost(dynamo_calls, lambda: page(counted, offset, descending=descending))
            assert found == expected(live, offset, descending=descending)
            assert operations == (["Query"] if offset == 0 else ["GetItem", "Query", "Query"])
            assert items <= 1 + level1_nodes + (positions.FANOUT[0] - 1) + LIMIT


def test_every_level_of_a_deeper_tree_is_walked_right(big):
    """A tree of tiny nodes (2 numbers, then 3 and 4 children) exercises the descent through
    several levels on a small list, against the list kept in Python."""
    tree = positions.CountingTree("LIST#TEST#deep", fanout=(2, 3, 4))
    live = list(range(1, 61))
    with Member.batch_write() as batch:
        for number in live:
            batch.save(Member(pk="DEEP", sk=positions.number_key(number), number=number))
    for number in range(1, 61):
        with transaction() as tx:
            tree.stage(tx, number, +1)
    for number in random.Random(3).sample(range(1, 61), 25):
        with transaction() as tx:
            tx.delete(Member(pk="DEEP", sk=positions.number_key(number)), condition=Member.pk.exists())
            tree.stage(tx, number, -1)
        live.remove(number)
    head = positions.Head(last=60, live=len(live))
    for descending in (False, True):
        for offset in range(len(live) + 1):
            found = positions.read_from(Member, Member.sk, "DEEP", head, tree, offset=offset, limit=3,
                                        descending=descending, consistent=True)
            assert [int(m.number) for m in found] == expected(live, offset, 3, descending)


def test_concurrent_inserts_get_distinct_numbers_and_one_count_each(big):
    lst = positions.NumberedList("TEST#race")
    with serialized_aws_calls(), ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(lambda i: insert(lst, str(i)), range(24)))
    assert sorted(numbers) == list(range(1, 25))
    assert positions.read_head(lst) == positions.Head(last=24, live=24)
    counters = positions.ListCount.query(lst.pk, positions.ListCount.sk.startswith("COUNT#1#"))
    assert sum(int(c.live) for c in counters) == 24
    assert page(lst, 0, limit=100) == list(range(1, 25))


def test_a_refused_member_changes_no_count_and_a_retried_removal_counts_once(big):
    lst = positions.NumberedList("TEST#refused")
    taken = Member(pk=f"MEMBER#{uuid.uuid4()}", sk="MEMBER", number=0)  # a key in use, in no list
    taken.save()

    def clash(tx, numbers):  # the member's own condition fails (its key is taken)
        tx.save(Member(pk=taken.pk, sk=taken.sk, number=numbers[lst.name]), condition=Member.pk.does_not_exist())

    with pytest.raises(positions.Cancelled) as refused:
        positions.write(clash, [lst])
    assert refused.value.failed == {(taken.pk, taken.sk)}
    assert positions.read_head(lst) == positions.Head()
    assert get_item(positions.ListCount, lst.pk, lst.tree.node_sk(1, 0)) is None

    first = insert(lst)
    [record] = positions.page(lst, Member.gsi1, Member.gsi1sk, offset=0, limit=5)
    remove(lst, record)
    with pytest.raises(positions.Cancelled):  # the same removal again: the member is gone
        remove(lst, record)
    assert positions.read_head(lst) == positions.Head(last=first, live=0)
    assert int(get_item(positions.ListCount, lst.pk, lst.tree.node_sk(1, 0)).live) == 0


def test_an_append_only_list_refuses_a_removal():
    lst = positions.NumberedList("TEST#log", counted=False)
    with pytest.raises(ValueError):
        positions.stage_remove(None, lst, 1)


def test_a_list_with_a_ceiling_refuses_one_more(big):
    lst = positions.NumberedList("TEST#small")
    for _ in range(3):
        positions.write(lambda tx, numbers: tx.save(member(lst, numbers[lst.name])), [lst], at_most={lst.name: 3})
    with pytest.raises(positions.Crowded):
        positions.write(lambda tx, numbers: tx.save(member(lst, numbers[lst.name])), [lst], at_most={lst.name: 3})
    assert positions.read_head(lst) == positions.Head(last=3, live=3)


def test_a_filtered_read_keeps_to_its_budget(big, dynamo_calls):
    _, append_only, _, _ = big
    every_tenth = lambda m: int(m.number) % 10 == 0  # noqa: E731
    found, operations, items = cost(dynamo_calls, lambda: positions.matching(
        Member.gsi1, append_only.name, every_tenth, offset=20, limit=30))
    assert [int(m.number) for m in found] == list(range(210, 510, 10))
    assert items <= positions.READ_BUDGET
    dynamo_calls.reset()
    with pytest.raises(positions.TooBroad):
        positions.matching(Member.gsi1, append_only.name, every_tenth, offset=500, limit=30)
    assert dynamo_calls.items_read() <= positions.READ_BUDGET


def dated_order(when: list[datetime], descending: bool) -> list[str]:
    """Labels (insertion indexes) in the dated list's order: by second, then by insertion."""
    order = sorted(range(len(when)), key=lambda i: (positions.DatedList.second_of(when[i]), i), reverse=descending)
    return [str(i) for i in order]


@pytest.mark.parametrize("descending", [False, True])
def test_a_dated_list_pages_by_date_at_a_cost_that_does_not_grow(big, dynamo_calls, descending):
    *_, when = big
    everything = dated_order(when, descending)
    for offset in (0, 1, 4999, 9950, SIZE - 1, SIZE):
        found, operations, items = cost(dynamo_calls, lambda: positions.page(
            DATED, Member.gsi1, Member.gsi1sk, offset=offset, limit=LIMIT, descending=descending))
        assert [m.label for m in found] == everything[offset:offset + LIMIT]
        # one Query of counters per level below the root (34-year, 12-day, 17-minute, one-second
        # nodes), then exactly the page
        assert set(operations) == {"Query"} and len(operations) <= 5
        counters = items - len(found)
        assert counters <= 512 + 3 * 1024


def test_dated_inserts_share_a_second_in_insertion_order(big):
    lst = positions.DatedList("TEST#dated-small")
    moment = datetime(2024, 2, 29, 12, 0, 0, tzinfo=timezone.utc)
    plan = [moment, moment - timedelta(days=400), moment, moment + timedelta(microseconds=500), moment - timedelta(seconds=1)]
    for i, when in enumerate(plan):
        def build(tx, numbers, i=i):
            tx.save(Member(pk=f"MEMBER#{uuid.uuid4()}", sk="MEMBER", gsi1pk=lst.name,
                           gsi1sk=lst.key(numbers[lst.name]), number=numbers[lst.name], label=str(i)))
        positions.write(build, [(lst, when)])
    listed = positions.page(lst, Member.gsi1, Member.gsi1sk, offset=0, limit=10)
    assert [m.label for m in listed] == ["1", "4", "0", "2", "3"]
    newest = positions.page(lst, Member.gsi1, Member.gsi1sk, offset=1, limit=2, descending=True)
    assert [m.label for m in newest] == ["2", "0"]
    with pytest.raises(ValueError):
        positions.stage_remove(None, lst, 1)
