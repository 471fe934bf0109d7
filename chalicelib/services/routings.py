"""Account routings in one canonical form per scheme, so one account has one routing.

Every routing is stored, made unique and looked up in this form (account creation, transfers to
counterparties, VRP, consents' account access, Berlin Group access by IBAN); two spellings of one
IBAN are one IBAN, and an account whose routing only looks like another's cannot be opened.

  IBAN  ISO 13616: the electronic form (no spaces, upper case), two letters, two check digits and
        11 to 30 letters or digits, the check digits verified (mod 97 = 1); else 400 OBP-10033.
        The per-country lengths and BBAN formats of the IBAN registry are not checked.
  BIC   ISO 9362: upper case, no spaces.
  any other scheme (OBP's ACCOUNT_ID, AccountNumber...): the address trimmed, exactly as written
        otherwise (we do not know which other spellings such a scheme treats as the same).
Scheme names are trimmed, and the two above match case-insensitively ("iban" is IBAN).
"""
from __future__ import annotations

import re

from chalicelib.errors import ApiError

IBAN, BIC, OBP = "IBAN", "BIC", "OBP"
_CANONICAL_NAMES = {IBAN: IBAN, BIC: BIC}
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_SPACES = re.compile(r"\s+")


def scheme_name(scheme: str) -> str:
    name = scheme.strip()
    return _CANONICAL_NAMES.get(name.upper(), name)


def iban_problem(address: str) -> str | None:
    """Why a (compact, upper-case) IBAN is invalid, or None."""
    if not _IBAN_SHAPE.match(address):
        return "it must be two letters, two check digits and 11 to 30 letters or digits"
    rearranged = address[4:] + address[:4]
    if int("".join(str(int(c, 36)) for c in rearranged)) % 97 != 1:
        return "its check digits do not match"
    return None


def canonical_iban(address: str) -> str:
    """The electronic form of an IBAN; 400 OBP-10033 when it is not one."""
    compact = _SPACES.sub("", address).upper()
    problem = iban_problem(compact)
    if problem:
        raise ApiError("OBP-10033", f"Current IBAN({address.strip()}): {problem}.", status=400)
    return compact


def canonical(scheme: str, address: str) -> tuple[str, str]:
    """(scheme, address) in the form they are stored and looked up in."""
    name = scheme_name(scheme)
    if name == IBAN:
        return name, canonical_iban(address)
    if name == BIC:
        return name, _SPACES.sub("", address).upper()
    return name, address.strip()
