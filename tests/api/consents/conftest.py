"""A consent world: a bank, alice and bob with an account each, and a third-party application
(the TPP) that alice's consents are for."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import pytest

from chalicelib import aws, outbox
from chalicelib.settings import get_settings
from tests.support import Api, AuthedApi, BankingWorld, banking_world, open_account

CONSUMER = {"app_name": "Budget App", "app_type": "Confidential", "description": "Budget App by TPP Ltd",
            "developer_email": "dev@tpp.example", "redirect_url": "https://tpp.example/cb", "enabled": True}


@dataclass
class ConsentWorld:
    w: BankingWorld
    tpp: dict  # consumer_id, key, secret of the application the consents are for
    anonymous: Api

    @property
    def bank_id(self) -> str:
        return self.w.bank_id

    def alice_view_elsewhere(self, admin) -> dict:
        """An owner view of an account alice opens at a second bank."""
        bank = admin.create_bank()
        admin.grant(self.w.alice.user_id, "CanCreateAccount", bank)
        return {"bank_id": bank, "account_id": open_account(self.w.alice, bank), "view_id": "owner"}

    def owner_view(self, account_id: str | None = None, view_id: str = "owner") -> dict:
        return {"bank_id": self.bank_id, "account_id": account_id or self.w.alice_account, "view_id": view_id}

    def create(self, session: AuthedApi, method: str = "EMAIL", *, views=None, entitlements=(), version="3.1.0",
               bank: bool = True, **fields) -> "Resp":  # noqa: F821
        body = {"everything": False, "views": [self.owner_view()] if views is None else list(views),
                "entitlements": list(entitlements), "consumer_id": self.tpp["consumer_id"]}
        if method == "EMAIL":
            body["email"] = "alice@example.com"
        if method == "SMS":
            body["phone_number"] = "+44 07972 444 876"
        body.update(fields)
        path = f"/obp/v{version}/banks/{self.bank_id}/my/consents/{method}" if bank else f"/obp/v{version}/my/consents/{method}"
        return session.post(path, {k: v for k, v in body.items() if v is not None})

    def answer(self, session: AuthedApi, consent_id: str, answer: str) -> "Resp":  # noqa: F821
        return session.post(f"/obp/v3.1.0/banks/{self.bank_id}/consents/{consent_id}/challenge", {"answer": answer})

    def accepted(self, session: AuthedApi | None = None, **create_fields) -> dict:
        """A consent of alice's (or `session`'s), its challenge answered: {consent_id, jwt, status}."""
        session = session or self.w.alice
        made = self.create(session, **create_fields)
        assert made.status == 201, made.body
        done = self.answer(session, made.body["consent_id"], otp_from_outbox())
        assert done.body["status"] == "ACCEPTED", done.body
        return done.body

    def as_tpp(self, consent: str, consumer_key: str | None = None, header: str = "Consent-JWT") -> Api:
        """The TPP calling under a consent (the JWT or the consent id), with its Consumer-Key."""
        headers = {header: consent}
        if consumer_key is not False:
            headers["Consumer-Key"] = consumer_key or self.tpp["key"]
        return Api(self.anonymous.client, headers)

    def as_application(self, key: str | None = None, secret: str | None = None) -> Api:
        credentials = f"{key or self.tpp['key']}:{secret or self.tpp['secret']}".encode()
        return Api(self.anonymous.client, {"Authorization": "Basic " + base64.b64encode(credentials).decode()})


def outbox_messages(channel: str = "email") -> list[dict]:
    """Every message waiting on the email (or sms) queue, opened."""
    s = get_settings()
    sqs, url = aws.client("sqs"), aws.queue_url(s.email_queue if channel == "email" else s.sms_queue)
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        out += [outbox.open_envelope(m["Body"])[2] for m in got]


def otp_from_outbox(channel: str = "email") -> str:
    [message] = outbox_messages(channel)
    return message["body"].split(" : ", 1)[1].split(",", 1)[0]


def claims_of(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.fixture
def cw(admin, api) -> ConsentWorld:
    w = banking_world(admin)
    r = admin.post("/obp/v5.1.0/management/consumers", CONSUMER)
    assert r.status == 201, r.body
    outbox_messages()  # nothing of the set-up stays on the queue
    return ConsentWorld(w, {k: r.body[k] for k in ("consumer_id", "key", "secret")}, Api(api.client))
