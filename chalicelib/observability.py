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

The local stage (OBP_LOG_FORMAT=text, its default there) prints for people instead: one line per
request (time, method, path, status, milliseconds, request id), one per delivered e-mail, SMS
or webhook, warnings and errors in full with their traceback; no metrics.
"""
from __future__ import annotations

import logging
import time
import uuid

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.filters import SuppressFilter
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.settings import get_settings

SERVICE = "obp-serverless"  # the Chalice app name: Chalice's own log lines come out structured too
METRICS_NAMESPACE_PREFIX = "OBPServerless"
_PACKAGE_LOGGER = "chalicelib"



class ConsoleFormatter(LambdaPowertoolsFormatter):
    """A line for people: `HH:MM:SS message`; warnings and errors name their level and logger,
    and carry the traceback."""

    def format(self, record: logging.LogRecord) -> str:  # noqa: A003 - logging's name
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        text = f"{stamp} {record.getMessage()}"
        if record.levelno >= logging.WARNING:
            text = f"{stamp} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


_for_people = get_settings().log_format == "text"
logger = Logger(service=SERVICE, logger_formatter=ConsoleFormatter() if _for_people else None)
metrics = Metrics(service=SERVICE, namespace=f"{METRICS_NAMESPACE_PREFIX}/{get_settings().stage}")
_request_log = logging.getLogger(f"{_PACKAGE_LOGGER}.requests")


def count(name: str, value: float = 1) -> None:
    if not _for_people:  # nothing flushes metrics there; Powertools would print them at 100
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def dimension(name: str, value: str) -> None:
    if not _for_people:
        metrics.add_dimension(name=name, value=value)


def install(app) -> None:
    """Wire logging and metrics into every handler of the app (HTTP, SQS, scheduled)."""
    from chalice import ConvertToMiddleware

    _share_handler_with_package_loggers()
    if _for_people:
        app.register_middleware(request_line, "http")
        return
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


def request_line(request, get_response):
    """One console line per request: method, path, status, milliseconds, request id (the id the
    app's own log lines carry; chalice local gives none, so one is made here)."""
    from chalicelib.api.routing import loggable_path  # loaded by then: the app routes with it

    started = time.perf_counter()
    context = request.context if request.context is not None else {}
    request_id = context.setdefault("requestId", str(uuid.uuid4()))
    response = get_response(request)
    elapsed_ms = (time.perf_counter() - started) * 1000
    _request_log.info("%s %s %d %.0f ms %s", request.method, loggable_path(context.get("path") or request.path),
                      response.status_code, elapsed_ms, request_id)
    return response


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
