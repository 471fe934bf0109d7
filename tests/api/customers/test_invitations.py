"""User invitations: the email with its secret link, the anonymous lookup, and signing up with it."""
from __future__ import annotations

import re
import threading
import uuid
from datetime import datetime, timedelta, timezone

from chalicelib import aws, outbox
from chalicelib.errors import ApiError
from chalicelib.services import invitations
from chalicelib.settings import get_settings
from chalicelib.store import invitations as store
from chalicelib.store import users as user_store
from tests.support import STRONG_PASSWORD, serialized_aws_calls

INVITATION = {"first_name": "Tom", "last_name": "Smith", "company": "Tesobe GmbH", "country": "Germany", "purpose": "DEVELOPER"}
CANNOT_GET = "OBP-37882: Cannot get user invitation."
CANNOT_FIND = "OBP-37883: Cannot find user invitation."


_DELIVERED: list[dict] = []  # emails taken off this module's queue so far, payloads opened


def _emails() -> list[dict]:
    """Every email enqueued so far (the queue is drained into _DELIVERED)."""
    sqs = aws.client("sqs")
    url = aws.queue_url(get_settings().email_queue)
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return list(_DELIVERED)
        for message in messages:
            _DELIVERED.append(outbox.open_envelope(message["Body"])[2])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def invite(world, bank=None, **overrides) -> tuple[dict, int]:
    """Create an invitation; returns its JSON and the secret read from the email."""
    bank = bank or world.bank_a
    email = f"tom-{uuid.uuid4().hex[:8]}@example.com"
    r = world.desk(bank, "invitations").post(f"/obp/v4.0.0/banks/{bank}/user-invitation", {**INVITATION, "email": email, **overrides})
    assert r.status == 201, r.body
    [mail] = [m for m in _emails() if m["to"] == email]
    secret = int(re.search(r"/user-invitation\?id=(\d+)", mail["body"]).group(1))
    assert str(secret) not in repr(r.body)
    return r.body, secret


def test_create_invitation_emails_a_secret_link_and_never_returns_it(world):
    bank = world.bank_a
    body, secret = invite(world)
    assert body == {**INVITATION, "email": body["email"], "status": "CREATED"}
    record = store.get_invitation(invitations._secret_hash(bank, secret))
    assert (record.email, record.status, record.bank_id) == (body["email"], "CREATED", bank)
    assert str(secret) not in repr(record.attribute_values)  # only a keyed hash of it is kept
    [mail] = [m for m in _emails() if m["to"] == body["email"]]
    assert mail["body"].count(f"{get_settings().portal_url}/user-invitation?id={secret}") == 1
    assert invite(world, world.bank_a, purpose="CUSTOMER")[0]["purpose"] == "CUSTOMER"


def test_create_invitation_errors_change_nothing(world):
    a = world.bank_a
    path = f"/obp/v4.0.0/banks/{a}/user-invitation"
    before = len(_emails())
    body = {**INVITATION, "email": "x@example.com"}
    assert world.api.post(path, body).status == 401
    r = world.nobody.post(path, body)
    assert (r.status, r.message) == (403, f"OBP-20006: User is missing one or more roles: CanCreateUserInvitation for BankId({a}).")
    assert world.desk(a, "invitations").post("/obp/v4.0.0/banks/nowhere/user-invitation", body).code == "OBP-30001"
    r = world.desk(a, "invitations").post(f"/obp/v4.0.0/banks/{world.bank_b}/user-invitation", body)  # role at A only
    assert (r.status, r.code) == (403, "OBP-20006")
    r = world.desk(a, "invitations").post(path, {**body, "purpose": "ADMIN"})
    assert (r.status, r.message) == (400, "OBP-10035: Incorrect json value. postedData.purpose only support List(DEVELOPER, CUSTOMER)")
    r = world.desk(a, "invitations").post(path, {k: v for k, v in body.items() if k != "company"})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostUserInvitationJsonV400")
    r = world.desk(a, "invitations").post(path, {**body, "email": "not-an-address"})
    assert (r.status, r.code) == (400, "OBP-10001")
    assert len(_emails()) == before


def test_anonymous_lookup_answers_while_unused_and_younger_than_a_day(world):
    a, b = world.bank_a, world.bank_b
    body, secret = invite(world)
    for version in ("4.0.0", "5.1.0"):
        r = world.api.post(f"/obp/v{version}/banks/{a}/user-invitations", {"secret_key": secret})
        assert (r.status, r.body) == (201, body)
    r = world.api.post(f"/obp/v4.0.0/banks/{a}/user-invitations", {"secret_key": secret + 1})
    assert (r.status, r.message) == (404, CANNOT_GET)
    r = world.api.post(f"/obp/v4.0.0/banks/{b}/user-invitations", {"secret_key": secret})  # another bank's
    assert (r.status, r.message) == (404, CANNOT_GET)
    r = world.api.post("/obp/v4.0.0/banks/nowhere/user-invitations", {"secret_key": secret})
    assert (r.status, r.code) == (404, "OBP-30001")
    r = world.api.post(f"/obp/v4.0.0/banks/{a}/user-invitations", {"secret_key": str(secret)})
    assert r.status == 400 and r.message.startswith("OBP-10001: Incorrect json format. The Json body should be the PostUserInvitationAnonymousJsonV400")

    record = store.get_invitation(invitations._secret_hash(a, secret))
    almost_a_day = (datetime.now(timezone.utc) - timedelta(hours=23, minutes=59)).isoformat(timespec="microseconds")
    record.update(actions=[store.UserInvitationRecord.created_at.set(almost_a_day)])
    assert world.api.post(f"/obp/v4.0.0/banks/{a}/user-invitations", {"secret_key": secret}).status == 201
    over_a_day = (datetime.now(timezone.utc) - timedelta(hours=24, seconds=1)).isoformat(timespec="microseconds")
    record.update(actions=[store.UserInvitationRecord.created_at.set(over_a_day)])
    r = world.api.post(f"/obp/v4.0.0/banks/{a}/user-invitations", {"secret_key": secret})
    assert (r.status, r.message) == (404, CANNOT_FIND)
    r = world.api.post(f"/obp/v4.0.0/banks/{a}/user-invitations/users",
                       {"secret_key": secret, "username": f"late-{uuid.uuid4().hex[:6]}", "password": STRONG_PASSWORD})
    assert (r.status, r.message) == (404, CANNOT_FIND)


def test_signing_up_with_an_invitation_creates_the_user_and_uses_it_up(world):
    a = world.bank_a
    body, secret = invite(world)
    path = f"/obp/v4.0.0/banks/{a}/user-invitations/users"
    username = f"tom-{uuid.uuid4().hex[:8]}"

    r = world.api.post(f"/obp/v4.0.0/banks/{world.bank_b}/user-invitations/users",  # another bank's secret
                       {"secret_key": secret, "username": username, "password": STRONG_PASSWORD})
    assert (r.status, r.message) == (404, CANNOT_GET)
    r = world.api.post(path, {"secret_key": secret, "username": username, "password": "weak"})
    assert (r.status, r.code) == (400, "OBP-30207")
    taken = world.new_user()
    r = world.api.post(path, {"secret_key": secret, "username": taken.me["username"], "password": STRONG_PASSWORD})
    assert r.status == 409
    assert world.api.post(f"/obp/v4.0.0/banks/{a}/user-invitations", {"secret_key": secret}).status == 201  # still valid

    r = world.api.post(path, {"secret_key": secret, "username": username, "password": STRONG_PASSWORD})
    assert r.status == 201, r.body
    assert (r.body["username"], r.body["email"], r.body["entitlements"]) == (username, body["email"], {"list": []})
    me = world.api.login(username, STRONG_PASSWORD, "testconsumerkey").me
    assert me["user_id"] == r.body["user_id"]
    record = store.get_invitation(invitations._secret_hash(a, secret))
    assert (record.status, record.user_id) == ("FINISHED", r.body["user_id"])
    r = world.api.post(f"/obp/v4.0.0/banks/{a}/user-invitations", {"secret_key": secret})
    assert (r.status, r.message) == (404, CANNOT_FIND)
    second = f"again-{uuid.uuid4().hex[:6]}"
    r = world.api.post(path, {"secret_key": secret, "username": second, "password": STRONG_PASSWORD})
    assert (r.status, r.message) == (404, CANNOT_FIND)
    assert user_store.find_user_id_by_username(second) is None


def test_concurrent_sign_ups_with_one_secret_create_one_user(world):
    a = world.bank_a
    _, secret = invite(world)
    names = [f"racer-{uuid.uuid4().hex[:6]}" for _ in range(4)]
    barrier = threading.Barrier(len(names))
    outcomes: dict = {}

    def sign_up(name):
        barrier.wait()
        try:
            outcomes[name] = invitations.create_user(a, secret, name, STRONG_PASSWORD).user_id
        except ApiError as err:
            outcomes[name] = err.code

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in names]
    with serialized_aws_calls():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    created = [n for n in names if not outcomes[n].startswith("OBP-")]
    assert len(created) == 1 and sorted(outcomes[n] for n in names if n not in created) == ["OBP-37883"] * 3
    assert [user_store.find_user_id_by_username(n) is not None for n in names].count(True) == 1
