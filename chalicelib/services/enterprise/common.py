"""What the Enterprise services share: the retry loop of optimistic writes, and pages."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

from chalicelib.services.enterprise.errors import conflict, invalid_request

T = TypeVar("T")
ATTEMPTS = 6
MAX_PAGE_SIZE = 100


def commit(attempt: Callable[[], tuple[str, T]]) -> T:
    """Run `attempt` (read, then one conditional transaction) until it commits.

    `attempt` returns (outcome, result) with the outcomes of store.enterprise.write: "done" ends;
    "stale" (what was read has changed) and "conflict" (a concurrent transaction) try again after
    a short random pause; "lost" (the request's idempotency claim was taken over) is a 409."""
    for n in range(ATTEMPTS):
        outcome, result = attempt()
        if outcome == "done":
            return result
        if outcome == "lost":
            raise conflict("Another request with this Idempotency-Key took over; retry to get its response")
        time.sleep(random.uniform(0, 0.005 * 2 ** n))
    raise conflict("Too many concurrent changes to this resource; try again")


def write_once(build: Callable, also: Callable | None = None) -> str:
    """store.enterprise.write, retried only while it races another transaction: "done", "stale"
    (a condition of `build` failed: the state read has changed) or "lost" (one of `also`'s)."""
    from chalicelib.store.enterprise import write

    def attempt():
        outcome = write(build, also)
        return (outcome, None) if outcome == "conflict" else ("done", outcome)

    return commit(attempt)


@dataclass(frozen=True)
class Page(Generic[T]):
    page: int
    size: int
    count: int
    items: list[T]

    @property
    def pages(self) -> int:
        return -(-self.count // self.size)


def check_paging(page: int, size: int) -> None:
    problems = []
    if page < 0:
        problems.append(("page", "must be 0 or more (the first page is 0)"))
    if not 1 <= size <= MAX_PAGE_SIZE:
        problems.append(("size", f"must be between 1 and {MAX_PAGE_SIZE}"))
    if problems:
        raise invalid_request(*problems)
