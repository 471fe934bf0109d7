"""README's "Your first ten minutes", as data: the steps from a bootstrap admin to a bank, a user
with roles, customers, funded accounts, a transfer, a consent a third party uses, a webhook
delivery, an Enterprise partner and a payment it takes through the hosted payment page. One
source, three uses:

    .venv/bin/python -m scripts.walkthrough              # run every step against a fresh `make run`,
                                                          # showing each request and its answer
    .venv/bin/python -m scripts.walkthrough --markdown   # the README section (curl + jq)
    make demo                                             # `make run` that runs the steps first (DEMO=1)

Every step says the status and the answer it expects; a run fails on the first step that gets
anything else, so a change that breaks the README breaks `make test` (tests/e2e/test_walkthrough_e2e.py
runs it; tests/unit/test_readme.py checks README shows exactly what `--markdown` renders).

Variables: each value an answer gives is kept in a shell-style variable (`ADMIN`, `ALICE_ID`, ...) that
later paths, headers and bodies use as `$NAME`; the README's commands are the same strings.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

ANY = ...  # in an expected answer: any value, as long as the field is there

BANK = "demo-bank"
PASSWORD = "Str0ng-Passw0rd!"
KID = "demo-key-1"
TELLER_ROLES = ["CanCreateCustomer", "CanCreateUserCustomerLink", "CanCreateAccount",
                "CanCreateHistoricalTransactionAtBank", "CanCreateWebhook"]


# --- the kinds of step -------------------------------------------------------------------------

@dataclass
class Text:
    """A heading and the prose under it (README only; a run prints the heading)."""
    heading: str
    prose: str = ""


@dataclass
class Call:
    """One HTTP request and the answer it must get. `keep` maps a variable to a jq path of the
    answer; `each` repeats the call for every value of a variable (a shell for-loop);
    `eventually` retries until the answer matches (something asynchronous must happen first)."""
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    form: dict[str, str] | None = None
    status: int = 200
    answer: Any = None
    keep: dict[str, str] = field(default_factory=dict)
    each: tuple[str, list[str]] | None = None
    eventually: bool = False


@dataclass
class Local:
    """Something done on the developer's machine rather than over HTTP: `shell` is what README
    shows, `run(variables)` what the script does instead; it returns the variables it sets."""
    shell: str
    run: Callable[[dict], dict]


@dataclass
class Pending:
    """A step still to come (another branch builds it): a marked place in the script and README."""
    note: str


@dataclass
class Page:
    """The hosted payment page ($CHECKOUT_URL) as a browser without JavaScript uses it; README shows
    curl with a cookie jar ($JAR) for the page's cookie. Without `form`, the page itself (GET): its
    forms' CSRF token is kept in $CSRF. With `form` ("bank", "sign-in", ...), that form is posted
    with `fields` and the token; the 303 answer is followed back to the page. Either way the page
    must then show `shows`."""
    shows: str
    form: str = ""
    fields: dict[str, str] = field(default_factory=dict)


CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class File:
    """A body field whose value is a file's text (a PEM key): README builds the body with jq."""
    path: str
    name: str


def token(variable: str) -> dict[str, str]:
    return {"DirectLogin": f"token=${variable}"}


def login(variable: str, username: str, password: str = "$PASSWORD") -> Call:
    return Call("POST", "/my/logins/direct", headers={
        "DirectLogin": f"username={username}, password={password}, consumer_key=$CONSUMER_KEY"},
        status=201, keep={variable: ".token"}, answer={"token": ANY})


def new_user(variable: str, username: str, first_name: str) -> Call:
    return Call("POST", "/obp/v5.1.0/users", body={
        "email": f"{username}@example.com", "username": username, "password": PASSWORD,
        "first_name": first_name, "last_name": "Demo"},
        status=201, keep={variable: ".user_id"}, answer={"user_id": ANY, "username": username})


def customer(name: str, legal_name: str, email: str, phone: str) -> list[Call]:
    """The teller makes user $<name>_ID a customer: the customer, then the user-customer link."""
    return [
        Call("POST", f"/obp/v5.1.0/banks/{BANK}/customers", headers=token("TELLER"), body={
            "legal_name": legal_name, "mobile_phone_number": phone, "email": email},
            status=201, keep={f"{name}_CUSTOMER_ID": ".customer_id"},
            answer={"customer_id": ANY, "legal_name": legal_name}),
        Call("POST", f"/obp/v5.1.0/banks/{BANK}/user_customer_links", headers=token("TELLER"),
             body={"user_id": f"${name}_ID", "customer_id": f"${name}_CUSTOMER_ID"}, status=201,
             answer={"user_id": f"${name}_ID", "customer_id": f"${name}_CUSTOMER_ID", "is_active": True}),
    ]


def pay(payer_token: str, from_account: str, to_account: str, amount: str, description: str,
        each: tuple[str, list[str]] | None = None) -> Call:
    return Call("POST", f"/obp/v5.1.0/banks/{BANK}/accounts/{from_account}/owner/transaction-request-types/ACCOUNT/"
                "transaction-requests", headers=token(payer_token), body={
                    "to": {"bank_id": BANK, "account_id": to_account},
                    "value": {"currency": "EUR", "amount": amount}, "description": description},
                status=201, answer={"id": ANY, "type": "ACCOUNT", "status": "COMPLETED"}, each=each)


def account(variable_token: str, account_id: str, owner: str, label: str, product: str) -> Call:
    return Call("PUT", f"/obp/v5.1.0/banks/{BANK}/accounts/{account_id}", headers=token(variable_token), body={
        "user_id": owner, "label": label, "product_code": product, "balance": {"currency": "EUR", "amount": "0"}},
        status=201, answer={"account_id": account_id, "product_code": product})


def balance(variable_token: str, account_id: str, amount: str, headers: dict | None = None) -> Call:
    return Call("GET", f"/obp/v5.1.0/banks/{BANK}/accounts/{account_id}/owner/account",
                headers=headers or token(variable_token),
                answer={"id": account_id, "balance": {"currency": "EUR", "amount": amount}})


# --- local actions (README shows the shell line, a run does the same in Python) -----------------

def _newest_code(variables: dict, channel: str, to: str, marker: str, code: str, timeout: float = 20.0) -> str:
    """The code (regex `code`) of the newest e-mail or SMS (`channel`) to `to` whose body holds
    `marker`, from the local outbox; waits for it to arrive."""
    outbox = Path(variables["OUTBOX"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(outbox.glob(f"*-{channel}-*.json"), reverse=True):
            message = json.loads(path.read_text())
            if message.get("to") == to and marker in message.get("body", ""):
                return re.search(code, message["body"]).group(0)
        time.sleep(0.1)
    raise StepFailed(f"no {channel} with {marker!r} for {to} reached {outbox} within {timeout:.0f} s")


def _newest_consent_otp(variables: dict) -> dict:
    """The OTP of the newest consent challenge e-mailed to alice."""
    return {"OTP": _newest_code(variables, "email", "alice@example.com", "consent challenge", r"\b\d{8}\b")}


def _start_receiver(variables: dict) -> dict:
    receiver = WebhookReceiver(port=0).start()
    variables["_receiver"] = receiver
    return {"HOOK_URL": receiver.url}


def _newest_payment_otp(variables: dict) -> dict:
    """The one-time password of the newest payment code texted to alice's mobile."""
    return {"OTP": _newest_code(variables, "sms", ALICE_MOBILE, "is your code to pay", r"^\d{6}")}


def _payment_webhook_arrived(variables: dict, timeout: float = 20.0) -> dict:
    """The receiver of step 8 got the signed `payment.succeeded` of $PAYMENT_ID, its id also in the
    URL's `id` query parameter."""
    from standardwebhooks import Webhook

    receiver, payment_id = variables["_receiver"], variables["PAYMENT_ID"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path, headers, body in list(receiver.received):
            if path.endswith(f"?id={payment_id}"):
                event = Webhook(variables["HOOK_SECRET"]).verify(body, headers)
                if event != {"type": "payment.succeeded", "id": payment_id, "profile_id": variables["PROFILE_ID"]}:
                    raise StepFailed(f"the delivery of {payment_id} carried {event}")
                return {}
        time.sleep(0.1)
    raise StepFailed(f"no payment.succeeded for {payment_id} reached the receiver within {timeout:.0f} s")


def _partner_keys(variables: dict) -> dict:
    from scripts import enterprise_client

    enterprise_client.write_key_pair(Path(variables["DEMO_DIR"]))
    return {}


def _client_assertion(variables: dict) -> dict:
    from scripts import enterprise_client

    key = Path(variables["DEMO_DIR"]) / "partner.key"
    return {"ASSERTION": enterprise_client.client_assertion(key.read_text(), variables["CLIENT_ID"], KID,
                                                            f"{variables['API']}/v1/oauth/token")}


# --- the walkthrough ------------------------------------------------------------------------------

PAYMENT = f"/obp/v5.1.0/banks/{BANK}/accounts/ACCOUNT_ID/owner/transaction-request-types/ACCOUNT/transaction-requests"
PARTNER = {"Authorization": "Bearer $PARTNER_TOKEN"}
ALICE_MOBILE = "+44 7700 900001"

STEPS: list = [
    Text("1. Log in as the bootstrap admin", "DirectLogin with the username, password and consumer key `make run` "
         "printed; the answer's token goes in the `DirectLogin: token=...` header of every later call."),
    login("ADMIN", "$ADMIN_USERNAME", "$ADMIN_PASSWORD"),

    Text("2. Create a bank", "The admin holds `CanCreateBank`."),
    Call("POST", "/obp/v5.1.0/banks", headers=token("ADMIN"), body={
        "id": BANK, "bank_code": "DEMO", "full_name": "Demo Bank", "website": "https://bank.example"},
        status=201, answer={"id": BANK, "bank_code": "DEMO", "full_name": "Demo Bank"}),

    Text("3. A user with roles", "Anyone may sign up (OBP's `POST /users`); the admin grants the bank's teller "
         "the roles the next steps need, one entitlement each, and the teller logs in."),
    new_user("TELLER_ID", "teller", "Tess"),
    Call("POST", "/obp/v5.1.0/users/$TELLER_ID/entitlements", headers=token("ADMIN"),
         body={"bank_id": BANK, "role_name": "$ROLE"}, status=201,
         answer={"entitlement_id": ANY, "role_name": "$ROLE", "bank_id": BANK}, each=("ROLE", TELLER_ROLES)),
    login("TELLER", "teller"),

    Text("4. Two customers", "Alice and Bob sign up; the teller makes each a customer of the bank and links "
         "the customer to the user."),
    new_user("ALICE_ID", "alice", "Alice"),
    new_user("BOB_ID", "bob", "Bob"),
    *customer("ALICE", "Alice Demo", "alice@example.com", ALICE_MOBILE),
    *customer("BOB", "Bob Demo", "bob@example.com", "+44 7700 900002"),

    Text("5. Accounts, funded", "The teller opens a current account for each customer and the bank's own "
         "funding account, then books 500 EUR from it into each current account as OBP's historical transactions "
         "(`CanCreateHistoricalTransactionAtBank`). Money is never made from nothing: every credit is an "
         "account's debit. The funding account may go below zero because the local stage sets no overdraft "
         "limit where a product names none (`OBP_DEFAULT_OVERDRAFT_LIMIT`: `unlimited` in `local`, `0` when "
         "deployed)."),
    account("TELLER", "demo-funding", "$TELLER_ID", "Demo Bank funding", "FUNDING"),
    account("TELLER", "alice-current", "$ALICE_ID", "Current account of Alice", "CURRENT"),
    account("TELLER", "bob-current", "$BOB_ID", "Current account of Bob", "CURRENT"),
    Call("POST", f"/obp/v5.1.0/banks/{BANK}/management/historical/transactions", headers=token("TELLER"), body={
        "from_account_id": "demo-funding", "to_account_id": "$TO", "value": {"currency": "EUR", "amount": "500.00"},
        "description": "Opening deposit", "posted": "2026-01-02T09:00:00Z", "completed": "2026-01-02T09:00:00Z",
        "type": "SANDBOX_TAN", "charge_policy": "SHARED"}, status=201,
        answer={"transaction_id": ANY, "to": {"bank_id": BANK, "account_id": "$TO"},
                "value": {"currency": "EUR", "amount": "500.00"}}, each=("TO", ["alice-current", "bob-current"])),

    Text("6. A transfer", "Alice logs in and pays Bob 25 EUR (below `OBP_CHALLENGE_THRESHOLD`, so no OTP), "
         "then reads her balance."),
    login("ALICE", "alice"),
    pay("ALICE", "alice-current", "bob-current", "25.00", "Lunch"),
    balance("ALICE", "alice-current", "475.00"),

    Text("7. A consent a third party uses", "The admin registers a third-party app (a consumer); Alice consents "
         "to it reading her account: the OTP comes by e-mail, which the local stage writes to the outbox. The app "
         "then calls as Alice, limited to that consent, with its own consumer key."),
    Call("POST", "/obp/v5.1.0/management/consumers", headers=token("ADMIN"), body={
        "app_name": "Budget Buddy", "app_type": "Confidential", "description": "A budgeting app",
        "developer_email": "dev@budgetbuddy.example", "redirect_url": "https://budgetbuddy.example/callback",
        "enabled": True}, status=201, keep={"TPP_ID": ".consumer_id", "TPP_KEY": ".key", "TPP_SECRET": ".secret"},
        answer={"consumer_id": ANY, "key": ANY, "secret": ANY, "app_name": "Budget Buddy"}),
    Call("POST", f"/obp/v5.1.0/banks/{BANK}/my/consents/EMAIL", headers=token("ALICE"), body={
        "everything": False, "views": [{"bank_id": BANK, "account_id": "alice-current", "view_id": "owner"}],
        "entitlements": [], "consumer_id": "$TPP_ID", "email": "alice@example.com", "time_to_live": 3600},
        status=201, keep={"CONSENT_ID": ".consent_id"}, answer={"consent_id": ANY, "jwt": ANY, "status": "INITIATED"}),
    Local("sleep 1; OTP=$(ls \"$OUTBOX\"/*-email-*.json | tail -1 | xargs jq -r .body | grep -oE '[0-9]{8}')",
          _newest_consent_otp),
    Call("POST", f"/obp/v5.1.0/banks/{BANK}/consents/$CONSENT_ID/challenge", headers=token("ALICE"),
         body={"answer": "$OTP"}, status=201, keep={"CONSENT_JWT": ".jwt"},
         answer={"consent_id": "$CONSENT_ID", "jwt": ANY, "status": "ACCEPTED"}),
    balance("", "alice-current", "475.00", headers={"Consent-JWT": "$CONSENT_JWT", "Consumer-Key": "$TPP_KEY"}),

    Text("8. A webhook delivery", "Start a receiver in a second terminal: `.venv/bin/python -m "
         "scripts.webhook_receiver` listens on 127.0.0.1:8100 and prints every delivery (the local stage lets "
         "webhooks call loopback). The teller registers a webhook on Alice's account; Bob pays Alice 10 EUR; the "
         "delivery is signed, sent, and listed with its outcome."),
    Local("HOOK_URL=http://127.0.0.1:8100/hook", _start_receiver),
    Call("POST", f"/obp/v3.1.0/banks/{BANK}/account-web-hooks", headers=token("TELLER"), body={
        "account_id": "alice-current", "trigger_name": "OnCreditTransaction", "url": "$HOOK_URL",
        "http_method": "POST", "http_protocol": "HTTP/1.1", "is_active": "true"},
        status=201, keep={"WEBHOOK_ID": ".account_webhook_id"},
        answer={"account_webhook_id": ANY, "trigger_name": "OnCreditTransaction", "secret": ANY}),
    login("BOB", "bob"),
    pay("BOB", "bob-current", "alice-current", "10.00", "Coffee"),
    Call("GET", "/obp/v5.1.0/my/web-hooks/$WEBHOOK_ID/deliveries", headers=token("TELLER"), eventually=True,
         answer={"deliveries": [{"event_type": "OnCreditTransaction", "status": "SUCCEEDED", "attempt_count": 1, "last_status_code": 200}]}),

    Text("9. An Enterprise partner", "The payments provider's API (`/v1`) authenticates partners by their own "
         "key pair. The admin registers the partner's public key; the partner signs a client assertion with its "
         "private key, trades it for an access token, and creates a profile."),
    Local("mkdir -p \"$DEMO_DIR\" && openssl genrsa -out \"$DEMO_DIR/partner.key\" 2048 2>/dev/null && "
          "openssl rsa -in \"$DEMO_DIR/partner.key\" -pubout -out \"$DEMO_DIR/partner.pub\" 2>/dev/null",
          _partner_keys),
    Call("POST", "/v1/partners", headers=token("ADMIN"), body={
        "name": "Demo Shop", "kid": KID, "public_key": File("$DEMO_DIR/partner.pub", "pem")},
        status=201, keep={"CLIENT_ID": ".client_id"},
        answer={"client_id": ANY, "name": "Demo Shop", "keys": [{"kid": KID, "status": "active"}]}),
    Local(f"ASSERTION=$(.venv/bin/python -m scripts.enterprise_client assertion \"$DEMO_DIR/partner.key\" "
          f"\"$CLIENT_ID\" {KID} \"$API/v1/oauth/token\")", _client_assertion),
    Call("POST", "/v1/oauth/token", form={
        "grant_type": "client_credentials", "client_assertion": "$ASSERTION",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
        keep={"PARTNER_TOKEN": ".access_token"},
        answer={"access_token": ANY, "token_type": "Bearer", "expires_in": 3600}),
    Call("POST", "/v1/profiles", headers=PARTNER,
         body={"name": "Demo Shop", "email": "shop@example.com", "website": "https://shop.example"},
         status=201, keep={"PROFILE_ID": ".id"}, answer={"id": ANY, "name": "Demo Shop"}),

    Text("10. An Enterprise payment", "Bob runs Demo Shop: the teller opens its payout account, the partner names "
         "it on the profile and subscribes the step 8 receiver to the outcome of payments. Then the partner creates "
         "an open-banking payment of 12.50 EUR (amounts on `/v1` are integer minor units) and sends the payer to "
         "`next.redirect`, the hosted payment page. To pay as a person would, open it in a browser "
         "(`xdg-open \"$CHECKOUT_URL\"`; `open` on a Mac) instead of the curl lines that follow: choose Demo Bank, "
         "sign in as `alice` with `$PASSWORD`, choose `alice-current`, and type the code texted to her (the local "
         "stage writes SMS to the outbox: `ls -t \"$OUTBOX\"/*-sms-*.json | head -1 | xargs jq -r .body`). The "
         "page's forms work without JavaScript, so curl does the same: a cookie jar keeps the page's cookie and "
         "each form sends the page's CSRF token. The payment succeeds, 12.50 EUR leave alice's account for the "
         "provider's clearing account, and the receiver prints a signed `payment.succeeded` whose URL carries "
         "the payment's id (`/hook?id=payment_…`)."),
    account("TELLER", "shop-payout", "$BOB_ID", "Demo Shop payouts", "CURRENT"),
    Call("PUT", "/v1/profiles/$PROFILE_ID", headers=PARTNER,
         body={"payout_account": {"bank_id": BANK, "account_id": "shop-payout"}},
         answer={"id": "$PROFILE_ID", "payout_account": {"bank_id": BANK, "account_id": "shop-payout"}}),
    Call("POST", "/v1/profiles/$PROFILE_ID/webhooks", headers=PARTNER,
         body={"url": "$HOOK_URL", "events": ["payment.succeeded", "payment.failed"]}, status=201,
         keep={"HOOK_SECRET": ".secret"}, answer={"id": ANY, "active": True, "secret": ANY}),
    Call("POST", "/v1/profiles/$PROFILE_ID/payments", headers=PARTNER, body={
        "method": "openbanking", "amount": 1250, "currency": "EUR", "description": "Two coffees",
        "reference": "order-1001", "session": {"redirect_url": "https://shop.example/thanks"}},
        status=201, keep={"PAYMENT_ID": ".id", "CHECKOUT_URL": ".next.redirect"},
        answer={"id": ANY, "state": "created", "amount": 1250, "currency": "EUR", "next": {"redirect": ANY}}),
    Page("Choose your bank"),
    Page("Sign in to demo-bank", "bank", {"bank_id": BANK}),
    Page("Choose the account to pay from", "sign-in", {"username": "alice", "password": "$PASSWORD"}),
    Page("We sent a one-time code", "account", {"account_id": "alice-current"}),
    Local("sleep 1; OTP=$(ls \"$OUTBOX\"/*-sms-*.json | tail -1 | xargs jq -r .body | grep -oE '^[0-9]{6}')",
          _newest_payment_otp),
    Page("Payment successful", "confirm", {"code": "$OTP"}),
    Call("GET", "/v1/profiles/$PROFILE_ID/payments/$PAYMENT_ID", headers=PARTNER,
         answer={"id": "$PAYMENT_ID", "state": "succeeded", "amount": 1250, "openbanking": {"bank_id": BANK}}),
    balance("ALICE", "alice-current", "472.50"),
    Call("GET", f"/v1/provider-accounts/{BANK}/EUR", headers=token("ADMIN"),
         answer={"bank_id": BANK, "currency": "EUR", "clearing_account": {"balance": 1250}}),
    Local("# the receiver's terminal shows /hook?id=$PAYMENT_ID and {\"type\": \"payment.succeeded\", "
          "\"id\": \"$PAYMENT_ID\", …}", _payment_webhook_arrived),
]


# --- running ---------------------------------------------------------------------------------------

class StepFailed(Exception):
    pass


_VARIABLE = re.compile(r"\$(?:\{([A-Z_][A-Z0-9_]*)\}|([A-Z_][A-Z0-9_]*))")


def expand(value: Any, variables: dict) -> Any:
    """`value` with every $NAME replaced by its variable (strings inside dicts and lists too)."""
    if isinstance(value, str):
        def one(match: re.Match) -> str:
            name = match.group(1) or match.group(2)
            if name not in variables:
                raise StepFailed(f"{value!r} uses ${name}, which no earlier step set")
            return str(variables[name])
        return _VARIABLE.sub(one, value)
    if isinstance(value, dict):
        return {k: expand(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v, variables) for v in value]
    if isinstance(value, File):
        return Path(expand(value.path, variables)).read_text()
    return value


def jq_path(document: Any, path: str) -> Any:
    """The value at a jq path of the simple kind `.a.b[0].c`."""
    value = document
    for name, index in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", path):
        value = value[name] if name else value[int(index)]
    return value


def mismatches(expected: Any, actual: Any, where: str = "") -> list[str]:
    """What in `actual` differs from `expected`: dicts are matched on the keys `expected` lists
    (more keys are fine), lists element by element on its first elements, ANY matches anything."""
    if expected is ANY:
        return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where or 'the answer'} is not an object"]
        return [m for key, value in expected.items()
                for m in (mismatches(value, actual[key], f"{where}.{key}") if key in actual else [f"{where}.{key} is missing"])]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) < len(expected):
            return [f"{where} has fewer than {len(expected)} items"]
        return [m for i, value in enumerate(expected) for m in mismatches(value, actual[i], f"{where}[{i}]")]
    return [] if expected == actual else [f"{where} is {actual!r}, not {expected!r}"]


class Walk:
    """Runs the steps against `api`, keeping variables; `show` gets each heading and, when
    `verbose`, each request and its answer."""

    def __init__(self, variables: dict, show: Callable[[str], None] = print, verbose: bool = True):
        import requests

        self.session = requests.Session()
        self.browser = requests.Session()  # the payer's: the hosted page's cookie, apart from the API calls
        self.variables = dict(variables)
        self.show = show
        self.verbose = verbose

    def run(self, steps: list = STEPS) -> dict:
        self._starting_point()
        for step in steps:
            if isinstance(step, Text):
                self.show(f"== {step.heading}")
            elif isinstance(step, Pending):
                continue
            elif isinstance(step, Local):
                self.variables.update(step.run(self.variables))
            elif isinstance(step, Page):
                self._page(step)
            else:
                for value in (step.each[1] if step.each else [None]):
                    if step.each:
                        self.variables[step.each[0]] = value
                    self._call(step)
        return self.variables

    def _starting_point(self) -> None:
        import requests

        try:
            r = self.session.get(f"{self.variables['API']}/obp/v5.1.0/banks/{BANK}", timeout=30)
        except requests.ConnectionError:
            raise StepFailed(f"nothing answers at {self.variables['API']}: start `make run` first") from None
        if r.status_code == 200:
            raise StepFailed(f"{BANK} exists already: the walkthrough starts from an empty stack (data lives in "
                             "memory: stop `make run` with Ctrl-C and start it again)")

    def _call(self, step: Call) -> None:
        method, url = step.method, expand(f"$API{step.path}", self.variables)
        headers = expand(step.headers, self.variables)
        body = expand(step.body, self.variables) if step.body is not None else None
        form = expand(step.form, self.variables) if step.form is not None else None
        expected = expand(step.answer, self.variables) if step.answer is not None else None
        deadline = time.monotonic() + (20 if step.eventually else 0)
        shown_request = f"{method} {url.removeprefix(self.variables['API'])}"
        while True:
            r = self.session.request(method, url, headers=headers, json=body, data=form, timeout=30)
            answer = _parsed(r.content)
            problems = ([f"status {r.status_code}, not {step.status}"] if r.status_code != step.status else []) + (
                mismatches(expected, answer) if expected is not None and r.status_code == step.status else [])
            if not problems or time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        if self.verbose:
            self.show(f"$ {shown_request}" + (f" {json.dumps(body if body is not None else form)}" if body or form else ""))
            self.show(f"  {r.status_code} {_abridged(answer)}")
        if problems:
            raise StepFailed(f"{shown_request}: " + "; ".join(problems) + f"\n  the answer: {json.dumps(answer)[:2000]}")
        for variable, path in step.keep.items():
            self.variables[variable] = jq_path(answer, path)


    def _page(self, step: Page) -> None:
        """As curl does in README: the cookie jar's cookie; a form's 303 followed with a GET."""
        url = expand("$CHECKOUT_URL", self.variables) + (f"/{step.form}" if step.form else "")
        shown_request = ("POST " if step.form else "GET ") + url.removeprefix(self.variables["API"])
        problems = []
        if step.form:
            data = {"csrf": self.variables.get("CSRF", ""), **expand(step.fields, self.variables)}
            r = self.browser.post(url, data=data, timeout=30)
            statuses = [h.status_code for h in r.history]
            if statuses != [303]:
                problems.append(f"status {(statuses or [r.status_code])[0]}, not 303")
        else:
            r = self.browser.get(url, timeout=30)
            found = CSRF_FIELD.search(r.text)
            if found:
                self.variables["CSRF"] = found.group(1)
            else:
                problems.append("the page has no CSRF token")
        if r.status_code != 200:
            problems.append(f"the page answered {r.status_code}, not 200")
        if step.shows not in r.text:
            problems.append(f"the page does not show {step.shows!r}")
        if self.verbose:
            self.show(f"$ {shown_request}" + (f" {json.dumps(step.fields)}" if step.fields else ""))
            self.show(f"  {r.status_code} the page shows {step.shows!r}" if step.shows in r.text else
                      f"  {r.status_code}")
        if problems:
            raise StepFailed(f"{shown_request}: " + "; ".join(problems) + f"\n  the page: {r.text[:2000]}")


def _parsed(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return content.decode(errors="replace")


def _abridged(answer: Any, limit: int = 300) -> str:
    text = json.dumps(answer)
    return text if len(text) <= limit else text[:limit] + "…"


def run(api: str, *, admin_username: str, admin_password: str, consumer_key: str, outbox: str, demo_dir: str,
        show: Callable[[str], None] = print, verbose: bool = True) -> dict:
    """Run the walkthrough against `api`; returns the variables (credentials, ids) it made.
    The webhook receiver it started keeps running (daemon thread) until `stop_receiver(variables)`."""
    walk = Walk({"API": api.rstrip("/"), "ADMIN_USERNAME": admin_username, "ADMIN_PASSWORD": admin_password,
                 "CONSUMER_KEY": consumer_key, "PASSWORD": PASSWORD, "OUTBOX": outbox, "DEMO_DIR": demo_dir},
                show=show, verbose=verbose)
    try:
        variables = walk.run()
    except BaseException:
        stop_receiver(walk.variables)
        raise
    return variables


def stop_receiver(variables: dict) -> None:
    receiver = variables.get("_receiver")
    if receiver is not None:
        receiver.stop()


def credentials(variables: dict) -> dict:
    """What the demo data leaves for a developer to use, by name."""
    demo_dir = Path(variables["DEMO_DIR"]).resolve()
    return {
        "bank_id": BANK,
        "users": {name: {"username": name, "password": PASSWORD, "user_id": variables[f"{name.upper()}_ID"]}
                  for name in ("alice", "bob", "teller")},
        "accounts": {"alice": "alice-current", "bob": "bob-current"},
        "customers": {"alice": variables["ALICE_CUSTOMER_ID"], "bob": variables["BOB_CUSTOMER_ID"]},
        "third_party_app": {"consumer_id": variables["TPP_ID"], "consumer_key": variables["TPP_KEY"],
                            "consumer_secret": variables["TPP_SECRET"], "consent_id": variables["CONSENT_ID"]},
        "enterprise_partner": {"client_id": variables["CLIENT_ID"], "kid": KID, "profile_id": variables["PROFILE_ID"],
                               "payment_id": variables["PAYMENT_ID"],
                               "private_key": str(demo_dir / "partner.key"),
                               "public_key": str(demo_dir / "partner.pub")},
    }


# --- a webhook receiver to watch deliveries arrive ------------------------------------------------

class WebhookReceiver:
    """Answers 200 to every request on 127.0.0.1 and reports each (`scripts.webhook_receiver`)."""

    def __init__(self, port: int = 8100, on_delivery: Callable[[str, dict, bytes], None] | None = None):
        self.received: list[tuple[str, dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append((self.path, headers, body))
                if on_delivery:
                    on_delivery(self.path, headers, body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_GET = do_DELETE = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> "WebhookReceiver":
        threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- README ----------------------------------------------------------------------------------------

SETUP = """\
API=http://127.0.0.1:8000                    # what `make run` printed
ADMIN_USERNAME=admin ADMIN_PASSWORD='Admin-Passw0rd!' CONSUMER_KEY=obplocaldevconsumerkey
PASSWORD='Str0ng-Passw0rd!'                  # for the users made below
OUTBOX=.local/outbox DEMO_DIR=.local/demo"""


def shell_word(text: str) -> str:
    """`text` as one shell word that expands its $VARIABLES and nothing else."""
    if "$" not in text:
        return shlex.quote(text)
    if not re.search(r'["\\`!]', _VARIABLE.sub("", text)):
        return f'"{text}"'
    parts, last = [], 0
    for match in _VARIABLE.finditer(text):
        if match.start() > last:
            parts.append(shlex.quote(text[last:match.start()]))
        parts.append(f'"{match.group(0)}"')
        last = match.end()
    if last < len(text):
        parts.append(shlex.quote(text[last:]))
    return "".join(parts)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _body_arguments(step: Call) -> list[str]:
    if step.form is not None:
        return [f"-d {shell_word(f'{k}={v}')}" for k, v in step.form.items()]
    if step.body is None:
        return []
    files = {key: value for key, value in step.body.items() if isinstance(value, File)} if isinstance(step.body, dict) else {}
    if files:
        args = " ".join(f"--rawfile {f.name} {shell_word(f.path)}" for f in files.values())
        program = _json_text({k: (f"\0{v.name}\0" if isinstance(v, File) else v) for k, v in step.body.items()})
        program = re.sub(r'"\\u0000(\w+)\\u0000"', r"$\1", program)
        return [f"-d \"$(jq -n {args} {shlex.quote(program)})\""]
    return [f"-d {shell_word(_json_text(step.body))}"]


def curl_command(step: Call) -> str:
    """The step's request as a curl command line (wrapped, with `\\` line ends)."""
    words = ["curl -s"] + ([f"-X {step.method}"] if step.method != "GET" else []) + [shell_word(f"$API{step.path}")]
    words += [f"-H {shell_word(f'{k}: {v}')}" for k, v in step.headers.items()]
    if step.body is not None:
        words.append("-H 'Content-Type: application/json'")
    words += _body_arguments(step)
    return _wrap(words)


def _page_words(step: Page) -> list[str]:
    words = ["curl -s", '-c "$JAR"', '-b "$JAR"'] + (["-L"] if step.form else [])
    words.append(shell_word("$CHECKOUT_URL" + (f"/{step.form}" if step.form else "")))
    if step.form:
        words.append('-d "csrf=$CSRF"')
        words += [f"-d {shell_word(f'{k}={v}')}" for k, v in step.fields.items()]
    return words


def page_curl_command(step: Page) -> str:
    """The curl part of a Page step: the page, or its form posted and the 303 followed."""
    return _wrap(_page_words(step))


def render_page(step: Page) -> str:
    if not step.form:
        return "\n".join([
            "JAR=$(mktemp)   # the page's cookie, as a browser keeps it",
            "CSRF=$(" + _wrap(_page_words(step) + ["| grep -oE 'name=\"csrf\" value=\"[^\"]+\"'", "| head -1",
                                                   "| cut -d'\"' -f4)"]),
            f"# 200, the page shows \"{step.shows}\" (and its forms' CSRF token)"])
    return "\n".join([_wrap(_page_words(step) + [f"| grep -o {shlex.quote(step.shows)} | head -1"]),
                      f"# 303 back to the page, which shows \"{step.shows}\""])


def render_call(step: Call) -> str:
    command = curl_command(step)
    lines = []
    if step.eventually:
        lines.append("sleep 2   # delivery is asynchronous: still PENDING? ask again")
    if len(step.keep) == 1 and not step.each:
        [(variable, path)] = step.keep.items()
        lines.append(f"{variable}=$({command} | jq -r {path})")
    elif step.keep:
        lines.append(f"R=$({command})")
        lines.append("; ".join(f"{v}=$(jq -r {p} <<<\"$R\")" for v, p in step.keep.items()))
    elif step.each:
        variable, values = step.each
        lines.append(f"for {variable} in {' '.join(values)}; do")
        lines.append("  " + command.replace("\n", "\n  ") + "; echo")
        lines.append("done")
    else:
        lines.append(command + "; echo")
    lines.append("# " + render_answer(step))
    return "\n".join(lines)


def _wrap(words: list[str], width: int = 110) -> str:
    lines, current = [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current + " \\")
            current = "  " + word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "\n".join(lines)


def render_value(value: Any, top: bool = False) -> str:
    if value is ANY:
        return '"…"'
    if isinstance(value, dict):
        inner = [f"{json.dumps(k)}: {render_value(v)}" for k, v in value.items()]
        return "{" + ", ".join(inner + (["…"] if top else [])) + "}"
    if isinstance(value, list):
        return "[" + ", ".join([render_value(v) for v in value] + ["…"]) + "]"
    return json.dumps(value, ensure_ascii=False)


def render_answer(step: Call) -> str:
    shown = render_value(step.answer, top=True) if step.answer is not None else ""
    return f"{step.status} {shown}".rstrip() + (" (each)" if step.each else "")


def markdown(steps: list = STEPS) -> str:
    """README's walkthrough: prose and one sh block per heading."""
    out = ["```sh", SETUP, "```", ""]
    block: list[str] = []

    def flush():
        if block:
            out.extend(["```sh", *block, "```", ""])
            block.clear()

    for step in steps:
        if isinstance(step, Text):
            flush()
            out.append(f"**{step.heading}.** {step.prose}".rstrip())
            out.append("")
        elif isinstance(step, Pending):
            flush()
            out.extend([f"<!-- {step.note} -->", ""])
        elif isinstance(step, Local):
            block.append(step.shell)
        elif isinstance(step, Page):
            block.append(render_page(step))
        else:
            block.append(render_call(step))
    flush()
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print the README section instead of running")
    parser.add_argument("--api", default=os.environ.get("API", "http://127.0.0.1:8000"))
    parser.add_argument("--outbox", default=os.environ.get("OUTBOX_DIR", ".local/outbox"))
    parser.add_argument("--demo-dir", default=os.environ.get("DEMO_DIR", ".local/demo"))
    args = parser.parse_args(argv)
    if args.markdown:
        sys.stdout.write(markdown())
        return 0
    from chalicelib.settings import BootstrapSettings, load

    admin = load(BootstrapSettings)
    try:
        variables = run(args.api, admin_username=admin.admin_username, admin_password=admin.admin_password,
                        consumer_key=admin.consumer_key, outbox=args.outbox, demo_dir=args.demo_dir)
    except StepFailed as failure:
        print(f"walkthrough failed: {failure}", file=sys.stderr)
        return 1
    stop_receiver(variables)
    print(json.dumps(credentials(variables), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
