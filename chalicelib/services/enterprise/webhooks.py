"""A profile's webhooks: a URL and the events it wants (customers, payments, refunds, payment
methods, settlements). Stored in the shared webhook registry (owner: the partner's client_id,
scope PROFILE#<profile_id>) and
delivered, signed, by the webhook engine, with the resource's id also as the `id` query parameter
(the provider's thin notifications); the signing secret is shown once, in the response that
creates it."""
from __future__ import annotations

from chalicelib.errors import ApiError
from chalicelib.services import webhooks
from chalicelib.services.enterprise import customers, payment_methods, payments, profiles, refunds, settlements
from chalicelib.services.enterprise.errors import invalid_request, not_found
from chalicelib.services.enterprise.oauth import Partner
from chalicelib.store import webhooks as registry

MAX_LISTED = 100  # webhooks a profile may have: its list is one bounded page
EVENTS = customers.EVENTS + payments.EVENTS + refunds.EVENTS + payment_methods.EVENTS + settlements.EVENTS


def create_webhook(partner: Partner, profile_id: str, url: str, events: list[str]):
    """Returns (record, secret)."""
    profiles.get_profile(partner, profile_id)
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise invalid_request(("events", f"unknown event {unknown[0]!r}; known: {', '.join(EVENTS)}"))
    try:
        return webhooks.create_webhook(partner.client_id, webhooks.profile_scope(profile_id), url,
                                       list(dict.fromkeys(events)), profile_id=profile_id,
                                       at_most_in_scope=MAX_LISTED)
    except registry.TooManyInScope:
        raise invalid_request(("url", f"a profile has at most {MAX_LISTED} webhooks; delete one first")) from None
    except ApiError as err:
        if err.code != "OBP-10035":  # the registry's URL guard
            raise
        raise invalid_request(("url", err.message.split("Invalid webhook url: ", 1)[-1])) from None


def list_webhooks(partner: Partner, profile_id: str) -> list:
    """Every webhook of the profile (at most MAX_LISTED: registration refuses more), oldest first."""
    profiles.get_profile(partner, profile_id)
    return [w for w in registry.page_of_scope(webhooks.profile_scope(profile_id), limit=MAX_LISTED)
            if w.owner_id == partner.client_id]


def get_webhook(partner: Partner, profile_id: str, webhook_id: str):
    record = registry.get_webhook(webhook_id)
    if record is None or record.owner_id != partner.client_id or record.scope != webhooks.profile_scope(profile_id):
        raise not_found()
    return record


def delete_webhook(partner: Partner, profile_id: str, webhook_id: str):
    record = get_webhook(partner, profile_id, webhook_id)
    registry.delete_webhook(record)
    return record
