"""Partner registration and key rotation: an OBP super admin, authenticated with DirectLogin."""
from chalicelib.api.enterprise.http import admin, body, v1
from chalicelib.api.routing import Request
from chalicelib.schemas.enterprise import PartnerIn, PartnerKeyIn, key_json, partner_json
from chalicelib.services.enterprise import partners

_TAGS = ("Partners",)


@v1("POST", "/v1/partners", status=201, body=PartnerIn, response="Partner", tags=_TAGS)
def register_partner(req: Request):
    """Register a partner

    An OBP super admin (DirectLogin) registers an API client with its public key."""
    caller = admin(req)
    data = body(req, PartnerIn)
    return partner_json(*partners.register_partner(caller, data.name, data.public_key, data.kid))


@v1("GET", "/v1/partners/{client_id}", response="Partner", tags=_TAGS)
def get_partner(req: Request, client_id: str):
    """Get a partner"""
    return partner_json(*partners.get_partner(admin(req), client_id))


@v1("GET", "/v1/partners/{client_id}/keys", response="PartnerKeys", tags=_TAGS)
def list_keys(req: Request, client_id: str):
    """List a partner's keys"""
    _, keys = partners.get_partner(admin(req), client_id)
    return [key_json(k) for k in keys]


@v1("POST", "/v1/partners/{client_id}/keys", status=201, body=PartnerKeyIn, response="PartnerKey", tags=_TAGS)
def add_key(req: Request, client_id: str):
    """Add a key

    Up to 5 active keys, for rotation."""
    caller = admin(req)
    data = body(req, PartnerKeyIn)
    return key_json(partners.add_key(caller, client_id, data.public_key, data.kid))


@v1("DELETE", "/v1/partners/{client_id}/keys/{kid}", response="PartnerKey", tags=_TAGS)
def revoke_key(req: Request, client_id: str, kid: str):
    """Revoke a key

    Its assertions and the access tokens it obtained stop working at once."""
    return key_json(partners.revoke_key(admin(req), client_id, kid))
