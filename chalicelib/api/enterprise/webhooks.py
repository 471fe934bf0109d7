"""A profile's webhooks: register a URL for customer events, list, get, delete."""
from chalicelib.api.enterprise.http import body, idempotent, partner, v1
from chalicelib.api.routing import Request
from chalicelib.schemas.enterprise import WebhookIn, webhook_json
from chalicelib.services.enterprise import webhooks

_TAGS = ("Webhooks",)


@v1("POST", "/v1/profiles/{profile_id}/webhooks", status=201, body=WebhookIn, response="Webhook", tags=_TAGS)
def create_webhook(req: Request, profile_id: str):
    """Register a webhook

    Events: customer.created, customer.updated, customer.deleted. The signing `secret` is shown once."""
    who = partner(req)
    data = body(req, WebhookIn)
    # The registry writes on its own, so an Idempotency-Key completes right after it (not with it).
    return idempotent(req, who, f"create-webhook {profile_id}", lambda created: webhook_json(*created), 201,
                      lambda _: webhooks.create_webhook(who, profile_id, data.url, data.events))


@v1("GET", "/v1/profiles/{profile_id}/webhooks", response="Webhooks", tags=_TAGS)
def list_webhooks(req: Request, profile_id: str):
    """List a profile's webhooks"""
    return [webhook_json(w) for w in webhooks.list_webhooks(partner(req), profile_id)]


@v1("GET", "/v1/profiles/{profile_id}/webhooks/{webhook_id}", response="Webhook", tags=_TAGS)
def get_webhook(req: Request, profile_id: str, webhook_id: str):
    """Get a webhook"""
    return webhook_json(webhooks.get_webhook(partner(req), profile_id, webhook_id))


@v1("DELETE", "/v1/profiles/{profile_id}/webhooks/{webhook_id}", response="Webhook", tags=_TAGS)
def delete_webhook(req: Request, profile_id: str, webhook_id: str):
    """Delete a webhook"""
    return webhook_json(webhooks.delete_webhook(partner(req), profile_id, webhook_id))
