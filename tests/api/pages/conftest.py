"""What the 10,000-record list tests share: a logged-in session made in one write, and the cost
of one request (its DynamoDB round trips and the items they read)."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from tests.support import STRONG_PASSWORD, Api, AuthedApi, DynamoCalls, Resp, fresh_aws

SIZE = 10_000
LIMIT = 50


@contextmanager
def service():
    """A module's own AWS and app: (api, the bootstrap admin logged in)."""
    from chalice.test import Client

    from app import app
    from scripts.bootstrap import bootstrap

    with fresh_aws(), Client(app) as client:
        api = Api(client)
        creds = bootstrap(username="admin", password="Admin-Passw0rd!", email="admin@example.com",
                          consumer_key="testconsumerkey")
        yield api, api.login(creds.username, creds.password, creds.consumer_key)


def session(api: Api, roles) -> AuthedApi:
    """A new user holding `roles` (name, or (name, bank_id)), created in one write, logged in."""
    from chalicelib.services import users

    username = f"user-{uuid.uuid4().hex[:10]}"
    grants = [(role, "") if isinstance(role, str) else role for role in roles]
    users.create_user(users.NewUser(username=username, password=STRONG_PASSWORD, email=f"{username}@example.com"),
                      initial_roles=grants)
    return api.login(username, STRONG_PASSWORD, "testconsumerkey")


@dataclass
class Cost:
    response: Resp
    operations: list[str]
    items: int  # items DynamoDB read for the request (tests.support.DynamoCalls.items_read)
    round_trips: int  # sequential: reads sent together count once (tests.support.DynamoCalls.round_trips)
    after: list[str]  # the request's own calls after the caller's (and the bank's) reads went out together


def cost(dynamo_calls: DynamoCalls, request) -> Cost:
    dynamo_calls.reset()
    response = request()
    return Cost(response, dynamo_calls.operations(), dynamo_calls.items_read(), dynamo_calls.round_trips(),
                dynamo_calls.after_together())


def caller_cost(dynamo_calls: DynamoCalls, session: AuthedApi) -> int:
    """Items read to know the caller (its token, its user and roles): the part of every request
    the list does not add."""
    found = cost(dynamo_calls, lambda: session.get("/obp/v2.0.0/users/current"))
    assert found.response.status == 200, found.response.body
    return found.items


def caller_round_trips(dynamo_calls: DynamoCalls, session: AuthedApi) -> int:
    """Round trips to know the caller (what every request pays before its own work)."""
    return cost(dynamo_calls, lambda: session.get("/obp/v2.0.0/users/current")).round_trips
