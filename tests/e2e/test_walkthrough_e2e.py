"""README's walkthrough, run as `make demo` runs it (DEMO=1): every step of scripts/walkthrough.py
gets the status and answer README shows (else the stack does not start), the demo data it leaves
is usable with the credentials the banner prints, and the console shows one line per request and
one per delivered e-mail and webhook, for people."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from scripts import enterprise_client, walkthrough
from tests.e2e.conftest import LocalStack
from tests.e2e.http import Http

pytestmark = pytest.mark.e2e

REQUEST_LINE = re.compile(r"^\d\d:\d\d:\d\d (GET|POST|PUT|DELETE) (/\S*) (\d{3}) (\d+) ms "
                          r"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    s = LocalStack(tmp_path_factory.mktemp("outbox"), extra_env={"DEMO": "1"})
    s.wait(timeout=300)
    yield s
    s.stop()


def test_every_step_answered_as_readme_shows_and_the_demo_data_works(demo):
    given = demo.info["demo"]
    http = demo.http()
    users = given["users"]
    alice = http.login("alice", users["alice"]["password"], demo.info["consumer_key"])
    bob = http.login("bob", users["bob"]["password"], demo.info["consumer_key"])
    # 500 each; alice paid bob 25, bob paid alice 10.
    assert alice.get("/obp/v5.1.0/banks/demo-bank/accounts/alice-current/owner/account").body["balance"] == {
        "currency": "EUR", "amount": "485.00"}
    assert bob.get("/obp/v5.1.0/banks/demo-bank/accounts/bob-current/owner/account").body["balance"] == {
        "currency": "EUR", "amount": "515.00"}
    assert {c["customer_id"] for c in alice.get("/obp/v5.1.0/users/current/customers").body["customers"]} == {
        given["customers"]["alice"]}

    # The third-party app reads alice's account through her consent, with its own key.
    tpp = given["third_party_app"]
    as_tpp = Http(demo.url, {"Consent-Id": tpp["consent_id"], "Consumer-Key": tpp["consumer_key"]})
    assert as_tpp.get("/obp/v5.1.0/banks/demo-bank/accounts/alice-current/owner/account").status == 200
    assert as_tpp.get("/obp/v5.1.0/banks/demo-bank/accounts/bob-current/owner/account").status == 403

    # The partner's key files are where the banner says; the private key obtains a token.
    partner = given["enterprise_partner"]
    key = Path(partner["private_key"])
    assert key.parent == demo.outbox_dir.parent / f"{demo.outbox_dir.name}-demo"
    assert key.stat().st_mode & 0o777 == 0o600 and Path(partner["public_key"]).read_text().startswith("-----BEGIN PUBLIC KEY")
    assertion = enterprise_client.client_assertion(key.read_text(), partner["client_id"], partner["kid"],
                                                   f"{demo.url}/v1/oauth/token")
    token = http.post("/v1/oauth/token", {"grant_type": "client_credentials", "client_assertion": assertion,
                                           "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
    assert token.status == 200, token.body
    as_partner = Http(demo.url, {"Authorization": f"Bearer {token.body['access_token']}"})
    assert as_partner.get(f"/v1/profiles/{partner['profile_id']}").body["name"] == "Demo Shop"


def _demo_window(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith("[local] DEMO=1"))
    end = next(i for i, line in enumerate(lines) if line.startswith("OBP Serverless is running"))
    return lines[start + 1:end]


def test_the_console_has_one_line_per_request_and_per_delivery(demo):
    window = [line for line in _demo_window(demo.lines) if line]
    requests = [m for m in map(REQUEST_LINE.match, window) if m]
    headings = [line for line in window if line.startswith("[demo] == ")]
    emails = [line for line in window if re.match(r"^\d\d:\d\d:\d\d email \S+ to a\*\*\*@example\.com: written to ", line)]
    hooks = [line for line in window if re.match(r"^\d\d:\d\d:\d\d webhook delivery \S+ attempt 1 \(OnCreditTransaction\) "
                                                 r"to http://127\.0\.0\.1:\d+/hook: status 200 in \d+ ms -> SUCCEEDED$", line)]
    # Nothing else: no JSON log lines, metric blobs, library chatter or warnings.
    assert len(requests) + len(headings) + len(emails) + len(hooks) == len(window), "\n".join(
        line for line in window if not (REQUEST_LINE.match(line) or line in headings or line in emails or line in hooks))
    assert len(headings) == sum(isinstance(s, walkthrough.Text) for s in walkthrough.STEPS)
    assert len(emails) == 1 and len(hooks) == 1

    calls = sum(len(s.each[1]) if s.each else 1 for s in walkthrough.STEPS if isinstance(s, walkthrough.Call))
    assert len(requests) >= calls + 1  # + the "is the stack empty" look; retries of eventually-steps add more
    assert len({m.group(5) for m in requests}) == len(requests)  # a request id each
    assert ("POST", "/obp/v5.1.0/banks", "201") in {m.group(1, 2, 3) for m in requests}

    # The e-mail line names the outbox file it wrote: the consent challenge.
    path = Path(emails[0].split("written to ", 1)[1])
    assert path.parent == demo.outbox_dir and "consent challenge" in path.read_text()
    assert not any(line.lstrip().startswith("{") for line in demo.lines)


def test_a_request_after_start_prints_its_line(demo):
    before = len(demo.lines)
    assert demo.http().get("/obp/v5.1.0/banks/no-such-bank").status == 404
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
            REQUEST_LINE.match(line) for line in demo.lines[before:]):
        time.sleep(0.05)
    [line] = [m.group(1, 2, 3) for m in map(REQUEST_LINE.match, demo.lines[before:]) if m]
    assert line == ("GET", "/obp/v5.1.0/banks/no-such-bank", "404")
