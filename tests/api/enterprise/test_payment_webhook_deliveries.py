"""Payment and refund events reach the profile's webhook signed (Standard Webhooks) and with the
resource id as the `id` query parameter, as the provider's thin notifications carry it."""
from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, urlsplit

import botocore.client
import pytest
from standardwebhooks import Webhook

from chalicelib.settings import get_settings
from tests.payments_support import new_payer, new_shop, pay_by_bank
from tests.support import Receiver, drain_queue


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _deliver(receiver, count: int, monkeypatch) -> None:
    """Run the webhook worker over the queue until `count` deliveries reached the receiver."""
    from app import deliver_webhooks

    lock = threading.Lock()
    original = botocore.client.BaseClient._make_api_call

    def locked(client, operation, params):  # the handler sends on threads; moto in-process is not thread-safe
        with lock:
            return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", locked)
    drain_queue(get_settings().webhook_queue, deliver_webhooks, until=lambda: len(receiver.calls) >= count)


def test_payment_and_refund_events_arrive_signed_with_the_id_query_parameter(ent, admin, api, receiver, monkeypatch):
    shop = new_shop(ent, admin)
    events = ["payment.created", "payment.processing", "payment.succeeded", "refund.pending", "refund.succeeded"]
    hook = shop.client.post(f"/v1/profiles/{shop.profile_id}/webhooks", {"url": receiver.url + "?shop=1", "events": events})
    assert hook.status == 201, hook.body
    assert shop.client.post(f"/v1/profiles/{shop.profile_id}/webhooks",
                            {"url": receiver.url, "events": ["payment.paid"]}).status == 400
    payer = new_payer(shop.world)
    payment = shop.create(1999).body
    pay_by_bank(api.client, payment, payer, shop.bank_id)
    refund = shop.client.post(shop.path(f"/{payment['id']}/refunds"), {"amount": 999}).body

    _deliver(receiver, len(events), monkeypatch)

    verifier = Webhook(hook.body["secret"])
    seen = []
    for call in receiver.calls:
        body = verifier.verify(call.body, call.headers)  # raises unless signed with the webhook's secret
        query = parse_qs(urlsplit(call.path).query)
        assert query == {"shop": ["1"], "id": [body["id"]]}
        assert json.loads(call.body) == body and body["profile_id"] == shop.profile_id
        seen.append((body["type"], body["id"]))
    assert sorted(seen) == sorted([("payment.created", payment["id"]), ("payment.processing", payment["id"]),
                                   ("payment.succeeded", payment["id"]), ("refund.pending", refund["id"]),
                                   ("refund.succeeded", refund["id"])])
    # A receiver written for the provider's thin notifications needs only the id to GET the payment.
    succeeded = next(c for c in receiver.calls if json.loads(c.body)["type"] == "payment.succeeded")
    payment_id = parse_qs(urlsplit(succeeded.path).query)["id"][0]
    assert shop.payment(payment_id)["state"] == "succeeded"


def test_payment_method_and_settlement_events_arrive_signed_with_the_id_query_parameter(ent, admin, api, receiver,
                                                                                        monkeypatch):
    from chalicelib.services.enterprise import settlements
    from tests.payments_support import authorised_method, charge

    shop = new_shop(ent, admin)
    events = ["payment_method.created", "payment_method.succeeded", "payment_method.expired", "settlement.created"]
    hook = shop.client.post(f"/v1/profiles/{shop.profile_id}/webhooks", {"url": receiver.url, "events": events})
    assert hook.status == 201, hook.body
    payer = new_payer(shop.world)
    method = authorised_method(shop, api.client, payer)
    assert charge(shop, method, 500).body["state"] == "succeeded"
    assert settlements.run()["settlements"] == 1
    assert shop.client.delete(f"/v1/profiles/{shop.profile_id}/customers/{method['customer_id']}/payment-methods/"
                              f"{method['id']}").body["state"] == "expired"
    [settlement] = shop.client.get(f"/v1/profiles/{shop.profile_id}/settlements").body

    _deliver(receiver, len(events), monkeypatch)

    verifier = Webhook(hook.body["secret"])
    seen = []
    for call in receiver.calls:
        body = verifier.verify(call.body, call.headers)
        assert parse_qs(urlsplit(call.path).query) == {"id": [body["id"]]}
        seen.append((body["type"], body["id"]))
    assert sorted(seen) == sorted([("payment_method.created", method["id"]), ("payment_method.succeeded", method["id"]),
                                   ("payment_method.expired", method["id"]), ("settlement.created", settlement["id"])])
