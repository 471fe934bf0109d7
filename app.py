"""OBP Serverless: the Chalice application. Creates `app`, installs the routes and the SQS and
scheduled handlers; nothing else lives here."""
from chalice import Chalice, Rate

from chalicelib.api import banks, consumers, directlogin, entitlements, root, users  # noqa: F401  (registers routes)
from chalicelib.api import enterprise  # noqa: F401  (registers the /v1 Enterprise API routes)
from chalicelib.api import routing
from chalicelib.delivery import batch, messages
from chalicelib.settings import get_settings

app = Chalice(app_name="obp-serverless", configure_logs=True)
routing.install(app)

_settings = get_settings()


@app.on_sqs_message(queue=_settings.email_queue, batch_size=10, name="deliver_email")
def deliver_email(event):
    return batch.process_batch(event, messages.handle_record)


@app.on_sqs_message(queue=_settings.sms_queue, batch_size=10, name="deliver_sms")
def deliver_sms(event):
    return batch.process_batch(event, messages.handle_record)


@app.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_sweeper")
def outbox_sweeper(event):
    from chalicelib import outbox

    return {"resent": outbox.sweep()}
