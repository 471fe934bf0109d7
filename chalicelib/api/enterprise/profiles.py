"""A partner's profiles: create, list (paged), get, update."""
from chalicelib.api.enterprise.http import PAGING, body, idempotent, paging, partner, v1
from chalicelib.api.routing import Request
from chalicelib.schemas.enterprise import ProfileIn, ProfileUpdate, page_json, profile_json
from chalicelib.services.enterprise import profiles

_TAGS = ("Profiles",)


@v1("POST", "/v1/profiles", status=201, body=ProfileIn, response="Profile", tags=_TAGS)
def create_profile(req: Request):
    """Create a profile

    Idempotent with an `Idempotency-Key` header."""
    who = partner(req)
    data = body(req, ProfileIn)
    return idempotent(req, who, "create-profile", profile_json, 201,
                      lambda also: profiles.create_profile(who, data.changes(), also))


@v1("GET", "/v1/profiles", response="ProfilePage", tags=_TAGS, query=PAGING)
def list_profiles(req: Request):
    """List your profiles

    Paged with `page` (from 0) and `size` (1 to 100)."""
    who = partner(req)
    return page_json(profiles.list_profiles(who, *paging(req)), profile_json)


@v1("GET", "/v1/profiles/{profile_id}", response="Profile", tags=_TAGS)
def get_profile(req: Request, profile_id: str):
    """Get a profile"""
    return profile_json(profiles.get_profile(partner(req), profile_id))


@v1("PUT", "/v1/profiles/{profile_id}", body=ProfileUpdate, response="Profile", tags=_TAGS)
def update_profile(req: Request, profile_id: str):
    """Update a profile

    Sets the fields sent; null clears one."""
    who = partner(req)
    data = body(req, ProfileUpdate)
    return profile_json(profiles.update_profile(who, profile_id, data.changes()))
