"""Consents (reference §5): creation with an OTP challenge, the answer, the consent JWT, reads,
revocation and the management operations.

A consent is born INITIATED with a one-time password (8 digits, CSPRNG) sent through the outbox by
e-mail or SMS (IMPLICIT: to the user's own e-mail) and stored only as a keyed hash, valid
`consent_otp_ttl_seconds`. The first answer decides: right -> ACCEPTED, wrong -> REJECTED, in one
conditional write, so parallel answers never evaluate more than one. A consent may hold only
views and roles its creator holds, never the entitlement-granting roles.

The JWT carries OBP's claims (createdByUserId, sub, iss, aud, jti, iat, nbf, exp, entitlements,
views), header {"alg":"HS256"}, signed with the consent's own random secret (sealed in the store).
The store keeps the claims, not the token: the token is re-signed from them when shown, so a
change of views or user (management) makes every earlier token of the consent stale.
"""
from __future__ import annotations

import base64
import logging
import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from chalicelib import crypto, outbox
from chalicelib.errors import ApiError, message_text
from chalicelib.services import paging
from chalicelib.services.access import Caller, Grant, require_any_role, require_application
from chalicelib.services.accounts import account_by_routing
from chalicelib.services.routings import canonical_iban
from chalicelib.settings import get_settings
from chalicelib.store import access as access_store
from chalicelib.store import consents as consent_store
from chalicelib.store import consumers as consumer_store
from chalicelib.store import positions
from chalicelib.store import users as user_store

INITIATED, ACCEPTED, REJECTED, REVOKED = "INITIATED", "ACCEPTED", "REJECTED", "REVOKED"
# OBP's ConsentStatus names (OBP, Berlin Group and UK Open Banking states).
STATUSES = ("INITIATED", "ACCEPTED", "REJECTED", "REVOKED", "RECEIVED", "VALID", "REVOKEDBYPSU", "EXPIRED",
            "TERMINATEDBYTPP", "AUTHORISED", "AWAITINGAUTHORISATION")
SCA_METHODS = ("EMAIL", "SMS", "IMPLICIT")
FORBIDDEN_ROLES = ("CanCreateEntitlementAtOneBank", "CanCreateEntitlementAtAnyBank")
_SECRET_PURPOSE = "consent-secret"
_OTP_PURPOSE = "consent-challenge"
_OTP_DIGITS = 8
_JWT_HEADER = b'{"alg":"HS256"}'
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsentAsk:
    """What a consent is asked to allow (PostConsentBodyCommonJson, or a consent request's payload)."""

    everything: bool
    views: list[tuple[str, str, str]] = field(default_factory=list)  # (bank_id, account_id, view_id)
    entitlements: list[tuple[str, str]] = field(default_factory=list)  # (bank_id, role_name)
    bank_id: str | None = None
    consumer_id: str | None = None
    valid_from: datetime | None = None
    time_to_live: int | None = None
    email: str | None = None
    phone_number: str | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _chained(outer: str, inner: str, context: str = "") -> ApiError:
    """OBP's failure chain, outer message first (reference §3)."""
    return ApiError(outer, text=f"{message_text(outer)} <- {message_text(inner)}{context}", status=400)


def not_found_chained(consent_id: str) -> ApiError:
    """OBP's 'connector empty' failure over a missing consent: 400 OBP-50200 <- OBP-35001."""
    return _chained("OBP-50200", "OBP-35001", f"({consent_id})")


def not_found(consent_id: str, status: int = 404) -> ApiError:
    return ApiError("OBP-35001", f"({consent_id})", status=status)


# --- the JWT ----------------------------------------------------------------------------------

def claims_of(consent) -> dict:
    return json.loads(consent.claims)


def jwt_of(consent) -> str:
    """The consent's JWT, signed HS256 with its own secret."""
    secret = crypto.unseal(consent.secret_sealed, _SECRET_PURPOSE)
    signing_input = f"{_b64(_JWT_HEADER)}.{_b64(consent.claims.encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _claims_text(*, created_by: str, sub: str, consumer_id: str, consent_id: str, iat: int, nbf: int, exp: int,
                 entitlements: list[tuple[str, str]], views: list[tuple[str, str, str]]) -> str:
    claims = {
        "createdByUserId": created_by, "sub": sub, "iss": get_settings().hostname, "aud": consumer_id,
        "jti": consent_id, "iat": iat, "nbf": nbf, "exp": exp,
        "entitlements": [{"role_name": r, "bank_id": b} for b, r in entitlements],
        "views": [{"bank_id": b, "account_id": a, "view_id": v} for b, a, v in views],
    }
    return json.dumps(claims, separators=(",", ":"))


def with_claims(claims: dict, **changes) -> str:
    return json.dumps({**claims, **changes}, separators=(",", ":"))


def consent_views(claims: dict) -> list[tuple[str, str, str]]:
    return [(v["bank_id"], v["account_id"], v["view_id"]) for v in claims.get("views", [])]


def consent_entitlements(claims: dict) -> list[tuple[str, str]]:
    return [(e["bank_id"], e["role_name"]) for e in claims.get("entitlements", [])]


def banks_of(views: list[tuple[str, str, str]], entitlements: list[tuple[str, str]]) -> list[str]:
    """The banks a consent concerns: those of its views and of its bank-level roles."""
    return sorted({b for b, _, _ in views} | {b for b, _ in entitlements if b})


# --- creation ---------------------------------------------------------------------------------

def check_time_to_live(time_to_live: int | None, limit: int | None = None) -> None:
    """At most `limit` seconds (consent_max_ttl_seconds unless the caller allows longer)."""
    limit = limit or get_settings().consent_max_ttl_seconds
    if time_to_live is not None and time_to_live > limit:
        raise ApiError("OBP-35020", f"({limit})", status=400)
    if time_to_live is not None and time_to_live <= 0:
        raise ApiError("OBP-10001", "time_to_live must be a positive number of seconds.", status=400)


def check_roles_allowed(entitlements: list[tuple[str, str]]) -> None:
    if any(role in FORBIDDEN_ROLES for _, role in entitlements):
        raise ApiError("OBP-35033", status=400)


def _audience(caller: Caller, consumer_id: str | None):
    """The consumer the consent is for: the body's consumer_id, else the caller's application."""
    wanted = consumer_id or caller.consumer_id
    consumer = consumer_store.get_consumer(wanted) if wanted else None
    if consumer_id and consumer is None:
        raise ApiError("OBP-30019", f"Current ConsumerId({consumer_id})")
    if consumer is not None and not consumer.enabled:
        raise ApiError("OBP-20058", status=400)
    return wanted or "", consumer


def _granted(caller: Caller, ask: ConsentAsk) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The roles and views the consent will hold: exactly those asked for, each held by the caller
    (OBP-35013 / OBP-35014); with `everything` all the caller holds (at the body's bank, if any)."""
    held_roles = [(g.bank_id, g.role_name) for g in caller.grants]
    held_views = [(a.bank_id, a.account_id, a.view_id) for a in access_store.list_user_access(caller.user_id)]
    if caller.views is not None:  # a caller itself under a consent passes on no more than it has
        held_views = [v for v in held_views if v in caller.views]
    if ask.everything:
        wanted = ask.bank_id
        roles = [(b, r) for b, r in held_roles if r not in FORBIDDEN_ROLES and (wanted is None or b in ("", wanted))]
        views = [v for v in held_views if wanted is None or v[0] == wanted]
        return sorted(set(roles)), sorted(set(views))
    check_roles_allowed(ask.entitlements)
    if any(e not in held_roles for e in ask.entitlements):
        raise ApiError("OBP-35013", status=400)
    if any(v not in held_views for v in ask.views):
        raise ApiError("OBP-35014", status=400)
    return list(dict.fromkeys(ask.entitlements)), list(dict.fromkeys(ask.views))


def _challenge_messages(caller: Caller, sca_method: str, ask: ConsentAsk, consumer, otp: str) -> list[outbox.Message]:
    application = (consumer.description or consumer.app_name) if consumer is not None else ""
    text = f"Your consent challenge : {otp}, Application: {application or 'Any application'}"
    if sca_method == "SMS":
        if not ask.phone_number:
            raise ApiError("OBP-10001", "The Json body should be the PostConsentPhoneJsonV310 (phone_number)", status=400)
        return [outbox.sms(ask.phone_number, text)]
    to = ask.email if sca_method == "EMAIL" else caller.user.email
    if sca_method == "EMAIL" and not to:
        raise ApiError("OBP-10001", "The Json body should be the PostConsentEmailJsonV310 (email)", status=400)
    if not to:
        raise ApiError("OBP-35034", "The user has no e-mail address to send the challenge to.", status=400)
    return [outbox.email(to, "OBP Consent Challenge", text)]


@dataclass(frozen=True)
class Extra:
    """What a consent made from a consent request adds to the consent's transaction."""

    request: object | None = None  # the ConsentRequestRecord it uses up
    account_access: dict | None = None  # ConsentJsonV500's account_access (VRP)
    also: Callable | None = None  # also(tx, consent_id): more writes (VRP: counterparty, limits, view, access)
    views: list[tuple[str, str, str]] = field(default_factory=list)  # views the extra writes create
    # The longest time_to_live allowed, when longer than consent_max_ttl_seconds: a payment mandate
    # (services/enterprise/mandates.py) lives until its schedule ends.
    max_time_to_live: int | None = None


def _at_most_max_banks(banks: list[str]) -> list[str]:
    if len(banks) > consent_store.MAX_BANKS:
        raise ApiError("OBP-10001", f"A consent may concern at most {consent_store.MAX_BANKS} banks; its views and "
                                    f"roles are at {len(banks)}.", status=400)
    return banks


def check_sca_method(sca_method: str) -> None:
    if sca_method not in SCA_METHODS:
        raise ApiError("OBP-35009", status=400)


def create_consent(caller: Caller, sca_method: str, ask: ConsentAsk, extra: Extra = Extra()):
    """createConsent (EMAIL | SMS | IMPLICIT): a new INITIATED consent and its challenge."""
    check_sca_method(sca_method)
    check_time_to_live(ask.time_to_live, extra.max_time_to_live)
    consumer_id, consumer = _audience(caller, ask.consumer_id)
    roles, views = _granted(caller, ask)
    views = views + [v for v in extra.views if v not in views]

    now = _now()
    consent_id = str(uuid.uuid4())
    nbf = ask.valid_from or now
    ttl = ask.time_to_live if ask.time_to_live is not None else get_settings().consent_max_ttl_seconds
    otp = crypto.numeric_otp(_OTP_DIGITS)
    messages = _challenge_messages(caller, sca_method, ask, consumer, otp)
    consent = consent_store.new_consent(
        consent_id, user_id=caller.user_id, consumer_id=consumer_id, created_at=now, status=INITIATED,
        claims=_claims_text(
            created_by=caller.user_id, sub=str(uuid.uuid4()), consumer_id=consumer_id, consent_id=consent_id,
            iat=int(now.timestamp()), nbf=int(nbf.timestamp()), exp=int(nbf.timestamp()) + ttl,
            entitlements=roles, views=views,
        ),
        secret_sealed=crypto.seal(os.urandom(32), _SECRET_PURPOSE),
        otp_hash=crypto.keyed_hash(_OTP_PURPOSE, consent_id, otp),
        otp_valid_until=now + timedelta(seconds=get_settings().consent_otp_ttl_seconds),
        sca_method=sca_method, banks=_at_most_max_banks(banks_of(views, roles)),
        consent_request_id=extra.request.consent_request_id if extra.request is not None else "",
        account_access=json.dumps(extra.account_access) if extra.account_access else None,
    )

    def also(tx):
        outbox.stage(tx, *messages)
        if extra.also is not None:
            extra.also(tx, consent_id)

    per_day = get_settings().consent_challenges_per_day
    try:
        consent_store.create(consent, from_request=extra.request, also=also, challenges_per_day=per_day)
    except consent_store.ConsentRequestUsed:
        raise ApiError("OBP-35029", status=400) from None
    except consent_store.ChallengeQuotaUsed:
        raise ApiError("OBP-10018", f"A user's consents may send at most {per_day} challenges a day.",
                       status=429) from None
    outbox.dispatch(*messages)
    return consent


# --- the challenge ----------------------------------------------------------------------------

def own_consent(caller: Caller, consent_id: str, missing: Callable[[str], ApiError]):
    """The caller's consent; `missing(consent_id)` when there is none or it is someone else's."""
    consent = consent_store.get_consent(consent_id)
    if consent is None or not consent.user_id or consent.user_id != caller.user_id:
        raise missing(consent_id)
    return consent


def answer_challenge(caller: Caller, consent_id: str, answer: str, also: Callable | None = None):
    """answerConsentChallenge: only an INITIATED consent is evaluated, once. Any other consent is
    returned unchanged (OBP). `also(tx, status)` adds writes that commit with the outcome
    (ACCEPTED or REJECTED); if one of its conditions fails nothing is written and the consent is
    returned as it is."""
    consent = own_consent(caller, consent_id, not_found_chained)
    if consent.status != INITIATED or consent.otp_hash is None:
        return consent
    now = _now()

    def with_outcome(status: str):
        return (lambda tx: also(tx, status)) if also is not None else None

    if consent.otp_valid_until is None or consent.otp_valid_until <= now:
        consent_store.set_status(consent, REJECTED, now=now, from_statuses=(INITIATED,), clear_otp=True,
                                 also=with_outcome(REJECTED))
        seconds = get_settings().consent_otp_ttl_seconds
        raise ApiError("OBP-20211", f"Current expiration time is {seconds} seconds", status=400)
    right = crypto.equals(crypto.keyed_hash(_OTP_PURPOSE, consent_id, answer), consent.otp_hash)
    status = ACCEPTED if right else REJECTED
    if not consent_store.set_status(consent, status, now=now, from_statuses=(INITIATED,), clear_otp=True,
                                    also=with_outcome(status)):
        return consent_store.get_consent(consent_id)  # another answer was evaluated first
    return consent


# --- revocation and status --------------------------------------------------------------------

# Called with the consent after a change of its status has committed (a revocation, a management
# status change): capabilities built on consents react to a consent ending (an Enterprise payment
# mandate expires, services/enterprise/payment_methods.py). A listener that fails is logged; it
# must not undo the change, and each keeps its own safety net (mandates check their consent again
# before every charge).
_STATUS_LISTENERS: list[Callable] = []


def on_status_change(listener: Callable) -> Callable:
    _STATUS_LISTENERS.append(listener)
    return listener


def _status_changed(consent) -> None:
    for listener in _STATUS_LISTENERS:
        try:
            listener(consent)
        except Exception:  # noqa: BLE001 - the consent's change stands; see _STATUS_LISTENERS
            logger.exception("consent %s: a status listener failed", consent.consent_id)


def revoke(consent):
    """Any consent not yet revoked becomes REVOKED; a revoked one is OBP-35012 (chained)."""
    others = tuple(s for s in STATUSES if s != REVOKED)
    if not consent_store.set_status(consent, REVOKED, now=_now(), from_statuses=others, clear_otp=True):
        raise _chained("OBP-50200", "OBP-35012")
    _status_changed(consent)
    return consent


def revoke_mine(caller: Caller, consent_id: str, *, missing: Callable[[str], ApiError]):
    return revoke(own_consent(caller, consent_id, missing))


def revoke_my_consent(caller: Caller, consent_id: str):
    """DELETE /my/consents/CONSENT_ID: 404 when unknown, 400 when someone else's (OBP)."""
    consent = consent_store.get_consent(consent_id)
    if consent is None:
        raise not_found(consent_id)
    if consent.user_id != caller.user_id:
        raise not_found(consent_id, status=400)
    return revoke(consent)


def revoke_current(caller: Caller):
    """DELETE /my/consent/current: the consent this request runs under."""
    if caller.consent is None:
        raise ApiError("OBP-35001", "The request carries no Consent-JWT or Consent-Id header.", status=404)
    return revoke(consent_store.get_consent(caller.consent.consent_id))


def _only_at(consent, bank_id: str) -> bool:
    """The consent concerns this bank and no other: a role at one bank may act on it."""
    return list(consent.banks) == [bank_id]


def _bank_consent(caller: Caller, bank_id: str, consent_id: str, any_bank_role: str):
    """A consent reachable through a management endpoint at BANK_ID: any consent for a holder of
    the any-bank role; with the one-bank role, a consent concerning this bank alone (a consent
    with views at two banks is not one bank's to change). 404 OBP-35001 otherwise."""
    consent = consent_store.get_consent(consent_id)
    if consent is None or not (caller.has_role(any_bank_role) or _only_at(consent, bank_id)):
        raise not_found(consent_id)
    return consent


def revoke_at_bank(caller: Caller, bank_id: str, consent_id: str):
    """revokeConsentAtBank (CanRevokeConsentAtBank): a consent concerning this bank alone, or the
    caller's own."""
    require_any_role(caller, ["CanRevokeConsentAtBank"], bank_id)
    consent = consent_store.get_consent(consent_id)
    if consent is None or not (_only_at(consent, bank_id) or consent.user_id == caller.user_id):
        raise not_found(consent_id, status=400)
    return revoke(consent)


def check_status_name(status: str) -> str:
    if status not in STATUSES:
        raise ApiError("OBP-10001", f"status must be one of {', '.join(sorted(STATUSES))}.", status=400)
    return status


def request_status_change(caller: Caller, consent_id: str, status: str):
    """updateConsentStatus (v4.0.0): with SCA enabled (always, here) OBP answers 202 and leaves
    the consent unchanged; a status change needs the challenge or the management endpoint."""
    check_status_name(status)
    return own_consent(caller, consent_id, not_found_chained)


def set_status_at_bank(caller: Caller, bank_id: str, consent_id: str, read_status: Callable[[], str]):
    """updateConsentStatusByConsent (management): any status name, unconditionally. The body is
    read after the role check (OBP's auto-validation order)."""
    require_any_role(caller, ["CanUpdateConsentStatusAtOneBank", "CanUpdateConsentStatusAtAnyBank"], bank_id)
    status = check_status_name(read_status())
    consent = _bank_consent(caller, bank_id, consent_id, "CanUpdateConsentStatusAtAnyBank")
    # A revocation is final: nothing brings a REVOKED consent back.
    if not consent_store.set_status(consent, status, now=_now(), clear_otp=status != INITIATED,
                                    from_statuses=tuple(s for s in STATUSES if s != REVOKED)):
        raise ApiError("OBP-35025", "A revoked consent stays revoked.", status=400)
    _status_changed(consent)
    return consent


# --- the consent's user -----------------------------------------------------------------------

def _set_user(consent, user_id: str, *, user_known: bool = False):
    if consent.user_id:
        raise ApiError("OBP-35024", status=400)
    if not user_known and user_store.get_user(user_id) is None:
        raise ApiError("OBP-20057", f" Current UserId({user_id})", status=400)
    claims = with_claims(claims_of(consent), createdByUserId=user_id)
    if not consent_store.replace_claims(consent, claims=claims, user_id=user_id, banks=list(consent.banks)):
        raise ApiError("OBP-35024", status=400)  # another request added a user first
    return consent


def _reaches(caller: Caller, bank_id: str, consent) -> bool:
    """Who may act on a consent through addConsentUser: its own user, a user calling through the
    consent's application (the TPP binding its PSU), or a holder of the consent-user management
    roles (at the bank: a consent concerning it alone)."""
    return ((bool(consent.user_id) and consent.user_id == caller.user_id)
            or (bool(caller.consumer_id) and caller.consumer_id == consent.consumer_id)
            or caller.has_role("CanUpdateConsentUserAtAnyBank")
            or (caller.has_role("CanUpdateConsentUserAtOneBank", bank_id) and _only_at(consent, bank_id)))


def add_user(caller: Caller, bank_id: str, consent_id: str, user_id: str):
    """addConsentUser (v4.0.0) with the guard OBP meant: only a consent without a user takes one
    (every consent made through our endpoints has its creator as user, so it answers OBP-35024).
    A caller who cannot reach the consent gets the answer of a missing one (400 OBP-50200 <-
    OBP-35001), whether it exists or not."""
    if user_store.get_user(user_id) is None:  # OBP checks the body's user first
        raise ApiError("OBP-20057", f" Current UserId({user_id})", status=400)
    consent = consent_store.get_consent(consent_id)
    if consent is None or not _reaches(caller, bank_id, consent):
        raise not_found_chained(consent_id)
    return _set_user(consent, user_id, user_known=True)


def set_user_at_bank(caller: Caller, bank_id: str, consent_id: str, read_user_id: Callable[[], str]):
    """updateConsentUserIdByConsentId (management)."""
    require_any_role(caller, ["CanUpdateConsentUserAtOneBank", "CanUpdateConsentUserAtAnyBank"], bank_id)
    user_id = read_user_id()
    return _set_user(_bank_consent(caller, bank_id, consent_id, "CanUpdateConsentUserAtAnyBank"), user_id)


# --- account access (management, Berlin Group views) ------------------------------------------

_BG_VIEWS = {"accounts": "ReadAccountsBerlinGroup", "balances": "ReadBalancesBerlinGroup",
             "transactions": "ReadTransactionsBerlinGroup"}


def set_account_access(caller: Caller, bank_id: str, consent_id: str,
                       read_access: Callable[[], dict[str, list[str]]]):
    """updateConsentAccountAccessByConsentId: the body maps accounts/balances/transactions to
    IBANs; each resolves to an account at BANK_ID the consent's user holds, and the consent's
    views become the matching Berlin Group views (granted to the user in the same transaction).
    The JWT is re-signed."""
    require_any_role(caller, ["CanUpdateConsentAccountAccessAtOneBank", "CanUpdateConsentAccountAccessAtAnyBank"],
                     bank_id)
    access = read_access()
    consent = _bank_consent(caller, bank_id, consent_id, "CanUpdateConsentAccountAccessAtAnyBank")
    access = {kind: list(dict.fromkeys(canonical_iban(i) for i in ibans)) for kind, ibans in access.items()}
    if not any(access.values()):
        raise ApiError("OBP-10001", "The Json body should be the PutConsentPayloadJsonV510 (accounts, balances or "
                                    "transactions must list an account)", status=400)
    views = []
    for kind, ibans in access.items():
        for iban in ibans:
            account = account_by_routing(bank_id, "IBAN", iban)
            if consent.user_id not in account.holder_ids:
                raise ApiError("OBP-35014", f" The consent's user does not hold the account with IBAN {iban}.",
                               status=400)
            views.append((bank_id, account.account_id, _BG_VIEWS[kind]))
    views = list(dict.fromkeys(views))
    claims = claims_of(consent)
    new_claims = with_claims(claims, views=[{"bank_id": b, "account_id": a, "view_id": v} for b, a, v in views],
                             access={k: [{"iban": i} for i in v] for k, v in access.items() if v})

    def grant_views(tx):
        for b, a, v in views:
            tx.save(access_store.new_access(consent.user_id, b, a, v))

    banks = _at_most_max_banks(banks_of(views, consent_entitlements(claims)))
    if not consent_store.replace_claims(consent, claims=new_claims, user_id=consent.user_id, banks=banks,
                                        also=grant_views):
        raise ApiError("OBP-35025", "Another change to the consent came first; please retry.", status=409)
    return consent


# --- reads ------------------------------------------------------------------------------------

def get_for_user(caller: Caller, consent_id: str):
    """getConsentByConsentId: the caller's own consent, else 404 OBP-35001."""
    return own_consent(caller, consent_id, not_found)


def get_for_consumer(caller: Caller | None, consent_id: str):
    """getConsentByConsentIdViaConsumer: a consent made for the calling application, read by the
    application itself (Basic) or by the consent's own user through it; another user of the same
    application never reads it (the JWT is a credential)."""
    app = require_application(caller)
    consent = consent_store.get_consent(consent_id)
    if (consent is None or consent.consumer_id != app.consumer_id
            or (app.user is not None and consent.user_id != app.user_id)):
        raise not_found(consent_id)
    return consent


def list_mine(caller: Caller, *, limit: int, offset: int, descending: bool = True, bank_id: str | None = None) -> list:
    """The caller's consents (newest first by default); with a bank, those concerning it."""
    if bank_id:
        return consent_store.list_of_user_at_bank(caller.user_id, bank_id, limit=limit, offset=offset,
                                                  descending=descending)
    return consent_store.list_of_user(caller.user_id, limit=limit, offset=offset, descending=descending)


def list_at_bank(caller: Caller, bank_id: str, *, limit: int, offset: int, user_id: str | None,
                 consumer_id: str | None, status: str | None) -> list:
    """getConsentsAtBank: consents concerning the bank (a view or a role there), newest first;
    the filters apply within the page, as OBP pages before it filters."""
    require_any_role(caller, ["CanGetConsentsAtOneBank", "CanGetConsentsAtAnyBank"], bank_id)
    found = consent_store.list_at_bank(bank_id, limit=limit, offset=offset)
    return _matching(found, user_id=user_id, consumer_id=consumer_id, status=status)


def _matching(consents: list, *, user_id: str | None = None, consumer_id: str | None = None,
              status: str | None = None) -> list:
    return [c for c in consents if (user_id is None or c.user_id == user_id)
            and (consumer_id is None or c.consumer_id == consumer_id) and (status is None or c.status == status)]


def list_all(caller: Caller, *, limit: int, offset: int, user_id: str | None, consumer_id: str | None,
             status: str | None, bank_id: str | None) -> list:
    """getConsents (management, CanGetConsentsAtAnyBank): every consent, newest first. A bank or a
    user pages that list, then filters within the page (as OBP pages before it filters by bank);
    a consumer pages its list; a status filters before the page, reading at most
    positions.READ_BUDGET consents for it (400 OBP-39100 beyond: name a consumer, or a smaller offset)."""
    require_any_role(caller, ["CanGetConsentsAtAnyBank"])
    if bank_id is not None:
        found = consent_store.list_at_bank(bank_id, limit=limit, offset=offset)
        return _matching(found, user_id=user_id, consumer_id=consumer_id, status=status)
    if user_id is not None:
        found = consent_store.list_of_user(user_id, limit=limit, offset=offset)
        return _matching(found, consumer_id=consumer_id, status=status)
    try:
        if consumer_id is not None:
            return consent_store.list_of_consumer(consumer_id, limit=limit, offset=offset, status=status)
        return consent_store.list_all(limit=limit, offset=offset, status=status)
    except positions.TooBroad:
        raise paging.too_broad(f"Filtering by status examines at most {positions.READ_BUDGET} consents per "
                               f"request: add consumer_id, or ask for a smaller offset.") from None


def grants_of(consent, user_grants: list[Grant]) -> list[Grant]:
    """The roles a request under the consent holds: those the consent lists that the user still holds."""
    listed = set(consent_entitlements(claims_of(consent)))
    return [g for g in user_grants if (g.bank_id, g.role_name) in listed]
