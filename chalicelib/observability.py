"""Structured logs and metrics for every function (Powertools for AWS Lambda via Chalice middleware).

Logs: one JSON object a line on stdout. Inside an invocation every line carries the Lambda
request id (`function_request_id`) and, for API calls, API Gateway's request id
(`correlation_id`). The Powertools logger *is* the Chalice app's logger (same name; the app is
created with `configure_logs=False`, so Chalice adds no second handler), and the `chalicelib`
package logger shares its handler, so `logging.getLogger(__name__)` in any module logs the same
way. Events are never logged: they carry credentials.

Metrics, CloudWatch embedded metric format (EMF lines among the logs), namespace
`OBPServerless/<stage>`, dimension `service`:
  API function        Requests, ServerErrors (0/1 per request: its average is the 5xx rate),
                      ClientErrors (0/1)
  SQS handlers        dimension `queue`: Deliveries, DeliveryFailures, DeliveryRetries,
                      DeadLettered (recorded by delivery/batch.py)
  outbox sweeper      OutboxResent, AccountsBookedBySweeper
  every function      ColdStart
The alarms in the packaged template (scripts/package.py) read these names.
"""
from __future__ import annotations

import logging

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.filters import SuppressFilter
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.settings import get_settings

SERVICE = "obp-serverless"  # the Chalice app name: Chalice's own log lines come out structured too
METRICS_NAMESPACE_PREFIX = "OBPServerless"
_PACKAGE_LOGGER = "chalicelib"

logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=f"{METRICS_NAMESPACE_PREFIX}/{get_settings().stage}")


def count(name: str, value: float = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def install(app) -> None:
    """Wire logging and metrics into every handler of the app (HTTP, SQS, scheduled)."""
    from chalice import ConvertToMiddleware

    _share_handler_with_package_loggers()
    # Registration order is nesting order: the logger wraps the metrics flush, which wraps the
    # request counter, so every metric is added before it is flushed.
    app.register_middleware(_when_lambda_invokes(ConvertToMiddleware(logger.inject_lambda_context(
        correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False))), "all")
    app.register_middleware(_when_lambda_invokes(
        ConvertToMiddleware(metrics.log_metrics(capture_cold_start_metric=True)),
        otherwise=ConvertToMiddleware(metrics.log_metrics)), "all")
    app.register_middleware(_count_request, "http")


def _when_lambda_invokes(middleware, otherwise=None):
    """`middleware` when the handler has a Lambda context; a handler called without one (a test,
    a script) gets `otherwise`, or nothing: there is no request id or cold start to record."""
    from chalice.app import Request

    def run(event, get_response):
        context = event.lambda_context if isinstance(event, Request) else event.context
        chosen = middleware if context is not None else otherwise
        return chosen(event, get_response) if chosen else get_response(event)

    return run


def _count_request(request, get_response):
    response = get_response(request)
    count("Requests")
    count("ServerErrors", 1 if response.status_code >= 500 else 0)
    count("ClientErrors", 1 if 400 <= response.status_code < 500 else 0)
    return response


def _share_handler_with_package_loggers() -> None:
    package_logger = logging.getLogger(_PACKAGE_LOGGER)
    if logger.registered_handler in package_logger.handlers:
        return
    package_logger.addHandler(logger.registered_handler)
    package_logger.setLevel(logger.log_level)
    logger.append_keys(name="%(name)s")
    # Records still propagate (pytest's caplog sees them), but the Lambda runtime's root handler
    # must not print them a second time, in its own format. Powertools does the same for its
    # own logger.
    for handler in logging.root.handlers:
        if type(handler).__name__ != "LogCaptureHandler":
            handler.addFilter(SuppressFilter(_PACKAGE_LOGGER))
