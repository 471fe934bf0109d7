"""Each function's packaged IAM policy allows the AWS calls its code makes.

The code runs against moto as on AWS (a deployed stage: the data key in SSM, email through SES,
SMS through SNS); every call is recorded, turned into the IAM action and resource AWS checks,
and evaluated against the function's policy in the packaged template. Table and queue names
are those of this test run (prefix `obp`), compared as the packaged stage names them.
When a function starts calling something new, add it to its scenario here.
"""
from __future__ import annotations

import base64
import fnmatch
import os
from datetime import datetime, timedelta, timezone

import boto3
import botocore.client
import pytest
from chalice.test import Client

from chalicelib import aws, crypto, outbox
from chalicelib.settings import get_settings, reload_settings
from tests.infra.conftest import STAGE
from tests.support import Api

ACCOUNT, REGION = "123456789012", "us-east-1"
SENDER = "no-reply@bank.example"
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


class Recorder:
    def __init__(self):
        self.calls: list[tuple[str, str, dict]] = []
        self.on = False

    def record(self, service: str, operation: str, params: dict) -> None:
        if self.on:
            self.calls.append((service, operation, params))

    def take(self) -> list[tuple[str, str, dict]]:
        calls, self.calls = self.calls, []
        return calls


@pytest.fixture
def recorder(monkeypatch):
    rec = Recorder()
    previous = botocore.client.BaseClient._make_api_call

    def recording(client, operation, params):
        rec.record(client.meta.service_model.service_name, operation, params)
        return previous(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return rec


@pytest.fixture
def deployed_stage(aws, packaged, monkeypatch):
    parameter = packaged.template["Parameters"]["DataKeyParameterName"]["Default"]
    boto3.client("ssm").put_parameter(Name=parameter, Type="SecureString",
                                      Value=base64.b64encode(os.urandom(32)).decode())
    boto3.client("ses").verify_email_identity(EmailAddress=SENDER)
    monkeypatch.setenv("OBP_STAGE", "ci")  # not a local stage: real SES, SNS and SSM calls
    monkeypatch.delenv("OBP_DATA_KEY", raising=False)
    monkeypatch.setenv("OBP_DATA_KEY_PARAMETER", parameter)
    monkeypatch.setenv("OBP_EMAIL_SENDER", SENDER)
    reload_settings()
    yield {"DataKeyParameterName": parameter, "EmailIdentity": SENDER}
    monkeypatch.undo()
    reload_settings()


def _as_packaged(name: str) -> str:
    """A table or queue name of this run, as the packaged stage names it (the prefix differs)."""
    prefix = get_settings().resource_prefix
    assert name.startswith(prefix), name
    return f"obp-{STAGE}{name[len(prefix):]}"


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def _table_arn(table: str, index: str | None = None) -> str:
    return _arn("dynamodb", f"table/{_as_packaged(table)}" + (f"/index/{index}" if index else ""))


def _iam_requests(service: str, operation: str, params: dict):
    """(action, resource) pairs IAM authorises for one API call."""
    if service == "dynamodb" and operation == "TransactWriteItems":
        for item in params["TransactItems"]:
            ((kind, body),) = item.items()
            yield f"dynamodb:{_TRANSACT[kind]}", _table_arn(body["TableName"])
    elif service == "dynamodb" and operation == "TransactGetItems":
        for item in params["TransactItems"]:
            yield "dynamodb:GetItem", _table_arn(item["Get"]["TableName"])
    elif service == "dynamodb" and operation in ("BatchGetItem", "BatchWriteItem"):
        for table in params["RequestItems"]:
            yield f"dynamodb:{operation}", _table_arn(table)
    elif service == "dynamodb":
        yield f"dynamodb:{operation}", _table_arn(params["TableName"], params.get("IndexName"))
    elif service == "sqs":
        queue = params.get("QueueName") or params["QueueUrl"].rsplit("/", 1)[1]
        # SQS authorises a batch call with the single action's permission.
        action = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage"}.get(operation, operation)
        yield f"sqs:{action}", _arn("sqs", _as_packaged(queue))
    elif service == "ssm":
        yield f"ssm:{operation}", _arn("ssm", f"parameter{params['Name']}")
    elif service == "ses":
        yield f"ses:{operation}", _arn("ses", f"identity/{params['Source']}")
    elif service == "sns" and "PhoneNumber" in params:
        yield "sns:Publish", "*"
    else:
        raise AssertionError(f"no IAM mapping for {service}:{operation}; add it to _iam_requests")


def _denied(packaged, role_id: str, values: dict, calls) -> list[str]:
    (policy,) = packaged.resources[role_id]["Properties"]["Policies"]
    substitutions = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, **values}

    def resolve(resource) -> str:
        text = resource["Fn::Sub"] if isinstance(resource, dict) else resource
        for name, value in substitutions.items():
            text = text.replace("${" + name + "}", value)
        assert "${" not in text, text
        return text

    def matches(statement, action, resource) -> bool:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        return action in statement["Action"] and any(fnmatch.fnmatchcase(resource, resolve(r)) for r in resources)

    statements = policy["PolicyDocument"]["Statement"]
    denied = []
    for call in calls:
        for action, resource in _iam_requests(*call):
            allowed = any(st["Effect"] == "Allow" and matches(st, action, resource) for st in statements)
            if not allowed or any(st["Effect"] == "Deny" and matches(st, action, resource) for st in statements):
                denied.append(f"{action} on {resource}")
    return sorted(set(denied))


def _services(calls) -> set[str]:
    return {f"{service}:{operation}" for service, operation, _ in calls}


def test_the_api_function_may_do_what_its_routes_and_the_outbox_do(packaged, deployed_stage, chalice_app, recorder):
    from scripts.bootstrap import bootstrap

    creds = bootstrap("admin", "Admin-Passw0rd!", "admin@example.com", "iamconsumerkey")
    with Client(chalice_app) as client:
        recorder.on = True
        admin = Api(client).login(creds.username, creds.password, creds.consumer_key)
        bank_id = admin.create_bank()
        user = admin.create_user()
        admin.grant(user["user_id"], "CanCreateCustomer", bank_id)
        assert admin.get("/obp/v5.1.0/users/current").status == 200
        # What routes do when they emit an email, SMS or webhook: seal with the data key, enqueue.
        outbox.send(outbox.email("someone@example.com", "Your code", "123456"), outbox.sms("+15550100", "123456"))
        outbox.send(outbox.webhook({"event": "test"}))
        crypto.keyed_hash("otp", "123456")
    calls = recorder.take()
    assert {"dynamodb:TransactWriteItems", "dynamodb:Query", "sqs:SendMessageBatch", "ssm:GetParameter"} <= _services(calls)
    assert _denied(packaged, "ApiHandlerRole", deployed_stage, calls) == []


@pytest.mark.parametrize("function, role_id, message, sent", [
    ("deliver_email", "DeliverEmailRole", lambda: outbox.email("someone@example.com", "Hi", "Body"), "ses:SendEmail"),
    ("deliver_sms", "DeliverSmsRole", lambda: outbox.sms("+15550100", "Your code is 123456"), "sns:Publish"),
])
def test_a_delivery_function_may_do_what_delivering_does(packaged, deployed_stage, chalice_app, recorder,
                                                         function, role_id, message, sent):
    msg = message()
    with Client(chalice_app) as client:
        event = client.events.generate_sqs_event(queue_name=msg.queue, message_bodies=[msg.envelope()])
        aws.secure_parameter.cache_clear()  # a fresh container reads the data key itself
        recorder.on = True
        result = client.lambda_.invoke(function, event)
    assert result.payload == {"batchItemFailures": []}
    calls = recorder.take()
    assert {sent, "ssm:GetParameter"} <= _services(calls)
    assert _denied(packaged, role_id, deployed_stage, calls) == []


def _unbooked_transfer() -> None:
    """A transfer whose request died after its commit, before booking, minutes ago."""
    from decimal import Decimal

    from chalicelib.services import booking, transfers
    from chalicelib.store import accounts as account_store
    from chalicelib.store import ledger
    from chalicelib.store.access import new_access

    for account_id in ("payer", "payee"):
        account_store.create_account(account_store.new_account(
            "bank", account_id, currency="EUR", routings=[], holders=[{"user_id": "u-1", "name": "U"}],
            attributes=[{"account_attribute_id": "a-1", "name": "OVERDRAFT_LIMIT", "attribute_type": "DOUBLE",
                         "value": "100"}]), new_access("u-1", "bank", account_id, "owner"))
    real_book, booking.book = booking.book, lambda *accounts, awaited=(): None
    try:
        transfers.post(transfers.Transfer(("bank", "payer"), ("bank", "payee"), Decimal("5"), "EUR", "d", "ACCOUNT",
                                          "tr-1"), lambda debit_id, completed: [])
    finally:
        booking.book = real_book
    long_ago = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
    for account_id in ("payer", "payee"):
        for pending in ledger.unbooked("bank", account_id, 10).transactions:
            pending.update(actions=[ledger.PendingTransactionRecord.gsi1sk.set(long_ago)])


def test_the_sweeper_may_do_what_sweeping_does(packaged, deployed_stage, chalice_app, recorder):
    from chalicelib.store.accounts import get_account
    from chalicelib.store.base import transaction
    from chalicelib.store.outbox import OutboxRecord

    msg = outbox.email("someone@example.com", "Hi", "Body")
    with transaction() as tx:
        outbox.stage(tx, msg)  # committed, never dispatched: the request died
    long_ago = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
    OutboxRecord.get(f"OUTBOX#{msg.event_id}", "OUTBOX").update(actions=[OutboxRecord.gsi1sk.set(long_ago)])
    _unbooked_transfer()
    recorder.take()
    with Client(chalice_app) as client:
        recorder.on = True
        result = client.lambda_.invoke("outbox_sweeper", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    assert result.payload == {"resent": 1, "booked_accounts": 2}
    assert get_account("bank", "payee").balance == 5  # the credit booked
    calls = recorder.take()
    # (The data key it seals the booked transfer's webhook events with was read once above, and cached.)
    assert {"dynamodb:Query", "dynamodb:TransactWriteItems", "sqs:SendMessageBatch", "dynamodb:BatchWriteItem"} \
        <= _services(calls)
    assert _denied(packaged, "OutboxSweeperRole", deployed_stage, calls) == []


def test_the_coverage_check_reports_a_call_the_policy_does_not_allow(packaged, deployed_stage):
    calls = [("dynamodb", "Scan", {"TableName": "obp"}),
             ("sqs", "SendMessage", {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/obp-email"}),
             ("sns", "Publish", {"PhoneNumber": "+15550100"})]
    assert _denied(packaged, "DeliverEmailRole", deployed_stage, calls) == [
        "dynamodb:Scan on arn:aws:dynamodb:us-east-1:123456789012:table/obp-prod",
        "sns:Publish on *",
        "sqs:SendMessage on arn:aws:sqs:us-east-1:123456789012:obp-prod-email",
    ]


def test_the_webhook_function_may_do_what_delivering_webhooks_does(packaged, deployed_stage, chalice_app, recorder,
                                                                   monkeypatch):
    """An event fans out to a bank's webhook, its two attempts fail (no network here: the
    receiver's answer is a connection failure), and the delivery ends in the dead-letter queue."""
    from app import deliver_webhooks
    from chalicelib.delivery import webhook_http
    from chalicelib.services import webhooks
    from tests.support import fake_dns, sqs_event

    monkeypatch.setenv("OBP_WEBHOOK_RETRY_SCHEDULE", "0")
    reload_settings()
    fake_dns(monkeypatch)["receiver.bank.example"] = "93.184.216.34"
    monkeypatch.setattr(webhook_http, "send", lambda *args, **kwargs: webhook_http.failed("connection refused"))
    webhooks.create_webhook("owner-1", webhooks.bank_scope("b1"), "https://receiver.bank.example/hook",
                            ["OnCreateTransaction"], bank_id="b1")
    event = webhooks.event_message("OnCreateTransaction", [webhooks.bank_scope("b1")], {"event_name": "OnCreateTransaction"})
    sqs = aws.client("sqs")
    queue = aws.queue_url(get_settings().webhook_queue)
    dead_letters = aws.queue_url(get_settings().webhook_dead_letter_queue)
    with Client(chalice_app):
        aws.secure_parameter.cache_clear()
        recorder.on = True
        bodies = [event.envelope()]
        while bodies:
            assert deliver_webhooks(sqs_event(*bodies), None) == {"batchItemFailures": []}
            received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            for m in received:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
            bodies = [m["Body"] for m in received]
        recorder.on = False
    assert len(sqs.receive_message(QueueUrl=dead_letters, MaxNumberOfMessages=10).get("Messages", [])) == 1
    calls = [c for c in recorder.take() if not (c[0] == "sqs" and c[1] in ("ReceiveMessage", "DeleteMessage"))]
    assert {"dynamodb:Query", "dynamodb:TransactWriteItems", "sqs:SendMessage", "ssm:GetParameter"} <= _services(calls)
    assert _denied(packaged, "DeliverWebhooksRole", deployed_stage, calls) == []


def test_the_payments_sweeper_may_do_what_sweeping_payments_does(packaged, deployed_stage, chalice_app, recorder):
    """A payment past its deadline is expired, with its event handed to the webhook queue."""
    from chalicelib.services.enterprise import payments
    from chalicelib.store.base import transaction
    from chalicelib.store.enterprise import payments as store

    past = datetime.now(timezone.utc) - timedelta(minutes=5)
    payment = store.PaymentRecord(
        pk=store.payment_pk("payment_" + "a" * 32), sk="PAYMENT", **store.work_keys("P", "payment_" + "a" * 32, past),
        payment_id="payment_" + "a" * 32, profile_id="profile_1", client_id="client_1", seq=1, method="openbanking",
        state=payments.CREATED, amount=100, currency="EUR", redirect_url="https://shop.example/", merchant_name="Shop",
        request_fingerprint="f", created_at=past, expires=past, clearing_bank_id="bank-1", clearing_account_id="c-1",
    )
    with transaction() as tx:
        store.stage_new_payment(tx, payment)
    with Client(chalice_app) as client:
        aws.secure_parameter.cache_clear()
        recorder.on = True
        result = client.lambda_.invoke("payments_sweeper", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
    assert result.payload == {"expired": 1, "resumed": 0, "refunds_resumed": 0, "payment_methods_failed": 0}
    calls = recorder.take()
    assert {"dynamodb:Query", "dynamodb:TransactWriteItems", "sqs:SendMessageBatch", "ssm:GetParameter"} <= _services(calls)
    assert _denied(packaged, "PaymentsSweeperRole", deployed_stage, calls) == []


def _scheduled(client, name: str):
    """The scheduled function invoked as EventBridge does, for the next whole second (chalice's
    event says 2015; EventBridge's times are whole seconds)."""
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    event["time"] = (datetime.now(timezone.utc) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return client.lambda_.invoke(name, event)


def test_the_recurring_charges_and_the_settlements_may_do_what_they_do(packaged, deployed_stage, chalice_app, recorder,
                                                                       api, admin, request):
    """A mandate authorised on the hosted page is charged by the recurring charges (the payer's
    VRP consent, a COUNTERPARTY request, the ledger, the events), then settled (claims, fees,
    payout, settlement.created)."""
    from tests.api.enterprise.conftest import Enterprise
    from tests.payments_support import authorised_method, new_payer, new_shop

    shop = new_shop(Enterprise(api, request), admin)
    authorised_method(shop, api.client, new_payer(shop.world), amount=300, frequency="daily")
    with Client(chalice_app) as client:
        aws.secure_parameter.cache_clear()
        recorder.on = True
        charged = _scheduled(client, "recurring_charges")
        recorder.on = False
        charges = recorder.take()
        recorder.on = True
        settled = _scheduled(client, "settlements")
        recorder.on = False
    assert charged.payload == {"charged": 1, "failed": 0, "expired": 0}
    assert {"dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:TransactWriteItems", "sqs:SendMessageBatch",
            "ssm:GetParameter"} <= _services(charges)
    assert _denied(packaged, "RecurringChargesRole", deployed_stage, charges) == []
    assert settled.payload == {"settlements": 1, "items": 1, "pending": 0}
    settlements = recorder.take()
    assert {"dynamodb:Query", "dynamodb:TransactWriteItems", "sqs:SendMessageBatch"} <= _services(settlements)
    assert _denied(packaged, "SettlementsRole", deployed_stage, settlements) == []
