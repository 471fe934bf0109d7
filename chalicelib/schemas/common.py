"""Shared pieces of the OBP JSON: the base request model and OBP's date format."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

OBP_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class ObpModel(BaseModel):
    """A request body. As OBP's lift-json extraction: fields without a default are required,
    unknown fields are ignored. `obp_name` is the OBP case class named in OBP-10001 errors."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    obp_name: ClassVar[str] = ""


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
