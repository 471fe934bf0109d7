"""Importing the app, as Lambda does at a cold start, touches no network and creates no AWS client."""
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
