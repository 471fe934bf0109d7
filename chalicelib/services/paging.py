"""OBP's paging query parameters (APIUtil.createQueriesByHttpParams, reference §9): `limit`
(>= 1, default 50), `offset` (>= 0, default 0), `sort_direction` (ASC/DESC), with the legacy
`obp_` aliases (the un-prefixed name wins). Bad values are 400 with OBP's error chain."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from chalicelib.errors import ApiError, message_text

DEFAULT_LIMIT = 50
# Our ceiling on one page, so a single request cannot make us read an unbounded partition.
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Page:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    descending: bool = False


def _param(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    return value if value is not None else query.get(f"obp_{name}")


def _filter_error(code: str) -> ApiError:
    """OBP chains the parameter error under OBP-10016, outer message first."""
    return ApiError(code, text=f"{message_text('OBP-10016')} <- {message_text(code)}", status=400)


def _integer(raw: str, minimum: int, code: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise _filter_error(code) from None
    if value < minimum:
        raise _filter_error(code)
    return value


def parse_page(query: Mapping[str, str] | None, *, default_limit: int = DEFAULT_LIMIT,
               default_descending: bool = False) -> Page:
    """The page a request asks for; the defaults are the endpoint's (OBP's are 50, ascending)."""
    query = query or {}
    raw_limit, raw_offset, raw_sort = _param(query, "limit"), _param(query, "offset"), _param(query, "sort_direction")
    limit = default_limit if raw_limit is None else _integer(raw_limit, 1, "OBP-10025")
    offset = 0 if raw_offset is None else _integer(raw_offset, 0, "OBP-10024")
    descending = default_descending
    if raw_sort is not None:
        if raw_sort.strip().upper() not in ("ASC", "DESC"):
            raise _filter_error("OBP-10023")
        descending = raw_sort.strip().upper() == "DESC"
    return Page(limit=min(limit, MAX_LIMIT), offset=offset, descending=descending)


# Our own code (README "Lists and pages"): a filter no list is kept for, or a broad search, would
# make one request read more than its budget of records.
TOO_BROAD = "OBP-39100"


def too_broad(hint: str) -> ApiError:
    return ApiError(TOO_BROAD, status=400,
                    text=f"{TOO_BROAD}: This request would read more records than one request may. {hint}")
