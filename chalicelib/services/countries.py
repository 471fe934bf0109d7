"""ISO 3166-1 country codes, as the `iso3166` package lists them (imported on first use only)."""
from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _alpha2_codes() -> frozenset[str]:
    import iso3166

    return frozenset(iso3166.countries_by_alpha2)


def is_alpha2(code: str) -> bool:
    """An assigned ISO 3166-1 alpha-2 code in capitals ("NL"); user-assigned codes ("ZZ") are not."""
    return isinstance(code, str) and len(code) == 2 and code in _alpha2_codes()
