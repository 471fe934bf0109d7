"""User invitations (OBP v4.0.0): a bank invites a developer or customer by email; the email's link
carries a random 64-bit secret that the API never returns; the anonymous lookup answers for that
secret while the invitation is unused and younger than 24 hours; signing up with it creates the
user and uses the invitation up, in one transaction."""
from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chalicelib import crypto, outbox
from chalicelib.errors import ApiError
from chalicelib.services import users
from chalicelib.settings import get_settings
from chalicelib.store import invitations as store
from chalicelib.store.base import transaction

PURPOSES = ("DEVELOPER", "CUSTOMER")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_SECRET_PURPOSE = "user-invitation"


@dataclass(frozen=True)
class NewInvitation:
    first_name: str
    last_name: str
    email: str
    company: str
    country: str
    purpose: str


def _secret_hash(bank_id: str, secret_key: int) -> str:
    return crypto.keyed_hash(_SECRET_PURPOSE, bank_id, str(secret_key))


def _iso(moment: datetime) -> str:
    """Fixed-width ISO-8601, so stored times compare as strings (in a DynamoDB condition too)."""
    return moment.isoformat(timespec="microseconds")


def _oldest_valid() -> str:
    return _iso(datetime.now(timezone.utc) - timedelta(seconds=get_settings().user_invitation_ttl_seconds))


def _email(invitation, secret_key: int) -> outbox.Message:
    link = f"{get_settings().portal_url.rstrip('/')}/user-invitation?id={secret_key}"
    audience = "developer" if invitation.purpose == "DEVELOPER" else "customer"
    body = (
        f"Hello {invitation.first_name} {invitation.last_name},\n\n"
        f"You have been invited to register as a {audience} of bank {invitation.bank_id}.\n"
        f"Open this link within 24 hours to create your user:\n\n{link}\n\n"
        "If you did not expect this invitation, ignore this message.\n"
    )
    return outbox.email(to=invitation.email, subject="Your invitation to the Open Bank Project API", body=body)


def create_invitation(bank_id: str, new: NewInvitation):
    """createUserInvitation after the role check: stores the invitation (status CREATED) with the
    email carrying its secret, in one transaction; the email is handed to SQS after it commits."""
    if new.purpose not in PURPOSES:
        raise ApiError("OBP-10035", f"postedData.purpose only support List({', '.join(PURPOSES)})", status=400)
    if not _EMAIL.match(new.email):
        raise ApiError("OBP-10001", "email must be an email address.", status=400)
    secret_key = secrets.randbits(63) or 1  # OBP's secret is a positive 64-bit Long
    invitation = store.new_invitation(
        _secret_hash(bank_id, secret_key), invitation_id=str(uuid.uuid4()), bank_id=bank_id,
        first_name=new.first_name, last_name=new.last_name, email=new.email, company=new.company,
        country=new.country, purpose=new.purpose, created_at=_iso(datetime.now(timezone.utc)),
    )
    message = _email(invitation, secret_key)
    with transaction() as tx:
        store.stage_new(tx, invitation)
        outbox.stage(tx, message)
    outbox.dispatch(message)
    return invitation


def valid_invitation(bank_id: str, secret_key: int):
    """getUserInvitationAnonymous: 404 OBP-37882 for an unknown secret, 404 OBP-37883 for one
    already used or older than 24 hours."""
    invitation = store.get_invitation(_secret_hash(bank_id, secret_key))
    if invitation is None:
        raise ApiError("OBP-37882", status=404)
    if invitation.status != store.CREATED or invitation.created_at <= _oldest_valid():
        raise ApiError("OBP-37883", status=404)
    return invitation


def create_user(bank_id: str, secret_key: int, username: str, password: str):
    """Sign up with an invitation: the user (named and addressed as invited) and the invitation's
    use commit together, so one secret creates one user even under concurrent sign-ups."""
    invitation = valid_invitation(bank_id, secret_key)
    user, _ = users.create_user(
        users.NewUser(username=username, password=password, email=invitation.email,
                      first_name=invitation.first_name, last_name=invitation.last_name),
        also=lambda tx, user_id: store.stage_use(tx, invitation, user_id, _oldest_valid()),
        also_failed=ApiError("OBP-37883", status=404),
    )
    return user
