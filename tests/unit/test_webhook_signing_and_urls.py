"""Our Standard Webhooks signatures, checked with the public `standardwebhooks` package, and the SSRF
guard's verdicts on URLs and addresses."""
from __future__ import annotations

import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from chalicelib.errors import ApiError
from chalicelib.services import webhooks
from chalicelib.services.webhook_urls import check_url
from chalicelib.settings import reload_settings
from tests.support import outside_the_local_stage

BODY = '{"event_name":"OnCreateTransaction","event_id":"evt_1","bank_id":"b"}'


def _headers(secrets, msg_id="evt_1", timestamp=None, body=BODY):
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": webhooks.signature_header(secrets, msg_id, timestamp, body)}


def test_a_signature_verifies_with_the_standardwebhooks_package():
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_") and len(webhooks._secret_key(secret)) == 32
    assert Webhook(secret).verify(BODY, _headers([secret]))["event_id"] == "evt_1"


def test_during_a_rotation_either_secret_verifies():
    old, new = webhooks.new_secret(), webhooks.new_secret()
    headers = _headers([new, old])
    assert headers["webhook-signature"].count("v1,") == 2
    Webhook(old).verify(BODY, headers)
    Webhook(new).verify(BODY, headers)


@pytest.mark.parametrize("case", ["tampered body", "wrong secret", "301 s old", "301 s ahead", "missing header"])
def test_what_a_receiver_must_reject(case):
    secret = webhooks.new_secret()
    headers = _headers([secret], timestamp=int(time.time()) + {"301 s old": -301, "301 s ahead": 301}.get(case, 0))
    body = BODY
    if case == "tampered body":
        body = BODY.replace('"b"', '"c"')
    if case == "wrong secret":
        secret = webhooks.new_secret()
    if case == "missing header":
        headers.pop("webhook-timestamp")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_event_ids_cannot_break_the_signed_string():
    with pytest.raises(ValueError):
        webhooks.event_message("OnCreateTransaction", ["SYSTEM"], {}, event_id="evt.1")
    with pytest.raises(ValueError, match="thin payload"):
        webhooks.event_message("OnCreateTransaction", ["SYSTEM"], {"blob": "x" * 70_000})


@pytest.fixture
def production(monkeypatch):
    yield from outside_the_local_stage(monkeypatch)


def resolving_to(*addresses):
    return lambda host, port: addresses


@pytest.mark.parametrize("addresses, kind", [
    (("10.0.0.1",), "private"), (("172.16.5.4",), "private"), (("192.168.1.1",), "private"),
    (("127.0.0.1",), "loopback"), (("169.254.169.254",), "link-local"), (("100.64.0.1",), "non-global"),
    (("0.0.0.0",), "unspecified"), (("224.0.0.1",), "multicast"), (("::1",), "loopback"),
    (("fd00:ec2::254",), "private"), (("fe80::1",), "link-local"), (("::ffff:10.0.0.1",), "private"),
    (("2002:a00:1::",), "private"),  # 6to4 around 10.0.0.1
    (("64:ff9b::a00:1",), "reserved"),  # NAT64 around 10.0.0.1
    (("93.184.216.34", "10.0.0.1"), "private"),  # one bad answer is enough
])
def test_every_resolved_address_must_be_public(production, addresses, kind):
    with pytest.raises(ApiError) as err:
        check_url("https://hooks.example.com/x", resolver=resolving_to(*addresses))
    assert f"a {kind} address" in err.value.message


def test_a_public_https_url_passes_with_the_addresses_that_were_checked(production):
    target = check_url("https://hooks.example.com:8443/in?x=1", resolver=resolving_to("93.184.216.34", "2606:4700::1111"))
    assert (target.scheme, target.host, target.port, target.path) == ("https", "hooks.example.com", 8443, "/in?x=1")
    assert target.addresses == ("93.184.216.34", "2606:4700::1111")


@pytest.mark.parametrize("url, why", [
    ("http://93.184.216.34/", "the scheme must be https"),
    ("file:///etc/passwd", "the scheme must be https"),
    ("https://user:pass@93.184.216.34/", "user information"),
    ("https:///nohost", "no host"),
    ("https://93.184.216.34:99999/", "not a valid URL"),
])
def test_malformed_or_plain_http_urls_are_refused(production, url, why):
    with pytest.raises(ApiError) as err:
        check_url(url)
    assert why in err.value.message


def test_the_local_stage_allows_http_and_loopback_only():
    assert reload_settings().is_local
    assert check_url("http://127.0.0.1:9000/hook").addresses == ("127.0.0.1",)
    with pytest.raises(ApiError, match="10.0.0.1, a private address"):
        check_url("http://10.0.0.1/hook")


def test_the_readmes_by_hand_verifier_accepts_our_signatures_and_refuses_tampering():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    [code] = [block.split("\n", 1)[1] for block in readme.split("```python")[1:] if "def verify(" in block]
    namespace: dict = {}
    exec(code.split("```", 1)[0], namespace)  # noqa: S102 - our own README
    verify = namespace["verify"]
    old, new = webhooks.new_secret(), webhooks.new_secret()
    headers = _headers([new, old])
    assert verify(new, headers, BODY.encode()) and verify(old, headers, BODY.encode())
    assert not verify(new, headers, BODY.replace('"b"', '"c"').encode())
    assert not verify(webhooks.new_secret(), headers, BODY.encode())
    assert not verify(new, _headers([new], timestamp=int(time.time()) - 301), BODY.encode())
