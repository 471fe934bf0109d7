"""OBP Serverless: the Chalice application. Creates `app`, installs the routes, logging and
metrics, and the SQS and scheduled handlers; nothing else lives here."""
from chalice import Chalice, Cron, Rate

from chalicelib import observability
from chalicelib.api import (  # noqa: F401  (importing a module registers its routes)
    account_access,
    accounts,
    banks,
    consent_requests,
    consents,
    consumers,
    counterparties,
    customer_data,
    customers,
    directlogin,
    documentation,
    entitlements,
    historical_transactions,
    invitations,
    kyc,
    products,
    root,
    transaction_metadata,
    transaction_requests,
    users,
)
from chalicelib.api import webhooks as webhook_routes  # noqa: F401  (registers routes)
from chalicelib.api import enterprise  # noqa: F401  (registers the /v1 Enterprise API routes)
from chalicelib.api import checkout  # noqa: F401  (registers the hosted payment page)
from chalicelib.api import routing
from chalicelib.delivery import batch, messages
from chalicelib.delivery.scheduled import scheduled_at
from chalicelib.delivery import webhooks as webhook_delivery
from chalicelib.settings import get_settings

# configure_logs=False: the Powertools logger (observability.py) is this app's logger.
app = Chalice(app_name=observability.SERVICE, configure_logs=False)
routing.install(app)
observability.install(app)

_settings = get_settings()


@app.on_sqs_message(queue=_settings.email_queue, batch_size=10, name="deliver_email")
def deliver_email(event):
    return batch.process_batch(event, messages.handle_record)


@app.on_sqs_message(queue=_settings.sms_queue, batch_size=10, name="deliver_sms")
def deliver_sms(event):
    return batch.process_batch(event, messages.handle_record)


@app.on_sqs_message(queue=_settings.webhook_queue, batch_size=10, name="deliver_webhooks")
def deliver_webhooks(event):
    # In parallel: each record may wait up to the webhook timeout on its receiver.
    return batch.process_batch(event, webhook_delivery.handle_record, parallel=True)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_sweeper")
def outbox_sweeper(event):
    from chalicelib import outbox

    resent = outbox.sweep()
    observability.count("OutboxResent", resent)
    return {"resent": resent}


@app.schedule(Rate(1, unit=Rate.MINUTES), name="payments_sweeper")
def payments_sweeper(event):
    from chalicelib.services.enterprise import payments

    return payments.sweep()


@app.schedule(Rate(1, unit=Rate.HOURS), name="recurring_charges")
def recurring_charges(event):
    from chalicelib.services.enterprise import payment_methods

    return payment_methods.charge_due(scheduled_at(event))


@app.schedule(Cron(0, 2, "*", "*", "?", "*"), name="settlements")
def settlements(event):
    """Daily at 02:00 UTC: every profile's payments and refunds completed before then."""
    from chalicelib.services.enterprise import settlements as settlement_service

    return settlement_service.run(scheduled_at(event))
