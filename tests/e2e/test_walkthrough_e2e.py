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
    # 500 each; alice paid bob 25, bob paid alice 10, alice paid Demo Shop 12.50 on the hosted page.
    assert alice.get("/obp/v5.1.0/banks/demo-bank/accounts/alice-current/owner/account").body["balance"] == {
        "currency": "EUR", "amount": "472.50"}
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

    # The payment the walkthrough made on the hosted page: succeeded, paid from alice's bank, its
    # page link gone; alice's bank shows the transaction request the page's code authorised.
    payment = as_partner.get(f"/v1/profiles/{partner['profile_id']}/payments/{partner['payment_id']}").body
    assert {k: payment[k] for k in ("state", "amount", "currency", "reference", "next", "openbanking")} == {
        "state": "succeeded", "amount": 1250, "currency": "EUR", "reference": "order-1001", "next": None,
        "openbanking": {"bank_id": "demo-bank"}}
    listed = alice.get("/obp/v5.1.0/banks/demo-bank/accounts/alice-current/owner/transaction-requests").body
    [paid] = [r for r in listed["transaction_requests_with_charges"]
              if r["details"]["value"] == {"currency": "EUR", "amount": "12.50"}]
    assert (paid["type"], paid["status"]) == ("ACCOUNT", "COMPLETED")
    assert paid["challenge"]["challenge_type"] == "OTP_VIA_WEB_FORM"


def _demo_window(lines: list[str]) -> list[str]:
    start = next(i for i, line in enumerate(lines) if line.startswith("[local] DEMO=1"))
    end = next(i for i, line in enumerate(lines) if line.startswith("OBP Serverless is running"))
    return lines[start + 1:end]


def test_the_console_has_one_line_per_request_and_per_delivery(demo):
    window = [line for line in _demo_window(demo.lines) if line]
    requests = [m for m in map(REQUEST_LINE.match, window) if m]
    headings = [line for line in window if line.startswith("[demo] == ")]
    emails = [line for line in window if re.match(r"^\d\d:\d\d:\d\d email \S+ to a\*\*\*@example\.com: written to ", line)]
    texts = [line for line in window if re.match(r"^\d\d:\d\d:\d\d sms \S+ to \*\*\*001: written to ", line)]
    hooks = [line for line in window if re.match(r"^\d\d:\d\d:\d\d webhook delivery \S+ attempt 1 "
                                                 r"\((OnCreditTransaction|payment\.succeeded)\) "
                                                 r"to http://127\.0\.0\.1:\d+/hook: status 200 in \d+ ms -> SUCCEEDED$", line)]
    # A payment's life, one line a change (no amounts of a payer's account, no credentials).
    payments = [line for line in window if re.match(r"^\d\d:\d\d:\d\d payment payment_[0-9a-f]{32} (created \(openbanking, "
                                                    r"1250 EUR\) for profile profile_\S+|succeeded: transaction request \S+)$", line)]
    # Nothing else: no JSON log lines, metric blobs, library chatter or warnings.
    known = [m.group(0) for m in requests] + headings + emails + texts + hooks + payments
    assert len(known) == len(window), "\n".join(line for line in window if line not in known)
    assert len(headings) == sum(isinstance(s, walkthrough.Text) for s in walkthrough.STEPS)
    assert len(emails) == 1 and len(texts) == 1 and len(payments) == 2
    assert sorted(re.search(r"\((\S+)\)", line).group(1) for line in hooks) == ["OnCreditTransaction", "payment.succeeded"]

    calls = sum(len(s.each[1]) if s.each else 1 for s in walkthrough.STEPS if isinstance(s, walkthrough.Call))
    # + the "is the stack empty" look; a form of the hosted page is two (the POST, the page it answers 303 to)
    pages = sum(2 if s.form else 1 for s in walkthrough.STEPS if isinstance(s, walkthrough.Page))
    assert len(requests) >= calls + pages + 1  # retries of eventually-steps add more
    assert len({m.group(5) for m in requests}) == len(requests)  # a request id each
    assert ("POST", "/obp/v5.1.0/banks", "201") in {m.group(1, 2, 3) for m in requests}

    # The e-mail line names the outbox file it wrote: the consent challenge; the SMS line the payment's code.
    path = Path(emails[0].split("written to ", 1)[1])
    assert path.parent == demo.outbox_dir and "consent challenge" in path.read_text()
    path = Path(texts[0].split("written to ", 1)[1])
    assert path.parent == demo.outbox_dir and "is your code to pay 12.50 EUR to Demo Shop" in path.read_text()
    # The hosted page's link is a credential: its lines show the payment, never the secret.
    checkout = [m.group(2) for m in requests if m.group(2).startswith("/checkout/")]
    assert len(checkout) == pages and all(re.fullmatch(r"/checkout/payment_[0-9a-f]{32}/<secret>(/[a-z-]+)?", p)
                                          for p in checkout), checkout
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
