"""OBP's role catalogue: every role name with its scope (granted at a bank, or system-wide).

Source: OBP-API ApiRole.scala (data/obp-roles.json, 314 roles).
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "obp-roles.json"

# Roles a consent may never carry (OBP-35033) and that only grant other roles.
ENTITLEMENT_GRANTING_ROLES = frozenset({"CanCreateEntitlementAtOneBank", "CanCreateEntitlementAtAnyBank"})


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, str]:
    """role name -> "bank" | "system"."""
    return dict(json.loads(_DATA.read_text())["roles"])


def exists(role: str) -> bool:
    return role in catalogue()


def requires_bank_id(role: str) -> bool:
    return catalogue()[role] == "bank"
