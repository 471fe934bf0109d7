"""On AWS the data key is an SSM SecureString, read at first use and once per container."""
from __future__ import annotations

import base64
import os

import boto3
import pytest

from chalicelib import crypto
from chalicelib.settings import reload_settings

PARAMETER = "/obp-test/data-key"


@pytest.fixture
def deployed_stage(aws, monkeypatch):
    """Settings as on Lambda: a non-local stage, the key's parameter name, no key in the environment."""
    monkeypatch.setenv("OBP_STAGE", "prod")
    monkeypatch.delenv("OBP_DATA_KEY", raising=False)
    monkeypatch.setenv("OBP_DATA_KEY_PARAMETER", PARAMETER)
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


def _put_key(raw: bytes) -> None:
    boto3.client("ssm").put_parameter(Name=PARAMETER, Value=base64.b64encode(raw).decode(), Type="SecureString", Overwrite=True)


def test_the_key_is_read_from_the_secure_parameter_once(deployed_stage, monkeypatch):
    from chalicelib import aws

    _put_key(os.urandom(32))
    ssm = aws.client("ssm")
    calls = []
    get_parameter = ssm.get_parameter

    def counted(**params):
        calls.append(params)
        return get_parameter(**params)

    monkeypatch.setattr(ssm, "get_parameter", counted)
    sealed = crypto.seal(b"one-time password 123456", "outbox")
    assert crypto.unseal(sealed, "outbox") == b"one-time password 123456"
    assert crypto.keyed_hash("otp", "a") == crypto.keyed_hash("otp", "a")
    assert calls == [{"Name": PARAMETER, "WithDecryption": True}]


def test_a_different_key_cannot_open_what_another_sealed(deployed_stage):
    from chalicelib import aws

    _put_key(os.urandom(32))
    sealed = crypto.seal(b"secret", "outbox")
    aws.reset()
    _put_key(os.urandom(32))
    with pytest.raises(Exception):
        crypto.unseal(sealed, "outbox")


def test_a_key_of_the_wrong_length_is_refused(deployed_stage):
    _put_key(os.urandom(16))
    with pytest.raises(RuntimeError, match="32 bytes"):
        crypto.seal(b"x", "outbox")


def test_outside_the_local_stage_a_key_source_is_required(aws, monkeypatch):
    monkeypatch.setenv("OBP_STAGE", "prod")
    monkeypatch.delenv("OBP_DATA_KEY", raising=False)
    monkeypatch.delenv("OBP_DATA_KEY_PARAMETER", raising=False)
    reload_settings()
    try:
        with pytest.raises(RuntimeError, match="OBP_DATA_KEY_PARAMETER"):
            crypto.seal(b"x", "outbox")
    finally:
        monkeypatch.undo()
        reload_settings()
