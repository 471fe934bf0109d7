"""The OBP error catalogue and the one exception every layer raises.

`ApiError("OBP-30001", "Current BankId is x")` carries the code and optional context; the message
is the catalogue's exact text (from OBP's ErrorMessages.scala, see data/obp-errors.json) followed
by the context, and the HTTP status follows OBP's rules (reference §3):
  * OBP-20001 is always 401;
  * role / view / super-admin codes are always 403;
  * otherwise the status the failure site chose, or the canonical status of the code.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "obp-errors.json"

# Codes whose status OBP forces whatever the failure site passes.
_FORCED_STATUS = {
    "OBP-20001": 401,
    "OBP-20006": 403,
    "OBP-20017": 403,
    "OBP-20101": 403,
    "OBP-20023": 403,
    "OBP-01000": 408,
}

# OBP's errorToCode table (the "canonical" status of a code) for codes that are not 400.
_CANONICAL_STATUS = {
    **dict.fromkeys(
        "OBP-20003 OBP-20004 OBP-20008 OBP-20013 OBP-20200 OBP-20400 OBP-20401 OBP-20402 OBP-20403 "
        "OBP-20404 OBP-20405 OBP-35005 OBP-35007".split(),
        401,
    ),
    **dict.fromkeys(
        "OBP-00002 OBP-20047 OBP-20048 OBP-30102 OBP-30103".split(),
        403,
    ),
    **dict.fromkeys(
        "OBP-09001 OBP-09005 OBP-09009 OBP-10404 OBP-10405 OBP-20005 OBP-20027 OBP-20057 OBP-30001 "
        "OBP-30002 OBP-30046 OBP-30003 OBP-30012 OBP-30018 OBP-30019 OBP-30073 OBP-30074 OBP-30075 "
        "OBP-30076 OBP-30087 OBP-30212 OBP-30219".split(),
        404,
    ),
    "OBP-10018": 429,
    "OBP-50000": 500,
    "OBP-50015": 500,
}


@functools.lru_cache(maxsize=1)
def _catalogue() -> dict[str, str]:
    raw = json.loads(_DATA.read_text())
    return {code: text for code, text in raw.items() if code.startswith("OBP-")}


def message_text(code: str) -> str:
    """The exact OBP text of a code (raises KeyError for an unknown code: a bug, not a user error)."""
    return _catalogue()[code]


def status_for(code: str, status: int | None = None) -> int:
    if code in _FORCED_STATUS:
        return _FORCED_STATUS[code]
    if status is not None:
        return status
    return _CANONICAL_STATUS.get(code, 400)


class ApiError(Exception):
    """A failure with an OBP code. Services raise it; the HTTP layer renders it."""

    def __init__(self, code: str, context: str = "", *, status: int | None = None, text: str | None = None):
        self.code = code
        base = text if text is not None else message_text(code)
        if context:
            sep = "" if base.endswith((" ", ":")) or context.startswith((" ", ".", ",")) else " "
            self.message = f"{base}{sep}{context}"
        else:
            self.message = base
        self.status = status_for(code, status)
        super().__init__(self.message)

    def body(self) -> dict:
        return {"code": self.status, "message": self.message}


def invalid_json(class_name: str | None = None, detail: str = "") -> ApiError:
    """400 OBP-10001, naming the OBP JSON class the body should have been, as OBP does."""
    context = f"The Json body should be the {class_name} " if class_name else ""
    if detail:
        context = f"{context}{detail}".strip()
    return ApiError("OBP-10001", context, status=400)


def not_found_uri() -> ApiError:
    return ApiError("OBP-10404", status=404)
