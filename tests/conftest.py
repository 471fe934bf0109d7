"""Test set-up: fake AWS credentials, moto in-process, the table and queues built from infra/,
the guard that fails any test in which a request issues a DynamoDB Scan, and the guard that fails
the run if a test wrote into the developer's .local/ (e-mails and SMS go to a temporary outbox)."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SCRATCH = tempfile.mkdtemp(prefix="obp-tests-")  # one per test process (each xdist worker has its own)
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)

# Before anything creates a botocore client: moto must be imported first (chalice-notes §1).
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "OBP_STAGE": "test",
    "OBP_HOSTNAME": "http://127.0.0.1:8000",
    # A lighter scrypt work factor keeps the suite fast; tests/unit/test_crypto.py checks the default.
    "OBP_PASSWORD_SCRYPT_N": "1024",
    # Never the developer's .local/ (the local stage's defaults).
    "OUTBOX_DIR": os.path.join(_SCRATCH, "outbox"),
    "DEMO_DIR": os.path.join(_SCRATCH, "demo"),
})
for _var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_PROFILE", "OBP_LOG_FORMAT",
             "DEMO"):
    os.environ.pop(_var, None)

import moto  # noqa: E402,F401
import botocore.client  # noqa: E402
import pytest  # noqa: E402

from chalicelib.settings import reload_settings  # noqa: E402
from chalicelib.store.parallel import current_branch  # noqa: E402
from tests.support import Api, DynamoCalls, fresh_aws  # noqa: E402

DYNAMO_CALLS = DynamoCalls()
_original_make_api_call = botocore.client.BaseClient._make_api_call


def _recording_make_api_call(self, operation_name, api_params):
    if self.meta.service_model.service_name == "dynamodb":
        DYNAMO_CALLS.record(operation_name, api_params, current_branch())
    return _original_make_api_call(self, operation_name, api_params)


botocore.client.BaseClient._make_api_call = _recording_make_api_call


@pytest.fixture(autouse=True)
def _settings_and_scan_guard():
    reload_settings()
    DYNAMO_CALLS.reset()
    yield
    scans = [op for op, _ in DYNAMO_CALLS.calls if op == "Scan"]
    assert not scans, "a DynamoDB Scan was issued; no Scan is allowed on a request path"


@pytest.fixture
def offline_scans():
    """For a test of an offline tool (a data migration), which Scans: `with offline_scans():`
    around the tool's run; its Scans are checked to come from there and are then set aside, so
    the guard still fails any Scan made by a request."""
    from contextlib import contextmanager

    @contextmanager
    def allowed():
        before = len(DYNAMO_CALLS.calls)
        yield
        ran = DYNAMO_CALLS.calls[before:]
        assert any(op == "Scan" for op, _ in ran), "the tool was expected to Scan"
        DYNAMO_CALLS.calls[before:] = [(op, p) for op, p in ran if op != "Scan"]
        DYNAMO_CALLS.branches[before:] = [b for (op, _), b in zip(ran, DYNAMO_CALLS.branches[before:]) if op != "Scan"]

    return allowed


@pytest.fixture
def aws():
    """A fresh in-process AWS with every table and queue of infra/resources.yaml."""
    with fresh_aws():
        DYNAMO_CALLS.reset()
        yield


@pytest.fixture
def dynamo_calls():
    return DYNAMO_CALLS


@pytest.fixture
def chalice_app(aws):
    from app import app

    return app


@pytest.fixture
def api(chalice_app):
    from chalice.test import Client

    with Client(chalice_app) as client:
        yield Api(client)


@pytest.fixture
def admin(api):
    """The bootstrap super admin and consumer, logged in: an AuthedApi."""
    from scripts.bootstrap import bootstrap

    creds = bootstrap(username="admin", password="Admin-Passw0rd!", email="admin@example.com", consumer_key="testconsumerkey")
    return api.login(creds.username, creds.password, creds.consumer_key)


# --- the developer's .local/ stays as it was -------------------------------------------------------

def _local_files() -> dict[str, float]:
    local = ROOT / ".local"
    return {str(p.relative_to(ROOT)): p.stat().st_mtime for p in local.rglob("*") if p.is_file()} if local.exists() else {}


def pytest_sessionstart(session):
    session.config._local_files_before = _local_files()


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller checks once
        return
    before = session.config._local_files_before
    written = sorted(path for path, mtime in _local_files().items() if before.get(path) != mtime)
    if written:
        session.exitstatus = 1
        print(f"\nFAILED: the tests wrote into the developer's .local/ (a `make run` of your own at the same "
              f"time would too): {', '.join(written[:10])}")
