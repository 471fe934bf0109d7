"""The fees settlements charge a profile: a schedule per method, set per profile by the provider.

A schedule maps each kind of item to a fixed part (minor units of the item's currency) and a
proportional part (basis points of its amount, 1 bp = 0.01 %):

    {"openbanking": {"fixed": 10, "basis_points": 50},    10 + 0.50 % per open-banking payment
     "creditcard":  {"fixed": 25, "basis_points": 140},   25 + 1.40 % per card payment
     "refund":      {"fixed": 0,  "basis_points": 0}}     per refund (nothing by default)

Payments through a recurring payment method are openbanking payments. An item's charge is
fixed + amount × basis_points / 10000, rounded half up to a whole minor unit, computed when a
settlement claims the item with the schedule the settlement took when it opened. The default
schedule is this module's DEFAULT (or the OBP_DEFAULT_FEE_SCHEDULE setting, the same JSON); an OBP
super admin sets a profile's own with PUT /v1/profiles/{profileId}/fee-schedule.
"""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.services.access import Caller
from chalicelib.services.enterprise.errors import forbidden, invalid_request, not_found
from chalicelib.settings import get_settings
from chalicelib.store.enterprise import profiles as profile_store

KINDS = ("openbanking", "creditcard", "refund")
DEFAULT = {"openbanking": {"fixed": 10, "basis_points": 50}, "creditcard": {"fixed": 25, "basis_points": 140},
           "refund": {"fixed": 0, "basis_points": 0}}
MAX_FIXED = 100_000
MAX_BASIS_POINTS = 10_000


def problems(schedule) -> list[tuple[str, str]]:
    """What is wrong with a schedule, as (field, reason)."""
    if not isinstance(schedule, dict):
        return [("body", "must be an object with openbanking, creditcard and refund")]
    out = [(kind, "is required") for kind in KINDS if kind not in schedule]
    out += [(kind, "is not a kind of item (openbanking, creditcard, refund)") for kind in schedule if kind not in KINDS]
    for kind in KINDS:
        part = schedule.get(kind)
        if part is None:
            continue
        if not isinstance(part, dict) or set(part) != {"fixed", "basis_points"}:
            out.append((kind, "must be {\"fixed\": <minor units>, \"basis_points\": <1/100 %>}"))
            continue
        for name, highest in (("fixed", MAX_FIXED), ("basis_points", MAX_BASIS_POINTS)):
            value = part[name]
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= highest:
                out.append((f"{kind}.{name}", f"must be a whole number from 0 to {highest}"))
    return out


def default_schedule() -> dict:
    configured = get_settings().default_fee_schedule  # checked at start-up (settings.FeeSchedule)
    return configured.model_dump() if configured is not None else DEFAULT


def schedule_of(profile) -> dict:
    return json.loads(profile.fee_schedule) if getattr(profile, "fee_schedule", None) else default_schedule()


def charge(schedule: dict, kind: str, amount: int) -> int:
    """The charge for one item of `amount` minor units."""
    part = schedule[kind]
    proportional = (Decimal(amount) * part["basis_points"] / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return part["fixed"] + int(proportional)


# --- the admin's endpoints -----------------------------------------------------------------------------

def _profile(caller: Caller, profile_id: str):
    if not caller.is_super_admin:
        raise forbidden("A profile's fee schedule is set by an OBP super admin")
    profile = profile_store.get_profile(profile_id) if profile_id.startswith("profile_") else None
    if profile is None:
        raise not_found()
    return profile


def get_for_admin(caller: Caller, profile_id: str) -> tuple[dict, bool]:
    """(the schedule, whether it is the profile's own)."""
    profile = _profile(caller, profile_id)
    return schedule_of(profile), bool(profile.fee_schedule)


def get_for_partner(partner, profile_id: str) -> tuple[dict, bool]:
    """The partner reads its own profile's schedule (404 for anyone else's)."""
    from chalicelib.services.enterprise import profiles

    profile = profiles.get_profile(partner, profile_id)
    return schedule_of(profile), bool(profile.fee_schedule)


def set_schedule(caller: Caller, profile_id: str, schedule: dict | None) -> tuple[dict, bool]:
    """The profile's own schedule (None: back to the default). Settlements opened before keep theirs."""
    found = problems(schedule) if schedule is not None else []
    if found:
        raise invalid_request(*found)
    from chalicelib.services.enterprise.common import commit

    def attempt():
        profile = _profile(caller, profile_id)
        text = json.dumps({k: schedule[k] for k in KINDS}, separators=(",", ":")) if schedule is not None else None
        return profile_store.update_profile(profile, {"fee_schedule": text}), profile

    profile = commit(attempt)
    return schedule_of(profile), bool(profile.fee_schedule)
