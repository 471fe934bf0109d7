"""User invitations (OBP v4.0.0): create (emails the secret link), the anonymous lookup by secret,
and (ours) signing up with an invitation."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.invitations import (
    PostUserFromInvitationJson,
    PostUserInvitationAnonymousJsonV400,
    PostUserInvitationJsonV400,
    user_invitation_json,
)
from chalicelib.schemas.users import user_json
from chalicelib.services import banks, invitations
from chalicelib.services.customers import require_bank_role


@endpoint("POST", "/banks/{bank_id}/user-invitation", since="4.0.0", status=201,
          roles=("CanCreateUserInvitation",), body=PostUserInvitationJsonV400, response="UserInvitationJsonV400",
          tags=("User-Invitation", "KYC"),
          errors=("OBP-20001", "OBP-30001", "OBP-30008", "OBP-50000", "OBP-20006"))
def create_user_invitation(req: Request, bank_id: str):
    """Create User Invitation"""
    caller = req.user()
    require_bank_role(caller, bank_id, ["CanCreateUserInvitation"], mode="any")
    body = req.body(PostUserInvitationJsonV400)
    invitation = invitations.create_invitation(bank_id, invitations.NewInvitation(
        first_name=body.first_name, last_name=body.last_name, email=body.email, company=body.company,
        country=body.country, purpose=body.purpose,
    ))
    return user_invitation_json(invitation)


@endpoint("POST", "/banks/{bank_id}/user-invitations", since="4.0.0", status=201,
          body=PostUserInvitationAnonymousJsonV400, response="UserInvitationJsonV400",
          tags=("User-Invitation", "KYC"),
          errors=("OBP-30001", "OBP-30008", "OBP-37882", "OBP-37883", "OBP-50000"))
def get_user_invitation_anonymous(req: Request, bank_id: str):
    """Get User Invitation Information"""
    banks.require_bank(bank_id)
    body = req.body(PostUserInvitationAnonymousJsonV400)
    return user_invitation_json(invitations.valid_invitation(bank_id, body.secret_key))


@endpoint("POST", "/banks/{bank_id}/user-invitations/users", since="4.0.0", status=201,
          body=PostUserFromInvitationJson, response="UserFromInvitationJson", tags=("User-Invitation",), errors=())
def create_user_from_invitation(req: Request, bank_id: str):
    """Sign up with a User Invitation"""
    banks.require_bank(bank_id)
    body = req.body(PostUserFromInvitationJson)
    user = invitations.create_user(bank_id, body.secret_key, body.username, body.password)
    return user_json(user, [])
