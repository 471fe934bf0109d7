"""The role catalogue: every role name with its scope (granted at a bank, or system-wide).

OBP's roles come from OBP-API ApiRole.scala (data/obp-roles.json, 314 roles); OWN_ROLES adds the
few this API's own endpoints need.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "obp-roles.json"

# Roles of this API's own endpoints, which OBP lacks (recording CRM events, partner admin...).
OWN_ROLES = {
    "CanCreateCrmEvent": "bank",
}

# Roles a consent may never carry (OBP-35033) and that only grant other roles.
ENTITLEMENT_GRANTING_ROLES = frozenset({"CanCreateEntitlementAtOneBank", "CanCreateEntitlementAtAnyBank"})


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, str]:
    """role name -> "bank" | "system": OBP's roles, then ours."""
    return {**json.loads(_DATA.read_text())["roles"], **OWN_ROLES}


def exists(role: str) -> bool:
    return role in catalogue()


def requires_bank_id(role: str) -> bool:
    return catalogue()[role] == "bank"
