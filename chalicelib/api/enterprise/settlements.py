"""A profile's settlements (paid out daily) and its fee schedule."""
from chalicelib.api.enterprise.http import PAGING, admin, bearer, body, paging, partner, v1
from chalicelib.api.routing import Request
from chalicelib.schemas.enterprise_recurring import FeeScheduleIn, fee_schedule_json, settlement_json
from chalicelib.services.enterprise import fees, settlements

_FEES = "/v1/profiles/{profile_id}/fee-schedule"
_SETTLEMENTS = ("Settlements",)
_FEE_TAGS = ("Fee schedules",)


@v1("GET", "/v1/profiles/{profile_id}/settlements", response="Settlements", tags=_SETTLEMENTS, query=PAGING)
def list_settlements(req: Request, profile_id: str):
    """List a profile's settlements

    Newest first, as an array (the provider's); `page` (from 0) and `size` (1 to 100, default 20)."""
    who = partner(req)
    return [settlement_json(s) for s in settlements.list_settlements(who, profile_id, *paging(req))]


@v1("GET", "/v1/profiles/{profile_id}/settlements/{settlement_id}", response="Settlement", tags=_SETTLEMENTS)
def get_settlement(req: Request, profile_id: str, settlement_id: str):
    """Get a settlement"""
    return settlement_json(settlements.get_settlement(partner(req), profile_id, settlement_id))


@v1("GET", _FEES, response="FeeSchedule", tags=_FEE_TAGS)
def get_fee_schedule(req: Request, profile_id: str):
    """Get a profile's fee schedule

    The partner (its access token) or an OBP super admin (DirectLogin)."""
    if bearer(req) is not None:
        schedule, custom = fees.get_for_partner(partner(req), profile_id)
    else:
        schedule, custom = fees.get_for_admin(admin(req), profile_id)
    return fee_schedule_json(profile_id, schedule, custom)


@v1("PUT", _FEES, body=FeeScheduleIn, response="FeeSchedule", tags=_FEE_TAGS)
def set_fee_schedule(req: Request, profile_id: str):
    """Set a profile's fee schedule (an OBP super admin)

    Settlements opened from now on charge it."""
    caller = admin(req)
    data = body(req, FeeScheduleIn)
    schedule, custom = fees.set_schedule(caller, profile_id, data.to_schedule())
    return fee_schedule_json(profile_id, schedule, custom)


@v1("DELETE", _FEES, response="FeeSchedule", tags=_FEE_TAGS)
def reset_fee_schedule(req: Request, profile_id: str):
    """Return a profile to the default fee schedule (an OBP super admin)"""
    schedule, custom = fees.set_schedule(admin(req), profile_id, None)
    return fee_schedule_json(profile_id, schedule, custom)
