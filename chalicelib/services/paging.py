"""OBP's paging URL parameters (reference §9): `limit` (>= 1), `offset` (>= 0), `sort_direction`
(ASC/DESC), with OBP's error codes surfaced under OBP-10016 as OBP does."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from chalicelib.errors import ApiError, message_text


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int
    newest_first: bool


def parse_paging(query: Mapping[str, str], default_limit: int = 50, default_newest_first: bool = True) -> Paging:
    limit = _integer(query, "limit", default_limit, minimum=1, code="OBP-10025")
    offset = _integer(query, "offset", 0, minimum=0, code="OBP-10024")
    direction = _param(query, "sort_direction")
    if direction is None:
        newest_first = default_newest_first
    elif direction.upper() in ("ASC", "DESC"):
        newest_first = direction.upper() == "DESC"
    else:
        raise _filter_error("OBP-10023")
    return Paging(limit, offset, newest_first)


def _param(query: Mapping[str, str], name: str) -> str | None:
    """The parameter or its legacy `obp_` alias (the un-prefixed one wins)."""
    value = query.get(name)
    return value if value is not None else query.get(f"obp_{name}")


def _integer(query: Mapping[str, str], name: str, default: int, *, minimum: int, code: str) -> int:
    raw = _param(query, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _filter_error(code) from None
    if value < minimum:
        raise _filter_error(code)
    return value


def _filter_error(code: str) -> ApiError:
    return ApiError("OBP-10016", message_text(code), status=400)
