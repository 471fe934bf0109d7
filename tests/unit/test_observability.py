"""Structured logs with request ids, and EMF metrics, from the API and the SQS handlers."""
from __future__ import annotations

import io
import json

import pytest
from chalice.test import Client

from chalicelib import observability, outbox
from chalicelib.settings import reload_settings


@pytest.fixture
def log_lines():
    """The JSON log lines written while the test runs (the Powertools handler's stream)."""
    handler = observability.logger.registered_handler
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield lambda: [line for line in buffer.getvalue().splitlines() if line.strip()]
    handler.setStream(previous)


def _emf(captured_out: str) -> list[dict]:
    """The embedded-metric-format documents printed to stdout."""
    documents = [json.loads(line) for line in captured_out.splitlines() if line.startswith("{")]
    return [d for d in documents if "_aws" in d]


def _metric_values(documents: list[dict]) -> dict[str, float]:
    values: dict[str, float] = {}
    for doc in documents:
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = doc[metric["Name"]]
                values[metric["Name"]] = values.get(metric["Name"], 0) + (sum(value) if isinstance(value, list) else value)
    return values


def _api_gateway_event(request_id: str) -> dict:
    """GET /obp/v5.1.0/root as API Gateway sends it (chalice's test client sends no requestId)."""
    return {
        "resource": "/{p1}/{p2}/{p3}", "path": "/obp/v5.1.0/root", "httpMethod": "GET",
        "headers": {"accept": "application/json"}, "multiValueQueryStringParameters": None,
        "pathParameters": {"p1": "obp", "p2": "v5.1.0", "p3": "root"}, "stageVariables": None, "body": None,
        "isBase64Encoded": False,
        "requestContext": {"resourcePath": "/{p1}/{p2}/{p3}", "httpMethod": "GET", "requestId": request_id,
                           "path": "/api/obp/v5.1.0/root", "identity": {"sourceIp": "203.0.113.9"}},
    }


def test_an_api_error_is_one_json_line_with_both_request_ids_and_counted_as_a_5xx(chalice_app, log_lines, capsys, monkeypatch):
    import chalicelib.api.root as root
    from chalice.local import LambdaContext

    def broken():
        raise RuntimeError("the disk is on fire")

    capsys.readouterr()
    assert chalice_app(_api_gateway_event("req-ok"), LambdaContext("api_handler", 1024))["statusCode"] == 200
    monkeypatch.setattr(root, "get_settings", broken)
    context = LambdaContext("api_handler", 1024)
    failed = chalice_app(_api_gateway_event("req-broken"), context)
    assert failed["statusCode"] == 500 and json.loads(failed["body"])["message"].startswith("OBP-50000")

    records = [json.loads(line) for line in log_lines()]  # every line is JSON
    errors = [r for r in records if r["message"].startswith("unhandled error")]
    assert len(errors) == 1  # logged once: no second copy from Chalice's or the runtime's handler
    (error,) = errors
    assert error["level"] == "ERROR" and error["name"] == "chalicelib.api.routing"
    assert error["function_request_id"] == context.aws_request_id
    assert error["correlation_id"] == "req-broken"
    assert "the disk is on fire" in error["exception"]
    assert all(r.get("function_request_id") for r in records)

    metrics = _emf(capsys.readouterr().out)
    assert {d["service"] for d in metrics} == {observability.SERVICE}
    assert {d["_aws"]["CloudWatchMetrics"][0]["Namespace"] for d in metrics} == {"OBPServerless/test"}
    values = _metric_values(metrics)
    assert values["Requests"] == 2 and values["ServerErrors"] == 1 and values["ClientErrors"] == 0


def _sqs_event(client, queue: str, bodies: list[str], receive_count: int = 1) -> dict:
    event = client.events.generate_sqs_event(queue_name=queue, message_bodies=bodies)
    for i, record in enumerate(event["Records"]):
        record["messageId"] = f"message-{i}"
        record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
        record["eventSourceARN"] = f"arn:aws:sqs:us-east-1:123456789012:{queue}"
    return event


def test_a_delivery_batch_counts_deliveries_failures_and_retries_per_queue(chalice_app, log_lines, capsys):
    from chalicelib.settings import get_settings

    queue = get_settings().email_queue
    good = outbox.email("someone@example.com", "Hello", "Body").envelope()
    with Client(chalice_app) as client:
        capsys.readouterr()
        result = client.lambda_.invoke("deliver_email", _sqs_event(client, queue, [good, "not an envelope"]))
    assert result.payload == {"batchItemFailures": [{"itemIdentifier": "message-1"}]}

    records = [json.loads(line) for line in log_lines()]
    assert any(r["message"] == "sqs: message message-1 failed" for r in records)
    assert all(r["function_request_id"] and r["function_name"] == "deliver_email" for r in records)

    metrics = _emf(capsys.readouterr().out)
    values = _metric_values(metrics)
    assert (values["Deliveries"], values["DeliveryFailures"], values["DeliveryRetries"]) == (1, 1, 1)
    assert "DeadLettered" not in values
    delivery_doc = next(d for d in metrics if "Deliveries" in d)
    assert delivery_doc["queue"] == queue
    (dimensions,) = delivery_doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    assert sorted(dimensions) == ["queue", "service"]  # what the failure-rate alarm reads


def test_a_failure_on_the_last_allowed_receive_counts_as_dead_lettered(chalice_app, capsys, monkeypatch):
    monkeypatch.setenv("OBP_MAX_RECEIVE_COUNT", "5")
    reload_settings()
    with Client(chalice_app) as client:
        capsys.readouterr()
        result = client.lambda_.invoke("deliver_sms", _sqs_event(client, "obp-sms", ["broken"], receive_count=5))
    assert result.payload == {"batchItemFailures": [{"itemIdentifier": "message-0"}]}
    values = _metric_values(_emf(capsys.readouterr().out))
    assert values["DeadLettered"] == 1 and values["DeliveryFailures"] == 1
    assert "DeliveryRetries" not in values


def test_a_handler_called_without_a_lambda_context_still_flushes_its_metrics(chalice_app, capsys):
    import app as app_module

    capsys.readouterr()
    event = {"Records": [{"messageId": "m-1", "body": "broken", "attributes": {"ApproximateReceiveCount": "1"},
                          "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:obp-sms"}]}
    assert app_module.deliver_sms(event, None) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    values = _metric_values(_emf(capsys.readouterr().out))
    assert values == {"DeliveryFailures": 1, "DeliveryRetries": 1}  # flushed now, no cold start without a context
    assert observability.metrics.metric_set == {}
