"""Importing the app, as Lambda does at a cold start, touches no network, creates no AWS client
and imports only what every request needs: route modules load with the first request of their
area (chalicelib/api/areas.py), the SQS and scheduled handlers import their own code."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.infra.conftest import ROOT, offline_environment

_PROBE = """
import json, sys
import botocore.client
created = []
_create = botocore.client.ClientCreator.create_client
def _record(self, service_name, *args, **kwargs):
    created.append(service_name)
    return _create(self, service_name, *args, **kwargs)
botocore.client.ClientCreator.create_client = _record
import app
print(json.dumps({"clients": created, "boto3_imported": "boto3" in sys.modules,
                  "handlers": sorted(s.name for s in app.app.event_sources)}))
"""


def _run(code: str) -> subprocess.CompletedProcess:
    env = offline_environment(OBP_STAGE="prod", OBP_RESOURCE_PREFIX="obp-prod",
                              OBP_DATA_KEY_PARAMETER="/obp-prod/data-key", AWS_DEFAULT_REGION="us-east-1")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_importing_the_app_offline_creates_no_aws_client():
    result = _run(_PROBE)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report["handlers"]) >= {"deliver_email", "deliver_sms", "outbox_sweeper"}
    assert report["clients"] == []
    assert report["boto3_imported"] is False  # chalicelib/aws.py imports it on first use


def test_the_offline_guard_refuses_connections():
    result = _run("import urllib.request\nurllib.request.urlopen('http://127.0.0.1:9', timeout=1)")
    assert result.returncode != 0
    assert "network access is disabled" in result.stderr


_LAZY_PROBE = """
import gc, json, sys
import app
from chalicelib.api import areas

def loaded(prefix):
    return sorted(m for m in sys.modules if m.startswith(prefix))

route_modules = set(areas.all_modules())
report = {"after_import": {
    "route_modules": [m for m in loaded("chalicelib.api.") if m in route_modules],
    "other": [m for m in ("jwt", "cryptography", "boto3", "chalicelib.delivery", "chalicelib.outbox",
                          "chalicelib.services.consent_use", "chalicelib.schemas") if m in sys.modules],
    "gc_enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}}
path = "/obp/v5.1.0/banks/bad!bank/accounts/private"  # 400 OBP-30111 before any AWS call
parts = path.strip("/").split("/")
names = ["p%d" % (i + 1) for i in range(len(parts))]
event = {"httpMethod": "GET", "path": path, "headers": {}, "multiValueQueryStringParameters": None,
         "pathParameters": dict(zip(names, parts)), "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"httpMethod": "GET", "resourcePath": "".join("/{%s}" % n for n in names), "path": path}}
response = app.app(event, None)
report["request"] = {"status": response["statusCode"], "body": json.loads(response["body"]),
                     "route_modules": [m for m in loaded("chalicelib.api.") if m in route_modules],
                     "expected": sorted(areas.modules_for(parts)),
                     "other": [m for m in ("jwt", "chalicelib.api.enterprise.http", "chalicelib.services.consent_use")
                               if m in sys.modules]}
print(json.dumps(report))
"""


def test_the_import_loads_no_route_module_and_a_request_only_its_own_area():
    result = _run(_LAZY_PROBE)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["after_import"] == {"route_modules": [], "other": [], "gc_enabled": True,
                                      "frozen": report["after_import"]["frozen"]}
    assert report["after_import"]["frozen"] > 10_000  # what the import made is out of later collections
    request = report["request"]
    assert (request["status"], request["body"]["message"].split(":")[0]) == (400, "OBP-30111")
    assert request["route_modules"] == request["expected"] == ["chalicelib.api.accounts", "chalicelib.api.banks"]
    assert request["other"] == []
