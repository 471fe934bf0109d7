"""OBP Serverless: the Chalice application. Creates `app`, installs the routes, logging and
metrics, and the SQS and scheduled handlers; nothing else lives here.

A cold start imports only this: route modules load on a request's first use of their area
(chalicelib/api/areas.py), and each handler below imports its own code when it first runs. The
garbage collector stays off during the import: it would only scan the thousands of objects the
import creates and keeps (classes, pydantic schemas), 143 collections in a measured import; they
are then frozen out of later collections too."""
import gc

gc.disable()

from chalice import Chalice, Cron, Rate  # noqa: E402  (after gc.disable, as everything below)

from chalicelib import observability  # noqa: E402
from chalicelib.api import routing  # noqa: E402
from chalicelib.settings import get_settings  # noqa: E402

# configure_logs=False: the Powertools logger (observability.py) is this app's logger.
app = Chalice(app_name=observability.SERVICE, configure_logs=False)
routing.install(app)
observability.install(app)

_settings = get_settings()


@app.on_sqs_message(queue=_settings.email_queue, batch_size=10, name="deliver_email")
def deliver_email(event):
    from chalicelib.delivery import batch, messages

    return batch.process_batch(event, messages.handle_record)


@app.on_sqs_message(queue=_settings.sms_queue, batch_size=10, name="deliver_sms")
def deliver_sms(event):
    from chalicelib.delivery import batch, messages

    return batch.process_batch(event, messages.handle_record)


@app.on_sqs_message(queue=_settings.webhook_queue, batch_size=10, name="deliver_webhooks")
def deliver_webhooks(event):
    from chalicelib.delivery import batch
    from chalicelib.delivery import webhooks as webhook_delivery

    # In parallel: each record may wait up to the webhook timeout on its receiver.
    return batch.process_batch(event, webhook_delivery.handle_record, parallel=True)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_sweeper")
def outbox_sweeper(event):
    """Finish what a request left after its commit: outbox messages not yet on their queue, and
    transfers not yet booked (services/booking.py)."""
    from chalicelib import outbox
    from chalicelib.services import booking

    resent = outbox.sweep()
    observability.count("OutboxResent", resent)
    booked = booking.sweep()
    observability.count("AccountsBookedBySweeper", booked)
    return {"resent": resent, "booked_accounts": booked}


@app.schedule(Rate(1, unit=Rate.MINUTES), name="payments_sweeper")
def payments_sweeper(event):
    from chalicelib.services.enterprise import payments

    return payments.sweep()


@app.schedule(Rate(1, unit=Rate.HOURS), name="recurring_charges")
def recurring_charges(event):
    from chalicelib.delivery.scheduled import scheduled_at
    from chalicelib.services.enterprise import payment_methods

    return payment_methods.charge_due(scheduled_at(event))


@app.schedule(Cron(0, 2, "*", "*", "?", "*"), name="settlements")
def settlements(event):
    """Daily at 02:00 UTC: every profile's payments and refunds completed before then."""
    from chalicelib.delivery.scheduled import scheduled_at
    from chalicelib.services.enterprise import settlements as settlement_service

    return settlement_service.run(scheduled_at(event))


gc.freeze()
gc.enable()
