"""User invitations (OBP UserInvitation).

Keys:
  INVITATION#<keyed hash of bank_id and secret_key> / INVITATION    an invitation
The secret travels only in the invitation email; the table holds an HMAC of it (keyed with a key
derived from OBP_DATA_KEY), so the anonymous lookup is one GetItem and a leaked table does not
give the 64-bit secrets away.
"""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from chalicelib.store.base import Entity, get_item

CREATED, FINISHED = "CREATED", "FINISHED"


class UserInvitationRecord(Entity, discriminator="UserInvitation"):
    invitation_id = UnicodeAttribute()
    bank_id = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    email = UnicodeAttribute()
    company = UnicodeAttribute()
    country = UnicodeAttribute()
    purpose = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()  # ISO-8601 UTC, sortable
    user_id = UnicodeAttribute(null=True)  # the user created from it


def invitation_pk(secret_hash: str) -> str:
    return f"INVITATION#{secret_hash}"


def new_invitation(secret_hash: str, **fields) -> UserInvitationRecord:
    return UserInvitationRecord(pk=invitation_pk(secret_hash), sk="INVITATION", status=CREATED, **fields)


def stage_new(tx, invitation: UserInvitationRecord) -> None:
    tx.save(invitation, condition=UserInvitationRecord.pk.does_not_exist())


def get_invitation(secret_hash: str) -> UserInvitationRecord | None:
    return get_item(UserInvitationRecord, invitation_pk(secret_hash), "INVITATION")


def stage_use(tx, invitation: UserInvitationRecord, user_id: str, not_before: str) -> None:
    """Mark the invitation used by `user_id`, on condition it is still unused and was created after
    `not_before` (so two sign-ups with one secret cannot both win)."""
    tx.update(
        invitation,
        actions=[UserInvitationRecord.status.set(FINISHED), UserInvitationRecord.user_id.set(user_id)],
        condition=(UserInvitationRecord.status == CREATED) & (UserInvitationRecord.created_at > not_before),
    )
