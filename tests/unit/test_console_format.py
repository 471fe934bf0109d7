"""The local console's lines (OBP_LOG_FORMAT=text): information as one short line, warnings and
errors with their level, logger and traceback; the request line carries the request id the app
uses. (tests/e2e/test_walkthrough_e2e.py reads the real console.)"""
from __future__ import annotations

import logging
import re
import sys

from chalicelib.observability import ConsoleFormatter, request_line


def _record(level: int, message: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("chalicelib.delivery.webhooks", level, __file__, 1, message, args, exc_info)


def test_information_is_one_line_and_an_error_comes_with_its_traceback():
    formatter = ConsoleFormatter()
    assert re.fullmatch(r"\d\d:\d\d:\d\d email e-1 to a\*\*\*@example\.com: written to /tmp/x\.json",
                        formatter.format(_record(logging.INFO, "email %s to %s: written to %s", "e-1",
                                                 "a***@example.com", "/tmp/x.json")))
    try:
        raise RuntimeError("the disk is on fire")
    except RuntimeError:
        failure = sys.exc_info()
    text = formatter.format(_record(logging.ERROR, "sqs: message %s failed", "m-1", exc_info=failure))
    first, *rest = text.splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d ERROR chalicelib\.delivery\.webhooks: sqs: message m-1 failed", first)
    assert rest[0] == "Traceback (most recent call last):" and rest[-1] == "RuntimeError: the disk is on fire"


class _Request:
    method = "POST"
    path = "/{p1}/{p2}/{p3}"

    def __init__(self):
        self.context = {"path": "/obp/v5.1.0/banks"}


class _Response:
    status_code = 201


def test_the_request_line_names_method_path_status_time_and_the_id_the_app_sees(caplog):
    caplog.set_level(logging.INFO, logger="chalicelib.requests")
    request, seen = _Request(), {}

    def handler(req):
        seen["id"] = req.context["requestId"]  # what routing.Request and the app's log lines use
        return _Response()

    request_line(request, handler)
    [record] = [r for r in caplog.records if r.name == "chalicelib.requests"]
    assert re.fullmatch(rf"POST /obp/v5\.1\.0/banks 201 \d+ ms {seen['id']}", record.getMessage())
    assert re.fullmatch(r"[0-9a-f-]{36}", seen["id"])
