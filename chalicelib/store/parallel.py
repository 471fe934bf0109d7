"""Independent reads of one request sent at once: `together(read_a, read_b, ...)`.

DynamoDB charges a round trip per call, and a Lambda waits for each one; reads that do not depend
on each other (the caller's token and its user, the bank of the path, the user's own records) go
out together, so a request costs as many round trips as its longest chain of dependent reads.
The first read runs on the calling thread, the others on a small pool of threads (botocore
clients are thread-safe; PynamoDB keeps a botocore session per thread); each runs in a copy of
the caller's context, so request-scoped state (services.banks' per-request cache) is shared.

A `together` inside a read that already runs on the pool runs its reads one after another on that
thread (a pool thread waiting for the pool could wait for ever); they are then counted as such.

Every call made inside `together` is tagged with its place (`current_branch()`: a tuple of
(group, branch) pairs, nested when a branch itself calls `together`); the tests' DynamoDB
recorder uses the tags to count sequential round trips (a group costs its slowest branch).
"""
from __future__ import annotations

import contextvars
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

_MAX_THREADS = 4
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_on_pool = threading.local()
_groups = itertools.count(1)
_branch: contextvars.ContextVar[tuple[tuple[int, int], ...]] = contextvars.ContextVar("dynamo_branch", default=())


def current_branch() -> tuple[tuple[int, int], ...]:
    """Where the running code sits among nested `together` groups (() outside any)."""
    return _branch.get()


def _threads() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(max_workers=_MAX_THREADS, thread_name_prefix="reads")
    return _pool


def together(*reads: Callable[[], Any], return_exceptions: bool = False) -> list[Any]:
    """Run the reads at once and return their results in order. When one raises, its exception
    is raised after every read finished (the first in argument order), or with
    `return_exceptions` put in its place in the results. A None read is skipped (result None)."""
    group = next(_groups)
    outer = _branch.get()

    def tagged(index: int, read: Callable[[], Any], *, on_pool: bool = False) -> Callable[[], Any]:
        def run():
            _on_pool.active = on_pool
            _branch.set(outer + ((group, index),))
            try:
                return read(), None
            except Exception as error:  # noqa: BLE001 - handed back to the caller below
                return None, error
        return run

    present = [(i, r) for i, r in enumerate(reads) if r is not None]
    outcomes: list[tuple[Any, Exception | None]] = [(None, None)] * len(reads)
    if getattr(_on_pool, "active", False):
        for i, read in present:  # one after another, in this branch
            try:
                outcomes[i] = read(), None
            except Exception as error:  # noqa: BLE001 - handed back to the caller below
                outcomes[i] = None, error
    elif len(present) <= 1:
        for i, read in present:
            outcomes[i] = contextvars.copy_context().run(tagged(i, read))
    else:
        (first_index, first), *rest = present
        futures = [(i, _threads().submit(contextvars.copy_context().run, tagged(i, r, on_pool=True))) for i, r in rest]
        outcomes[first_index] = contextvars.copy_context().run(tagged(first_index, first))
        for i, future in futures:
            outcomes[i] = future.result()
    if return_exceptions:
        return [error if error is not None else value for value, error in outcomes]
    for _, error in outcomes:
        if error is not None:
            raise error
    return [value for value, _ in outcomes]
