"""Who is calling, from the request headers, in OBP's order (reference §2.1).

1. `Consent-JWT` / `Consent-Id` (with `Consumer-Key`): a consent (services/consent_use.py).
2. `DirectLogin: token=...`
3. `Authorization: DirectLogin token=...`
4. `Authorization: Basic <consumer key:secret>`: an application without a user (consent requests).
No credentials -> None (the endpoint decides whether that is OBP-20001). Bad credentials -> ApiError 401.

Every credential is checked on every call: the token or consent, its application, and its user
(not deleted, not locked), with no cache in between. The reads go out together with the
request's other independent reads (`alongside`: the bank of the path) and, when the credential
names its user up front, with reads of that user's own records (`own_records`).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from chalicelib.services import consent_use, consumers, directlogin
from chalicelib.services.access import Authentication, Caller
from chalicelib.store.parallel import together


def plan(headers: Mapping[str, str]) -> Authentication | None:
    """The checks the request's credential needs (None without one). `headers` has lower-case
    names. A malformed credential raises here, before anything is read."""
    consent = headers.get("consent-jwt") or headers.get("consent-id")
    if consent is not None:
        return consent_use.plan(consent, headers.get("consumer-key"))
    directlogin_header = headers.get("directlogin")
    authorization = headers.get("authorization")
    if directlogin_header is not None:
        return directlogin.plan(directlogin_header, None)
    if authorization is not None and authorization.strip().lower().startswith("directlogin"):
        return directlogin.plan(None, authorization)
    if authorization is not None and authorization.strip().lower().startswith("basic "):
        return consumers.plan_application(authorization.strip()[6:])
    return None


def resolve(headers: Mapping[str, str]) -> Caller | None:
    caller, _, _ = resolve_with(headers)
    return caller


def resolve_with(headers: Mapping[str, str], *, alongside: Callable[[], Any] | None = None,
                 own_records: Callable[[str], Any] | None = None) -> tuple[Caller | None, Any, Any]:
    """(caller, what `alongside()` returned or raised, what `own_records(user_id)` returned).

    `alongside` is a read that does not depend on the caller; its exception is returned, not
    raised, so that the caller's own failure comes first (OBP's order). `own_records` reads the
    records a user reaches without a view or a role; it runs for a user calling with their own
    credentials, not under a consent (a consent opens only its views) and not for an
    application, and goes out with the authentication reads when the credential names its user."""
    auth = plan(headers)
    if auth is None:
        [outcome] = together(alongside, return_exceptions=True)
        return None, outcome, None
    early_own = (lambda: own_records(auth.user_id)) if own_records is not None and auth.user_id else None
    *results, outcome, own = together(*auth.reads, alongside, early_own, return_exceptions=True)
    for failed in results:
        if isinstance(failed, Exception):
            raise failed
    caller = auth.finish(results)
    if isinstance(own, Exception):
        raise own
    if own_records is None or caller.user is None or caller.consent is not None:
        own = None
    elif early_own is None:
        own = own_records(caller.user_id)
    return caller, outcome, own
