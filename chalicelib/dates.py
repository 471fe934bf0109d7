"""OBP's date format: plain value helpers below both the schemas (the JSON of HTTP) and the
services (messages, stored text), so neither imports the other for a date."""
from __future__ import annotations

from datetime import datetime, timezone

OBP_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def obp_date(value: datetime | None) -> str | None:
    """yyyy-MM-dd'T'HH:mm:ss'Z' in UTC, as OBP renders java.util.Date."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime(OBP_DATE_FORMAT)


def parse_obp_date(text: str) -> datetime:
    """Parse OBP's date format; ValueError for anything else (OBP rejects other formats)."""
    return datetime.strptime(text, OBP_DATE_FORMAT).replace(tzinfo=timezone.utc)


# Input dates: OBP's format, and the two forms its own API Explorer examples use
# ("2024-02-12T21:00:30.010Z", "2018-03-09"); anything else is OBP-10001.
_INPUT_DATE_FORMATS = (OBP_DATE_FORMAT, "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%d")


def normalise_obp_date(text: str) -> str:
    """An input date as OBP renders it (yyyy-MM-dd'T'HH:mm:ss'Z', UTC); ValueError otherwise."""
    for fmt in _INPUT_DATE_FORMATS:
        try:
            return obp_date(datetime.strptime(text, fmt))
        except ValueError:
            continue
    raise ValueError(f"dates must look like 2013-01-21T23:08:00Z, not {text!r}")
