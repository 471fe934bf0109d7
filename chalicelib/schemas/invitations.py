"""User invitation bodies and response JSON (OBP v4.0.0). The secret never appears in a response."""
from __future__ import annotations

from pydantic import StrictInt, StrictStr

from chalicelib.schemas.common import ObpModel


class PostUserInvitationJsonV400(ObpModel):
    obp_name = "PostUserInvitationJsonV400"
    first_name: StrictStr
    last_name: StrictStr
    email: StrictStr
    company: StrictStr
    country: StrictStr
    purpose: StrictStr


class PostUserInvitationAnonymousJsonV400(ObpModel):
    obp_name = "PostUserInvitationAnonymousJsonV400"
    secret_key: StrictInt


class PostUserFromInvitationJson(ObpModel):
    """Ours: sign up with the secret of an invitation email."""

    obp_name = "PostUserFromInvitationJson"
    secret_key: StrictInt
    username: StrictStr
    password: StrictStr


def user_invitation_json(i) -> dict:
    return {
        "first_name": i.first_name,
        "last_name": i.last_name,
        "email": i.email,
        "company": i.company,
        "country": i.country,
        "purpose": i.purpose,
        "status": i.status,
    }
