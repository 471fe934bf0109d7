"""store.parallel.together: independent reads at once, results in order, failures after all
finished; and the tests' count of sequential round trips (a group costs its costliest branch)."""
import contextvars
import threading

import pytest

from chalicelib.store.base import get_item
from chalicelib.store.parallel import current_branch, together
from chalicelib.store.users import UserRecord
from tests.support import DynamoCalls

_request = contextvars.ContextVar("request", default=None)


def test_results_come_in_order_and_the_reads_really_overlap():
    started = threading.Barrier(3, timeout=5)  # each read waits until all three are running

    def read(value):
        def run():
            started.wait()
            return value, _request.get()
        return run

    _request.set("req-1")
    assert together(read("a"), None, read("b"), read("c")) == [("a", "req-1"), None, ("b", "req-1"), ("c", "req-1")]


def test_the_first_failure_in_argument_order_is_raised_after_every_read_finished():
    finished = []

    def fails(name):
        def run():
            finished.append(name)
            raise ValueError(name)
        return run

    with pytest.raises(ValueError, match="second"):
        together(lambda: finished.append("first"), fails("second"), fails("third"))
    assert sorted(finished) == ["first", "second", "third"]
    outcome = together(lambda: 1, fails("x"), return_exceptions=True)
    assert outcome[0] == 1 and isinstance(outcome[1], ValueError)


def test_round_trips_count_a_group_as_its_costliest_branch():
    calls = DynamoCalls()

    def call():
        calls.record("GetItem", {}, current_branch())

    call()                                             # 1
    together(lambda: (call(), call()), call)           # 2: two calls in one branch
    together(lambda: together(call, call), call)       # 1: a nested group is one round trip
    call()                                             # 1
    assert (calls.count(), calls.round_trips()) == (8, 5)


def test_reads_through_pynamodb_on_several_threads_are_counted_as_one_round_trip(aws, dynamo_calls):
    found = together(*[lambda i=i: get_item(UserRecord, f"USER#{i}", "PROFILE") for i in range(4)])
    assert found == [None] * 4
    assert (dynamo_calls.count(), dynamo_calls.round_trips()) == (4, 1)


def test_a_group_inside_a_pool_thread_runs_in_turn_and_is_counted_so():
    calls = DynamoCalls()

    def call():
        calls.record("GetItem", {}, current_branch())
        return threading.current_thread().name

    def nested():
        return together(call, call)

    names = together(call, *[nested] * 6)  # more nested groups than pool threads: no thread waits for the pool
    assert all(len(set(pair)) == 1 for pair in names[1:])  # each nested pair ran on one thread
    assert (calls.count(), calls.round_trips()) == (13, 2)
