"""Shared pieces of the OBP JSON: the base request model and OBP's date format."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr

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


# A request field holding a date; the model gets the normalised OBP text.
ObpDateText = Annotated[StrictStr, AfterValidator(normalise_obp_date)]


class StrictObpModel(ObpModel):
    """A request body typed as strictly as lift-json extracts it: a string field takes no number,
    an int no string, a boolean only true/false."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, strict=True)
