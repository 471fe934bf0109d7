"""The outbox and the email / SMS handlers: sealed payloads, partial batch failures, idempotency,
the sweeper for messages whose request died between commit and enqueue, and no secret in logs."""
import json
import logging
import uuid

import pytest

from chalicelib import aws, outbox
from chalicelib.settings import reload_settings
from chalicelib.store import outbox as outbox_store
from chalicelib.store.base import transaction


def _drain(queue_name: str) -> list[dict]:
    sqs = aws.client("sqs")
    url = aws.queue_url(queue_name)
    out = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return out
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        out.extend(batch)


def _sqs_event(bodies: list[str]) -> dict:
    return {"Records": [{
        "messageId": str(uuid.uuid4()), "receiptHandle": "rh", "body": body, "attributes": {},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:obp-email", "awsRegion": "us-east-1",
    } for body in bodies]}


def test_send_puts_a_sealed_message_on_the_queue_and_clears_the_outbox(aws):
    msg = outbox.email("ann@example.com", "Your code", "The code is 918273")
    outbox.send(msg)
    [queued] = _drain("obp-email")
    assert "918273" not in queued["Body"] and "ann@example.com" not in queued["Body"]
    event_id, channel, payload = outbox.open_envelope(queued["Body"])
    assert (event_id, channel) == (msg.event_id, "email")
    assert payload == {"to": "ann@example.com", "subject": "Your code", "body": "The code is 918273"}
    assert outbox_store.pending_older_than(__import__("datetime").timedelta(seconds=-60)) == []


def test_a_message_staged_but_never_dispatched_is_sent_by_the_sweeper(aws):
    msg = outbox.sms("+4915112345678", "code 123456")
    with transaction() as tx:
        outbox.stage(tx, msg)  # the request "dies" here: committed, never dispatched
    assert _drain("obp-sms") == []
    assert outbox.sweep(min_age_seconds=0) == 1
    [queued] = _drain("obp-sms")
    assert outbox.open_envelope(queued["Body"])[0] == msg.event_id
    assert outbox.sweep(min_age_seconds=0) == 0  # nothing left pending


def test_a_staged_message_is_not_sent_when_its_transaction_fails(aws):
    from chalicelib.store.users import UserRecord
    from pynamodb.exceptions import TransactWriteError

    msg = outbox.email("x@example.com", "s", "b")
    with pytest.raises(TransactWriteError):
        with transaction() as tx:
            outbox.stage(tx, msg)
            tx.condition_check(UserRecord, "USER#nobody", "PROFILE", condition=UserRecord.pk.exists())
    assert outbox.sweep(min_age_seconds=0) == 0


def test_local_stage_writes_one_file_per_message(aws, tmp_path, monkeypatch):
    import app as app_module

    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path))
    reload_settings()
    email = outbox.email("bob@example.com", "Invitation", "Follow https://x/invite?id=abc")
    sms = outbox.sms("+441234567890", "Your code 445566")
    assert app_module.deliver_email(_sqs_event([email.envelope()]), None) == {"batchItemFailures": []}
    assert app_module.deliver_sms(_sqs_event([sms.envelope()]), None) == {"batchItemFailures": []}
    files = sorted(tmp_path.glob("*.json"))
    docs = [json.loads(f.read_text()) for f in files]
    assert {d["channel"] for d in docs} == {"email", "sms"}
    email_doc = next(d for d in docs if d["channel"] == "email")
    assert (email_doc["to"], email_doc["subject"], email_doc["body"]) == ("bob@example.com", "Invitation", "Follow https://x/invite?id=abc")
    assert email_doc["event_id"] == email.event_id


def test_on_aws_email_goes_through_ses_and_sms_through_sns(aws, monkeypatch):
    import app as app_module
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    monkeypatch.setenv("OBP_STAGE", "prod")
    monkeypatch.setenv("OBP_DATA_KEY", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=")
    reload_settings()
    email = outbox.email("carol@example.com", "OBP Consent Challenge", "Your consent challenge : 123987")
    sms = outbox.sms("+15005550006", "Your OTP challenge : 777888")
    assert app_module.deliver_email(_sqs_event([email.envelope()]), None) == {"batchItemFailures": []}
    assert app_module.deliver_sms(_sqs_event([sms.envelope()]), None) == {"batchItemFailures": []}
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    assert [(m.destinations["ToAddresses"], m.subject, m.body) for m in sent] == [
        (["carol@example.com"], "OBP Consent Challenge", "Your consent challenge : 123987")]
    texts = list(sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values())
    assert ("+15005550006", "Your OTP challenge : 777888") in texts


def test_partial_batch_failure_reports_only_the_bad_record(aws, tmp_path, monkeypatch):
    import app as app_module

    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path))
    reload_settings()
    good1, good2 = outbox.email("a@example.com", "s", "1"), outbox.email("b@example.com", "s", "2")
    event = _sqs_event([good1.envelope(), "not an envelope", good2.envelope()])
    result = app_module.deliver_email(event, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_a_message_received_twice_is_delivered_once(aws, tmp_path, monkeypatch):
    import app as app_module

    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path))
    reload_settings()
    msg = outbox.email("d@example.com", "s", "once")
    assert app_module.deliver_email(_sqs_event([msg.envelope()]), None) == {"batchItemFailures": []}
    assert app_module.deliver_email(_sqs_event([msg.envelope(), msg.envelope()]), None) == {"batchItemFailures": []}
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_a_delivery_in_progress_elsewhere_is_retried_later(aws, tmp_path, monkeypatch):
    import app as app_module

    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path))
    reload_settings()
    msg = outbox.email("e@example.com", "s", "busy")
    assert outbox_store.claim(f"email#{msg.event_id}") == "claimed"  # another worker holds it
    event = _sqs_event([msg.envelope()])
    assert app_module.deliver_email(event, None) == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert list(tmp_path.glob("*.json")) == []


def test_a_failed_send_releases_the_claim_so_the_retry_delivers(aws, tmp_path, monkeypatch):
    import app as app_module
    from chalicelib.delivery import messages

    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path))
    reload_settings()
    msg = outbox.email("f@example.com", "s", "retry me")
    real = messages._write_local_file
    calls = {"n": 0}

    def flaky(*args):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk hiccup")
        return real(*args)

    monkeypatch.setattr(messages, "_write_local_file", flaky)
    first = _sqs_event([msg.envelope()])
    assert app_module.deliver_email(first, None)["batchItemFailures"] == [{"itemIdentifier": first["Records"][0]["messageId"]}]
    assert app_module.deliver_email(_sqs_event([msg.envelope()]), None) == {"batchItemFailures": []}
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_no_otp_or_address_in_any_log_line(aws, tmp_path, monkeypatch, caplog):
    import app as app_module

    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path))
    reload_settings()
    msg = outbox.sms("+449876543210", "Your code 864209")
    with caplog.at_level(logging.DEBUG):
        outbox.send(msg)
        app_module.deliver_sms(_sqs_event([msg.envelope()]), None)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "864209" not in text and "+449876543210" not in text
    assert "***210" in text  # the masked destination is what gets logged
