"""Value checks OBP applies to path ids and credentials, with OBP's error codes."""
from __future__ import annotations

import re

from chalicelib.errors import ApiError

_ID = re.compile(r"^[A-Za-z0-9\-._]+$")
_MEDIUM_STRING = re.compile(r"^[A-Za-z0-9\-._@ ]+$")
_ALPHANUMERIC_KEY = re.compile(r"^[A-Za-z0-9-]+$")
_PRINTABLE_ASCII = re.compile(r"^[\x20-\x7E]+$")
MEDIUM_MAX = 512


def check_bank_id(bank_id: str) -> None:
    """OBP-30111 unless BANK_ID is [0-9a-zA-Z-._]{1,254}."""
    if not bank_id or len(bank_id) >= 255 or not _ID.match(bank_id):
        raise ApiError("OBP-30111", status=400)


def check_account_id(account_id: str) -> None:
    if not account_id or len(account_id) > 36 or not _ID.match(account_id):
        raise ApiError("OBP-30110", status=400)


def is_valid_id(value: str, max_length: int = 36) -> bool:
    return bool(value) and len(value) <= max_length and bool(_ID.match(value))


SHORT_MAX = 16


def short_string_problem(value: str) -> str | None:
    """OBP's checkShortString ([A-Za-z0-9-._], at most 16): the error code, or None."""
    if not _ID.match(value):
        return "OBP-20011"
    return "OBP-20010" if len(value) > SHORT_MAX else None


def medium_string_problem(value: str) -> str | None:
    """OBP's checkMediumString: the error code of a bad username/token value, or None."""
    if len(value) > MEDIUM_MAX:
        return "OBP-20010"
    return None if _MEDIUM_STRING.match(value) else "OBP-20011"


def medium_password_problem(value: str) -> str | None:
    if len(value) > MEDIUM_MAX:
        return "OBP-20010"
    return None if _PRINTABLE_ASCII.match(value) else "OBP-20011"


def consumer_key_problem(value: str) -> str | None:
    if len(value) > MEDIUM_MAX:
        return "OBP-35031"
    return None if _ALPHANUMERIC_KEY.match(value) else "OBP-35030"


_PASSWORD_SPECIALS = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_SHORT_PASSWORD = re.compile(
    r"^(?=.*\d)(?=.*[a-z])(?=.*[A-Z])(?=.*[" + re.escape(_PASSWORD_SPECIALS) + r"])"
    r"[A-Za-z0-9" + re.escape(_PASSWORD_SPECIALS) + r"]{10,16}$"
)


def is_strong_password(password: str) -> bool:
    """OBP's fullPasswordValidation: 10-16 characters mixing digits, lower and upper case and a
    special character, or simply longer than 16 (up to 512)."""
    return bool(_SHORT_PASSWORD.match(password)) or 16 < len(password) <= 512


def check_strong_password(password: str) -> None:
    if not is_strong_password(password):
        raise ApiError("OBP-30207", status=400)
