"""Consent requests (OBP v5.0.0 / v5.1.0): an application asks, a user makes the consent.

An application (a consumer, with or without a user) posts what it wants; the request keeps the
body as sent. A user then creates the consent from it by EMAIL, SMS or IMPLICIT: the payload
supplies everything, views come from its `account_access` routings at its bank, the consent is
for the requesting application, and the request is used up in the consent's own transaction
(OBP-35029 for a second try). VRP requests (`consent_type` VRP) are finalised by services/vrp.py.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from decimal import Decimal

from chalicelib.errors import ApiError
from chalicelib.dates import normalise_obp_date, parse_obp_date
from chalicelib.services import consents
from chalicelib.services.access import Caller, require_application
from chalicelib.services.accounts import account_by_routing
from chalicelib.store import consents as consent_store

VRP_MARK = '{"consent_type":"VRP",'


def create_request(caller: Caller | None, raw_body: bytes, time_to_live: int | None, *, vrp: bool):
    """createConsentRequest / createVRPConsentRequest: the body (already validated) kept as sent;
    a VRP request's payload starts with "consent_type":"VRP", as OBP stores it."""
    app = require_application(caller)
    consents.check_time_to_live(time_to_live)
    payload = raw_body.decode().strip()
    if vrp:
        rest = payload[1:].lstrip()
        payload = VRP_MARK + rest if rest != "}" else '{"consent_type":"VRP"}'
    record = consent_store.new_request(str(uuid.uuid4()), consumer_id=app.consumer_id, payload=payload, vrp=vrp,
                                       created_at=datetime.now(timezone.utc))
    consent_store.create_request(record)
    return record


def payload_of(record) -> dict:
    return json.loads(record.payload, parse_float=Decimal)


def get_request(caller: Caller | None, consent_request_id: str):
    """getConsentRequest: the calling application's own request (400 OBP-35028 otherwise)."""
    app = require_application(caller)
    record = consent_store.get_request(consent_request_id)
    if record is None or record.consumer_id != app.consumer_id:
        raise ApiError("OBP-35028", f"({consent_request_id})", status=400)
    return record


def _unused_request(consent_request_id: str):
    record = consent_store.get_request(consent_request_id)
    if record is None:
        raise ApiError("OBP-35028", f"({consent_request_id})", status=400)
    if record.consent_id:
        raise ApiError("OBP-35029", status=400)
    return record


def create_consent(caller: Caller, consent_request_id: str, sca_method: str):
    """createConsentByConsentRequestId{EMAIL,SMS,IMPLICIT}: the user's consent from the request."""
    consents.check_sca_method(sca_method)  # before the request is read, as OBP routes on it
    record = _unused_request(consent_request_id)
    if record.vrp:
        from chalicelib.services import vrp  # VRP brings counterparties and limits: loaded only for it

        return vrp.create_consent(caller, record, sca_method)
    payload = payload_of(record)
    bank_id = payload.get("bank_id")
    views = []
    for access in payload.get("account_access") or []:
        if not bank_id:
            raise ApiError("OBP-10001", "The consent request needs a bank_id to find its account_access accounts.",
                           status=400)
        routing = access["account_routing"]
        account = account_by_routing(bank_id, routing["scheme"], routing["address"])
        views.append((bank_id, account.account_id, access["view_id"]))
    entitlements = [(e["bank_id"], e["role_name"]) for e in payload.get("entitlements") or []]
    consents.check_roles_allowed(entitlements)
    ask = consents.ConsentAsk(
        everything=bool(payload.get("everything")), bank_id=bank_id, views=views, entitlements=entitlements,
        consumer_id=record.consumer_id,
        valid_from=valid_from(payload.get("valid_from")), time_to_live=payload.get("time_to_live"),
        email=payload.get("email"), phone_number=payload.get("phone_number"),
    )
    return consents.create_consent(caller, sca_method, ask, consents.Extra(request=record))


def valid_from(text: str | None) -> datetime | None:
    return parse_obp_date(normalise_obp_date(text)) if text else None


def get_consent(caller: Caller | None, consent_request_id: str):
    """getConsentByConsentRequestId: the consent made from the request, for its user, or for the
    application that made the request (400 OBP-35028 / OBP-35001 otherwise)."""
    app = require_application(caller)
    record = consent_store.get_request(consent_request_id)
    if record is None:
        raise ApiError("OBP-35028", f"({consent_request_id})", status=400)
    consent = consent_store.get_consent(record.consent_id) if record.consent_id else None
    allowed = consent is not None and (
        consent.user_id == app.user_id if app.user is not None else consent.consumer_id == app.consumer_id)
    if not allowed:
        raise ApiError("OBP-35001", f"({record.consent_id or consent_request_id})", status=400)
    return consent
