"""Payment mandates: a recurring payment method's authority to charge the payer IS an OBP Variable
Recurring Payments consent of the payer, made and used through OBP's own VRP machinery.

Authorising (the hosted page, services/enterprise/checkout.py): the profile's OBP application (a
consumer of its own, created on first use) files a VRP consent request whose beneficiary is the
provider's clearing account and whose limits are the schedule's (recurring.limits); the signed-in
payer makes the consent from it (services/vrp.py: the counterparty with its limits, the custom
view `_VRP-…` on the payer's account, the payer's access to it, the consent) and answers its
challenge, sent by SMS to a mobile number of a customer linked to the payer at the bank, or by
e-mail. The payer sees and revokes it like any consent (GET /my/consents, DELETE
/my/consents/CONSENT_ID ...); its time_to_live runs to the schedule's end (or mandate_max_days).

Charging (`pay`): the application acts under the consent (services/consent_use.caller_of: ACCEPTED,
within nbf/exp, its consumer enabled, the payer still there) and pays a COUNTERPARTY transaction
request through the view, within the counterparty's limits, checked in the ledger's own
transaction (services/transaction_requests.pay_counterparty).
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from chalicelib import crypto
from chalicelib.errors import ApiError
from chalicelib.services import consent_use, consents, customer_links, transaction_requests, transfers, vrp
from chalicelib.services.access import Caller
from chalicelib.services.accounts import OBP_ROUTING_SCHEME
from chalicelib.services.enterprise import recurring
from chalicelib.services.money import from_minor_units
from chalicelib.settings import get_settings
from chalicelib.store import consents as consent_store
from chalicelib.store import consumers as consumer_store
from chalicelib.store import counterparties as counterparty_store
from chalicelib.store.base import put_unique, resolve_unique

MANDATE_CONSENT = "MANDATE_CONSENT"  # UNIQUE#MANDATE_CONSENT#<consent_id> -> the payment method's id
_CONSUMER_NAMESPACE = uuid.UUID("0f6f3bb4-3c1f-4b5e-9f57-6a1e0d8a5c11")


class Refused(Exception):
    """The mandate did not pay: `reason` for the payment's failure_reason; `ends` when the mandate
    can never pay again (the payment method expires with that reason)."""

    def __init__(self, reason: str, ends: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.ends = ends


def recurring_of(method) -> recurring.Recurring:
    return recurring.Recurring(
        amount=int(method.amount), currency=method.currency, frequency=method.frequency,
        start_date=date.fromisoformat(method.start_date),
        end_date=date.fromisoformat(method.end_date) if method.end_date else None,
        day_of_execution=int(method.day_of_execution) if method.day_of_execution is not None else None,
        month_of_execution=int(method.month_of_execution) if method.month_of_execution is not None else None,
    )


# --- the profile's OBP application ---------------------------------------------------------------

def consumer_of(profile_id: str, merchant_name: str):
    """The profile's own OBP consumer, the application its mandates' consents are for: what the
    payer sees in their list of consents. Its id derives from the profile; its key is random and
    never used (the API acts under the consents in process)."""
    consumer_id = str(uuid.uuid5(_CONSUMER_NAMESPACE, profile_id))
    found = consumer_store.get_consumer(consumer_id)
    if found is not None:
        return found
    record = consumer_store.new_consumer_record(
        consumer_id=consumer_id, key=crypto.new_token(), secret_hash=crypto.hash_token(crypto.new_token()),
        app_name=merchant_name[:100], app_type="Confidential",
        description=f"{merchant_name[:100]} (recurring payments through OBP Serverless)",
        created_by_user_id="payments-provider",
    )
    try:
        consumer_store.create_consumer(record)
    except ApiError:
        return consumer_store.get_consumer(consumer_id)  # created meanwhile by another request
    return record


# --- authorising ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Asked:
    consent_id: str
    sent_to: str  # where the challenge went, masked for the page


def _life(r: recurring.Recurring, now: datetime) -> tuple[datetime, int, int]:
    """(valid_from, time_to_live, the longest allowed): from the start date until the end of the
    end date, or mandate_max_days."""
    longest = get_settings().mandate_max_days * 86400
    starts = max(now, datetime.combine(r.start_date, time(), timezone.utc)).replace(microsecond=0)
    if r.end_date is None:
        return starts, longest, longest
    ends = datetime.combine(r.end_date + timedelta(days=1), time(), timezone.utc)
    return starts, min(longest, int((ends - starts).total_seconds())), longest


def ask(method, payer, bank_id: str, account_id: str, also: Callable) -> Asked:
    """The payer's VRP consent for the method, INITIATED, its challenge sent; `also(tx, consent_id,
    sent_to)` commits with it (the page session's change; `sent_to` says where the code went,
    masked). Raises ApiError (OBP's) when OBP refuses it, store.consents.WritesRejected when a
    condition of `also` failed."""
    r = recurring_of(method)
    now = datetime.now(timezone.utc)
    valid_from, ttl, longest = _life(r, now)
    numbers = customer_links.mobile_phone_numbers(bank_id, payer.user_id)
    contact = {"phone_number": numbers[0]} if numbers else {"email": payer.email}
    routing = {"scheme": OBP_ROUTING_SCHEME, "address": bank_id}
    payload = {
        "consent_type": "VRP",
        "from_account": {"bank_routing": routing, "account_routing": {"scheme": OBP_ROUTING_SCHEME, "address": account_id}},
        "to_account": {
            "counterparty_name": method.merchant_name,
            "bank_routing": {"scheme": OBP_ROUTING_SCHEME, "address": method.clearing_bank_id},
            "account_routing": {"scheme": OBP_ROUTING_SCHEME, "address": method.clearing_account_id},
            "limit": recurring.limits(r),
        },
        "valid_from": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"), "time_to_live": ttl, **contact,
    }
    consumer = consumer_of(method.profile_id, method.merchant_name)
    request = consent_store.new_request(str(uuid.uuid4()), consumer_id=consumer.consumer_id, vrp=True, created_at=now,
                                        payload=json.dumps(payload, separators=(",", ":")))
    consent_store.create_request(request)

    sent_to = _masked(contact)

    def records(tx, consent_id: str):
        put_unique(tx, MANDATE_CONSENT, consent_id, method.payment_method_id)
        also(tx, consent_id, sent_to)

    sca = "SMS" if numbers else "EMAIL"
    consent = vrp.create_consent(Caller(user=payer), request, sca, also=records, max_time_to_live=longest)
    return Asked(consent.consent_id, sent_to)


def _masked(contact: dict) -> str:
    if "phone_number" in contact:
        return f"the phone number ending in {contact['phone_number'][-3:]}"
    name, _, domain = (contact.get("email") or "").partition("@")
    return f"{name[:1]}***@{domain}"


def answer(payer, consent_id: str, code: str, also: Callable) -> str:
    """The payer's answer to the consent's challenge, once (OBP's rule): the consent's new status,
    ACCEPTED or REJECTED, committed with `also(tx, status)`; OBP-20211 when the code had expired."""
    consent = consents.answer_challenge(Caller(user=payer), consent_id, code.strip(), also=also)
    return consent.status


def terminate(method, also: Callable) -> bool:
    """The merchant ends the mandate: the consent becomes TERMINATEDBYTPP (OBP's status for a
    consent its application ended) with `also(tx)`; False when it had already ended."""
    consent = consent_store.get_consent(method.consent_id) if method.consent_id else None
    if consent is None or consent.status != consents.ACCEPTED:
        return False
    return consent_store.set_status(consent, "TERMINATEDBYTPP", now=datetime.now(timezone.utc),
                                    from_statuses=(consents.ACCEPTED,), clear_otp=True, also=also)


def method_of_consent(consent_id: str) -> str | None:
    return resolve_unique(MANDATE_CONSENT, consent_id)


def ended(consent, now: datetime | None = None) -> str | None:
    """Why a mandate's consent can never pay again (None while it can, or may once started)."""
    if consent is None:
        return "consent_gone"
    if consent.status != consents.ACCEPTED:
        return "consent_revoked" if consent.status in ("REVOKED", "REVOKEDBYPSU") else f"consent_{consent.status.lower()}"
    if (now or datetime.now(timezone.utc)).timestamp() > consents.claims_of(consent)["exp"]:
        return "ended"
    return None


def consents_of(methods: list) -> dict[str, object]:
    """consent_id -> consent of the methods' mandates, in one BatchGetItem."""
    from chalicelib.store.base import get_many

    ids = [m.consent_id for m in methods if m.consent_id]
    found = get_many(consent_store.consent_key(c) for c in ids)
    return {c: found.get(consent_store.consent_key(c)) for c in ids}


# --- charging --------------------------------------------------------------------------------------

_CONSENT_REFUSALS = {
    "OBP-35005": ("mandate_revoked", "consent_revoked"),
    "OBP-35003": ("mandate_ended", "ended"),
    "OBP-35002": ("mandate_not_started", None),
    "OBP-35017": ("mandate_suspended", None),  # the bank disabled the profile's application
    "OBP-35018": ("mandate_unusable", "consent_gone"),
    "OBP-35023": ("mandate_unusable", "payer_gone"),
    # The payer's own checks (users.refuse_if_inactive), as on any Consent-JWT request: a deleted
    # payer ends the mandate; a locked one is refused by their bank until unlocked.
    "OBP-20064": ("mandate_unusable", "payer_gone"),
    "OBP-20013": ("refused_by_the_bank", None),
}


def pay(payment, method, extra_steps: transfers.ExtraSteps) -> transfers.Posted:
    """Pay the payment from the payer's account to the clearing account through the mandate, with
    `extra_steps` in the ledger's transaction, booked as every transfer is. Raises Refused (the
    payment fails: the ledger never refuses for being busy, only the accounts, the consent and its
    limits can) or ledger.CommitRejected (another request finished it)."""
    consent = consent_store.get_consent(method.consent_id) if method.consent_id else None
    if consent is None:
        raise Refused("mandate_unusable", "consent_gone")
    try:
        caller = consent_use.caller_of(consent)
    except ApiError as err:
        reason, ends = _CONSENT_REFUSALS.get(err.code, ("mandate_unusable", None))
        if err.code == "OBP-35005":
            ends = ended(consent)
        raise Refused(reason, ends) from None
    counterparty = counterparty_store.get_counterparty(method.counterparty_id or "")
    if counterparty is None:
        raise Refused("mandate_unusable", "consent_gone")
    amount = from_minor_units(int(payment.amount), payment.currency)
    description = f"Payment {payment.payment_id} to {payment.merchant_name}"
    if payment.description:
        description += f": {payment.description}"
    try:
        return transaction_requests.pay_counterparty(
            caller, counterparty, amount, description[:255], payment.transaction_request_id, extra_steps,
            start_date=payment.processing_at)
    except transaction_requests.LimitExceeded as err:
        raise Refused(f"over_mandate_{err.which}_limit") from None
    except transfers.InsufficientFunds:
        raise Refused("insufficient_funds") from None
    except ApiError as err:
        if err.code == "OBP-35005":  # the consent ended while the charge was being made
            raise Refused("mandate_revoked", ended(consent_store.get_consent(consent.consent_id))) from None
        if err.code == "OBP-40002":  # the payer no longer holds the mandate's view
            raise Refused("mandate_unusable", "payer_access_removed") from None
        raise Refused("account_unavailable" if err.code == "OBP-30018" else "refused_by_the_bank") from None
