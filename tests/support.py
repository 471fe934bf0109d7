"""Helpers shared by the tests: a small JSON client over chalice.test.Client, and the
DynamoDB call recorder (round-trip counts, the Scan guard)."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


STRONG_PASSWORD = "Str0ng-Passw0rd!"


@dataclass
class Resp:
    status: int
    body: Any
    headers: dict

    @property
    def message(self) -> str:
        return self.body.get("message", "") if isinstance(self.body, dict) else ""

    @property
    def code(self) -> str:
        """The OBP code at the start of an error message, e.g. 'OBP-20001'."""
        return self.message.split(":", 1)[0]


def check_documented_response(method: str, path: str, status: int, text: str) -> None:
    """The documentation tells the truth: every successful response a test receives fits the
    response model its endpoint declares (exactly its fields, their types), or the test fails."""
    from pydantic import ValidationError

    from chalicelib.api import routing

    if not 200 <= status < 300 or not text:
        return
    endpoint, _, _ = routing._match([s for s in path.split("?")[0].split("/") if s], method)
    model = endpoint.response_model if endpoint is not None else None
    if model is None:
        return
    try:
        model.model_validate_json(text, strict=True)
    except ValidationError as err:
        raise AssertionError(f"{method} {path} answered what its documented response {model.__name__} "
                             f"does not describe:\n{err}\n{text[:2000]}") from None


class DynamoCalls:
    """Every DynamoDB call of a test with where it ran: `branch` is
    chalicelib.store.parallel.current_branch() at the call, so reads sent together count as one
    sequential round trip (`round_trips()`)."""

    def __init__(self):
        import threading

        self.calls: list[tuple[str, dict]] = []
        self.branches: list[tuple] = []
        self._lock = threading.Lock()  # calls of parallel reads arrive from several threads

    def record(self, operation: str, params: dict, branch: tuple = ()) -> None:
        with self._lock:
            self.calls.append((operation, params))
            self.branches.append(branch)

    def reset(self) -> None:
        self.calls.clear()
        self.branches.clear()

    def count(self) -> int:
        return len(self.calls)

    def operations(self) -> list[str]:
        return [op for op, _ in self.calls]

    def round_trips(self) -> int:
        """Sequential round trips: calls outside any `together` count one each; a `together`
        group counts as its costliest branch (calls within a branch run one after another)."""
        return _critical_path(list(self.branches), ())


def _critical_path(branches: list[tuple], prefix: tuple) -> int:
    depth = len(prefix)
    total, groups = 0, {}
    for branch in branches:
        if branch[:depth] != prefix:
            continue
        if len(branch) == depth:
            total += 1
        else:
            group, index = branch[depth]
            groups.setdefault(group, set()).add(index)
    for group, indexes in groups.items():
        total += max(_critical_path(branches, prefix + ((group, i),)) for i in indexes)
    return total


class Api:
    """JSON over the Chalice test client."""

    def __init__(self, client, headers: dict | None = None):
        self.client = client
        self.default_headers = headers or {}

    def call(self, method: str, path: str, body: Any = None, headers: dict | None = None, raw: bytes | None = None) -> Resp:
        all_headers = {"Content-Type": "application/json", **self.default_headers, **(headers or {})}
        data = raw if raw is not None else (json.dumps(body, default=str).encode() if body is not None else b"")
        r = self.client.http.request(method, path, headers=all_headers, body=data)
        text = r.body.decode() if r.body else ""
        parsed = json.loads(text, parse_float=Decimal) if text else None
        check_documented_response(method, path, r.status_code, text)
        return Resp(r.status_code, parsed, {k.lower(): v for k, v in r.headers.items()})

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def login(self, username: str, password: str, consumer_key: str) -> "AuthedApi":
        r = self.post("/my/logins/direct", headers={
            "DirectLogin": f"username={username}, password={password}, consumer_key={consumer_key}"
        })
        assert r.status == 201, r.body
        return AuthedApi(self.client, r.body["token"], consumer_key=consumer_key)

    def as_token(self, token: str) -> "AuthedApi":
        return AuthedApi(self.client, token)


class AuthedApi(Api):
    def __init__(self, client, token: str, consumer_key: str = ""):
        super().__init__(client, {"DirectLogin": f"token={token}"})
        self.token = token
        self.consumer_key = consumer_key
        self._me = None

    @property
    def me(self) -> dict:
        if self._me is None:
            r = self.get("/obp/v5.1.0/users/current")
            assert r.status == 200, r.body
            self._me = r.body
        return self._me

    @property
    def user_id(self) -> str:
        return self.me["user_id"]

    # --- set-up shortcuts used across capabilities -------------------------------------------
    def create_user(self, username: str | None = None, password: str = STRONG_PASSWORD, email: str | None = None) -> dict:
        username = username or f"user-{uuid.uuid4().hex[:10]}"
        r = self.post("/obp/v5.1.0/users", {
            "email": email or f"{username}@example.com", "username": username, "password": password,
            "first_name": "Test", "last_name": "User",
        })
        assert r.status == 201, r.body
        return {**r.body, "password": password}

    def create_bank(self, bank_id: str | None = None) -> str:
        bank_id = bank_id or f"bank-{uuid.uuid4().hex[:8]}"
        r = self.post("/obp/v5.1.0/banks", {"id": bank_id, "bank_code": bank_id.upper()[:8], "full_name": f"Bank {bank_id}"})
        assert r.status == 201, r.body
        return bank_id

    def grant(self, user_id: str, role: str, bank_id: str = "") -> dict:
        r = self.post(f"/obp/v5.1.0/users/{user_id}/entitlements", {"bank_id": bank_id, "role_name": role})
        assert r.status == 201, r.body
        return r.body

    def new_user_session(self, *roles: tuple[str, str] | str, consumer_key: str | None = None) -> "AuthedApi":
        """Create a user, grant it roles (name, or (name, bank_id)), and log it in."""
        user = self.create_user()
        for role in roles:
            name, bank = (role, "") if isinstance(role, str) else role
            self.grant(user["user_id"], name, bank)
        return Api(self.client).login(user["username"], user["password"], consumer_key or self.consumer_key)



# --- module-scoped worlds (many tests on one moto backend set up once) and concurrency -------------
from contextlib import contextmanager  # noqa: E402


@contextmanager
def fresh_aws():
    """An in-process AWS with every table and queue of infra/resources.yaml (the `aws` fixture,
    and fixtures with a wider scope than one test). moto tuned as the local stack runs it
    (scripts/local_aws.py): transactions roll back item by item and a Query reads its partition
    only; same outcomes as moto's own, at costs independent of the table's size."""
    from moto import mock_aws

    from chalicelib import aws as aws_clients
    from chalicelib.settings import get_settings
    from scripts.aws_resources import create_all
    from scripts.local_aws import tuned_moto

    with mock_aws(), tuned_moto():
        aws_clients.reset()
        create_all(aws_clients.client("dynamodb"), aws_clients.client("sqs"))
        aws_clients.client("ses").verify_email_identity(EmailAddress=get_settings().email_sender)
        yield
        aws_clients.reset()



# --- accounts, products and payments (issue 4) ------------------------------------------------

def put_product(session: "AuthedApi", bank_id: str, code: str | None = None, attributes: dict | None = None,
                parent: str = "") -> str:
    """A product (the session needs CanCreateProduct and CanCreateProductAttribute at the bank);
    `attributes` maps name -> (type, value)."""
    code = code or f"P-{uuid.uuid4().hex[:6]}"
    r = session.put(f"/obp/v5.1.0/banks/{bank_id}/products/{code}", {"parent_product_code": parent, "name": f"Product {code}"})
    assert r.status == 201, r.body
    for name, (kind, value) in (attributes or {}).items():
        r = session.post(f"/obp/v5.1.0/banks/{bank_id}/products/{code}/attribute", {"name": name, "type": kind, "value": value})
        assert r.status == 201, r.body
    return code


def open_account(session: "AuthedApi", bank_id: str, product_code: str = "", currency: str = "EUR",
                 account_id: str | None = None) -> str:
    """An account owned by the session's user (needs CanCreateAccount at the bank, v5.1.0 rule)."""
    account_id = account_id or f"acc-{uuid.uuid4().hex[:10]}"
    r = session.put(f"/obp/v5.1.0/banks/{bank_id}/accounts/{account_id}", {
        "label": f"Account {account_id}", "product_code": product_code, "balance": {"currency": currency, "amount": "0"},
    })
    assert r.status == 201, r.body
    return account_id


def transfer(session: "AuthedApi", bank_id: str, from_account: str, to_account: str, amount: str,
             currency: str = "EUR", view_id: str = "owner", headers: dict | None = None, to_bank: str | None = None) -> Resp:
    return session.post(
        f"/obp/v4.0.0/banks/{bank_id}/accounts/{from_account}/{view_id}/transaction-request-types/ACCOUNT/transaction-requests",
        {"to": {"bank_id": to_bank or bank_id, "account_id": to_account}, "value": {"currency": currency, "amount": amount},
         "description": "test transfer"},
        headers=headers,
    )


@dataclass
class BankingWorld:
    """A bank, a product, and two users (alice, bob) with one EUR account each, as the API made them."""

    admin: "AuthedApi"
    bank_id: str
    product: str
    alice: "AuthedApi"
    bob: "AuthedApi"
    alice_account: str
    bob_account: str

    def account_path(self, account_id: str, view_id: str = "owner", version: str = "5.1.0") -> str:
        return f"/obp/v{version}/banks/{self.bank_id}/accounts/{account_id}/{view_id}"


def banking_world(admin: "AuthedApi", attributes: dict | None = None) -> BankingWorld:
    """Accounts get an OVERDRAFT_LIMIT of 10000 from their product unless `attributes` say otherwise."""
    bank_id = admin.create_bank()
    admin.grant(admin.user_id, "CanCreateProduct", bank_id)
    admin.grant(admin.user_id, "CanCreateProductAttribute", bank_id)
    product = put_product(admin, bank_id, attributes={"OVERDRAFT_LIMIT": ("DOUBLE", "10000")} if attributes is None else attributes)
    alice = admin.new_user_session(("CanCreateAccount", bank_id))
    bob = admin.new_user_session(("CanCreateAccount", bank_id))
    return BankingWorld(admin, bank_id, product, alice, bob, open_account(alice, bank_id, product),
                        open_account(bob, bank_id, product))


class serialized_aws_calls:
    """Context manager for thread tests: one AWS call at a time. Real DynamoDB executes each
    request atomically; moto in-process does not (its TransactWriteItems checks, writes, and on
    failure restores a copy of the whole table, so concurrent requests can overwrite each other).
    Serialising whole requests restores DynamoDB's guarantee while the code under test still
    interleaves freely between its requests (read, compute, conditional write)."""

    def __enter__(self):
        import threading

        import botocore.client

        self._client = botocore.client.BaseClient
        self._original = self._client._make_api_call
        lock = threading.RLock()
        original = self._original

        def serialized(client, operation_name, api_params):
            with lock:
                return original(client, operation_name, api_params)

        self._client._make_api_call = serialized
        return self

    def __exit__(self, *exc):
        self._client._make_api_call = self._original
        return False


# --- SQS and webhook receivers (webhook delivery tests) ---------------------------------------

def sqs_event(*bodies: str) -> dict:
    """A Lambda SQS event with one record per body, each with its own messageId (chalice's
    generate_sqs_event gives every record the same id, which hides partial-batch bugs)."""
    return {"Records": [{
        "messageId": str(uuid.uuid4()), "receiptHandle": f"handle-{i}", "body": body, "attributes": {},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:test", "awsRegion": "us-east-1",
    } for i, body in enumerate(bodies)]}


def drain_queue(queue_name: str, handler, until, timeout: float = 20.0, name: str = "worker") -> None:
    """Feed `queue_name` to the SQS `handler` the way the local stack's poller does (batches of 10,
    only unreported messages deleted, SQS delays honoured) until `until()` is true."""
    import time

    import boto3

    from scripts.local_stack import Poller

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    poller = Poller()
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"{queue_name} did not reach the expected state in {timeout} s"
        if not poller._poll_once(sqs, name, handler, url, arn, 10):
            time.sleep(0.05)


@dataclass
class ReceivedCall:
    method: str
    path: str
    headers: dict
    body: bytes
    at: float  # time.time() when the request arrived
    status: int = 0  # what the receiver answered


class Receiver:
    """A webhook receiver on 127.0.0.1 (a threaded http.server). `answer(call_number, call)` returns
    the status (or (status, headers, body)) to answer; call numbers start at 1."""

    def __init__(self, answer=None):
        import threading
        import time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.calls: list[ReceivedCall] = []
        self._lock = threading.Lock()
        self.answer = answer or (lambda n, call: 200)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                call = ReceivedCall(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                    self.rfile.read(length) if length else b"", time.time())
                with receiver._lock:
                    receiver.calls.append(call)
                    number = len(receiver.calls)
                reply = receiver.answer(number, call)
                status, headers, body = reply if isinstance(reply, tuple) else (reply, {}, b"ok")
                call.status = status
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_PUT = do_GET = do_DELETE = _serve

            def log_message(self, *args):
                pass

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that gave up (a timeout test) is expected

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def calls_for(self, webhook_id: str) -> list[ReceivedCall]:
        with self._lock:
            return [c for c in self.calls if c.headers.get("webhook-id") == webhook_id]

    def wait_for(self, predicate, timeout: float = 20.0) -> None:
        import time

        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "the receiver did not get the expected calls"
            time.sleep(0.02)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def outside_the_local_stage(monkeypatch):
    """For a fixture: the production rules (https only, no loopback webhook receivers) with the
    local data key, so records sealed before stay readable. Restores the test stage afterwards."""
    from chalicelib.settings import _DEV_DATA_KEY, reload_settings

    monkeypatch.setenv("OBP_STAGE", "dev")
    monkeypatch.setenv("OBP_DATA_KEY", _DEV_DATA_KEY)
    assert not reload_settings().is_local
    yield
    monkeypatch.undo()
    reload_settings()


def fake_dns(monkeypatch) -> dict:
    """Host names to resolve where the test says (name -> IPv4); other names resolve as usual."""
    import socket

    names: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


class items_read:
    """Context manager counting the DynamoDB items requests read (a Query's or Scan's
    ScannedCount, a BatchGetItem's items, a GetItem's item): `with items_read() as reads: ...`,
    then `reads.items`, `reads.by_operation`."""

    def __enter__(self):
        import botocore.client

        self.items, self.by_operation = 0, {}
        self._client = botocore.client.BaseClient
        self._original = original = self._client._make_api_call
        counter = self

        def counting(client, operation_name, api_params):
            answer = original(client, operation_name, api_params)
            if client.meta.service_model.service_name == "dynamodb":
                if operation_name in ("Query", "Scan"):
                    read = answer.get("ScannedCount", answer.get("Count", 0))
                elif operation_name == "BatchGetItem":
                    read = sum(len(items) for items in answer.get("Responses", {}).values())
                elif operation_name == "GetItem":
                    read = 1 if "Item" in answer else 0
                else:
                    read = 0
                counter.items += read
                counter.by_operation[operation_name] = counter.by_operation.get(operation_name, 0) + read
            return answer

        self._client._make_api_call = counting
        return self

    def __exit__(self, *exc):
        self._client._make_api_call = self._original
        return False
