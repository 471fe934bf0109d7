"""Webhooks: OBP's registration endpoints (account, bank and system level), the bank's list and
enable/disable, and the owner's own endpoints under /my/web-hooks (health, secret rotation,
deliveries with their attempts, redelivery)."""
from chalicelib.api.routing import Request, endpoint
from chalicelib.schemas.webhooks import (
    AccountNotificationWebhookPostJson,
    AccountWebhookPostJson,
    AccountWebhookPutJson,
    WebhookActivePutJson,
    WebhookSecretRotationJson,
    account_webhook_json,
    account_webhooks_json,
    bank_notification_webhook_json,
    deliveries_json,
    delivery_detail_json,
    delivery_json,
    secret_rotation_json,
    system_notification_webhook_json,
    webhook_json,
    webhooks_json,
)
from chalicelib.services import obp_webhooks, webhook_deliveries, webhooks
from chalicelib.services.paging import parse_page

# --- OBP ----------------------------------------------------------------------------------------


@endpoint("POST", "/banks/{bank_id}/account-web-hooks", since="3.1.0", status=201,
          roles=("CanCreateWebhook",), body=AccountWebhookPostJson, response="AccountWebhookJson",
          tags=("Webhook", "Bank"),
          errors=("OBP-50000", "OBP-20001", "OBP-20006"))
def create_account_webhook(req: Request, bank_id: str):
    """Create an Account Webhook"""
    record, secret = obp_webhooks.create_account_webhook(req.user(), bank_id, lambda: req.body(AccountWebhookPostJson))
    return account_webhook_json(record, secret)


@endpoint("PUT", "/banks/{bank_id}/account-web-hooks", since="3.1.0",
          roles=("CanUpdateWebhook",), body=AccountWebhookPutJson, response="AccountWebhookJson",
          tags=("Webhook", "Bank"), errors=("OBP-20001",))
def enable_disable_account_webhook(req: Request, bank_id: str):
    """Enable/Disable an Account Webhook"""
    record = obp_webhooks.enable_disable_account_webhook(req.user(), bank_id, lambda: req.body(AccountWebhookPutJson))
    return account_webhook_json(record)


@endpoint("GET", "/management/banks/{bank_id}/account-web-hooks", since="3.1.0",
          roles=("CanGetWebhooks",), response="AccountWebhooksJson", tags=("Webhook", "Bank"), errors=("OBP-20001",))
def get_account_webhooks(req: Request, bank_id: str):
    """Get Account Webhooks"""
    records = obp_webhooks.list_account_webhooks(
        req.user(), bank_id, parse_page(req.query, default_limit=500, default_descending=True),
        account_id=req.query.get("account_id"), user_id=req.query.get("user_id"),
    )
    return account_webhooks_json(records)


@endpoint("POST", "/banks/{bank_id}/web-hooks/account/notifications/on-create-transaction", since="4.0.0", status=201,
          roles=("CanCreateAccountNotificationWebhookAtOneBank",), body=AccountNotificationWebhookPostJson,
          response="BankAccountNotificationWebhookJson",
          tags=("Webhook", "Bank"), errors=("OBP-20001", "OBP-30001", "OBP-50000", "OBP-20006"))
def create_bank_account_notification_webhook(req: Request, bank_id: str):
    """Create bank level Account Notification Webhook"""
    record, secret = obp_webhooks.create_bank_notification_webhook(
        req.user(), bank_id, lambda: req.body(AccountNotificationWebhookPostJson))
    return bank_notification_webhook_json(record, secret)


@endpoint("POST", "/web-hooks/account/notifications/on-create-transaction", since="4.0.0", status=201,
          roles=("CanCreateSystemAccountNotificationWebhook",), body=AccountNotificationWebhookPostJson,
          response="SystemAccountNotificationWebhookJson",
          tags=("Webhook", "Bank"), errors=("OBP-50000", "OBP-20001", "OBP-20006"))
def create_system_account_notification_webhook(req: Request):
    """Create system level Account Notification Webhook"""
    record, secret = obp_webhooks.create_system_notification_webhook(
        req.user(), lambda: req.body(AccountNotificationWebhookPostJson))
    return system_notification_webhook_json(record, secret)


# --- the owner's own (ours, not OBP's) ------------------------------------------------------------


@endpoint("GET", "/my/web-hooks", since="5.1.0", under_consent=False,
          operation="getMyWebhooks", response="MyWebhooksJson", tags=("Webhook",), errors=("OBP-20001",))
def my_webhooks(req: Request):
    """Get My Webhooks"""
    return webhooks_json(webhooks.webhooks_of_owner(req.user().user_id))


@endpoint("GET", "/my/web-hooks/{webhook_id}", since="5.1.0", under_consent=False,
          operation="getMyWebhook", response="MyWebhookJson", tags=("Webhook",), errors=("OBP-20001",))
def my_webhook(req: Request, webhook_id: str):
    """Get My Webhook"""
    return webhook_json(webhooks.owned_webhook(req.user().user_id, webhook_id))


@endpoint("PUT", "/my/web-hooks/{webhook_id}", since="5.1.0", under_consent=False,
          body=WebhookActivePutJson, response="MyWebhookJson", tags=("Webhook",), errors=("OBP-20001",))
def enable_disable_my_webhook(req: Request, webhook_id: str):
    """Enable or Disable My Webhook"""
    owner_id = req.user().user_id
    active = obp_webhooks.parse_is_active(req.body(WebhookActivePutJson).is_active)
    return webhook_json(webhooks.set_webhook_active(owner_id, webhook_id, active))


@endpoint("POST", "/my/web-hooks/{webhook_id}/secret", since="5.1.0", status=201, under_consent=False,
          body=WebhookSecretRotationJson, response="WebhookSecretJson", tags=("Webhook",), errors=("OBP-20001",))
def rotate_my_webhook_secret(req: Request, webhook_id: str):
    """Rotate the Signing Secret of My Webhook"""
    owner_id = req.user().user_id
    record, secret = webhooks.rotate_secret(owner_id, webhook_id, req.body(WebhookSecretRotationJson).overlap_seconds)
    return secret_rotation_json(record, secret)


@endpoint("GET", "/my/web-hooks/{webhook_id}/deliveries", since="5.1.0", under_consent=False,
          operation="getMyWebhookDeliveries", response="WebhookDeliveriesJson",
          tags=("Webhook",), errors=("OBP-20001",))
def my_webhook_deliveries(req: Request, webhook_id: str):
    """Get the Deliveries of My Webhook"""
    owner_id = req.user().user_id
    paging = parse_page(req.query, default_descending=True)
    return deliveries_json(webhook_deliveries.list_deliveries(owner_id, webhook_id, paging.limit, paging.offset))


@endpoint("GET", "/my/web-hooks/{webhook_id}/deliveries/{delivery_id}", since="5.1.0", under_consent=False,
          operation="getMyWebhookDelivery", response="WebhookDeliveryDetailJson",
          tags=("Webhook",), errors=("OBP-20001",))
def my_webhook_delivery(req: Request, webhook_id: str, delivery_id: str):
    """Get a Delivery of My Webhook"""
    return delivery_detail_json(webhook_deliveries.get_delivery(req.user().user_id, webhook_id, delivery_id))


@endpoint("POST", "/my/web-hooks/{webhook_id}/deliveries/{delivery_id}/redelivery", since="5.1.0", status=202, under_consent=False,
          response="WebhookDeliveryJson", tags=("Webhook",), errors=("OBP-20001",))
def redeliver_my_webhook_delivery(req: Request, webhook_id: str, delivery_id: str):
    """Redeliver a Delivery of My Webhook"""
    return delivery_json(webhook_deliveries.redeliver(req.user().user_id, webhook_id, delivery_id))
