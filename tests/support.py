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


class DynamoCalls:
    def __init__(self):
        self.calls: list[tuple[str, dict]] = []

    def record(self, operation: str, params: dict) -> None:
        self.calls.append((operation, params))

    def reset(self) -> None:
        self.calls.clear()

    def count(self) -> int:
        return len(self.calls)

    def operations(self) -> list[str]:
        return [op for op, _ in self.calls]


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
    and fixtures with a wider scope than one test)."""
    from moto import mock_aws

    from chalicelib import aws as aws_clients
    from chalicelib.settings import get_settings
    from scripts.aws_resources import create_all

    with mock_aws():
        aws_clients.reset()
        create_all(aws_clients.client("dynamodb"), aws_clients.client("sqs"))
        aws_clients.client("ses").verify_email_identity(EmailAddress=get_settings().email_sender)
        yield
        aws_clients.reset()


@contextmanager
def serialized_dynamodb():
    """Make each DynamoDB call atomic under threads, as DynamoDB is: moto's in-process backend is
    not thread-safe (a cancelled transaction restores a copy of the whole table). Threads still
    interleave between calls, which is where a check-then-write bug would race."""
    import threading

    import botocore.client

    lock = threading.Lock()
    original = botocore.client.BaseClient._make_api_call

    def call(self, operation_name, api_params):
        if self.meta.service_model.service_name != "dynamodb":
            return original(self, operation_name, api_params)
        with lock:
            return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = call
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original
