"""Who is calling, from the request headers, in OBP's order (reference §2.1).

1. `Consent-JWT` / `Consent-Id` (with `Consumer-Key`): a consent (services/consent_use.py).
2. `DirectLogin: token=...`
3. `Authorization: DirectLogin token=...`
4. `Authorization: Basic <consumer key:secret>`: an application without a user (consent requests).
No credentials -> None (the endpoint decides whether that is OBP-20001). Bad credentials -> ApiError 401.

Every credential is checked on every call: the token or consent, its application, and its user
(not deleted, not locked), with no cache in between. The reads go out together with the
request's other independent reads (`alongside`: the bank of the path) and, when the credential
names its user up front, with reads keyed by that user (`by_user`: their views, the account of
the path with their access to it).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from chalicelib.services import directlogin
from chalicelib.services.access import NOT_READ, Authentication, Caller
from chalicelib.store.parallel import together

# Consents and application credentials are imported by the requests that carry them (cold
# start: most requests log in with DirectLogin).


def plan(headers: Mapping[str, str]) -> Authentication | None:
    """The checks the request's credential needs (None without one). `headers` has lower-case
    names. A malformed credential raises here, before anything is read."""
    consent = headers.get("consent-jwt") or headers.get("consent-id")
    if consent is not None:
        from chalicelib.services import consent_use

        return consent_use.plan(consent, headers.get("consumer-key"))
    directlogin_header = headers.get("directlogin")
    authorization = headers.get("authorization")
    if directlogin_header is not None:
        return directlogin.plan(directlogin_header, None)
    if authorization is not None and authorization.strip().lower().startswith("directlogin"):
        return directlogin.plan(None, authorization)
    if authorization is not None and authorization.strip().lower().startswith("basic "):
        from chalicelib.services import consumers

        return consumers.plan_application(authorization.strip()[6:])
    return None


def resolve(headers: Mapping[str, str]) -> Caller | None:
    caller, _, _ = resolve_with(headers)
    return caller


def resolve_with(headers: Mapping[str, str], *, alongside: Callable[[], Any] | None = None,
                 by_user: Callable[[str], Any] | None = None, own: bool = False) -> tuple[Caller | None, Any, Any]:
    """(caller, what `alongside()` returned, what `by_user(caller's user_id)` returned); either of
    the last two may be the exception it raised, returned rather than raised so that the caller's
    own failure comes first and the request raises the rest in its own order (OBP's).

    `alongside` is a read that does not depend on the caller (the bank of the path). `by_user`
    reads records keyed by the caller's user (their views, the account of the path with their
    access to it): it goes out with the credential's reads when the credential names its user up
    front (a DirectLogin token, a consent JWT), else once the user is known; None for a caller
    without a user. `own`: records the user reaches by their own login only, so None under a
    consent too (a consent opens only its views), and not read for one."""
    auth = plan(headers)
    if auth is None:
        [outcome] = together(alongside, return_exceptions=True)
        return None, outcome, None
    wanted = by_user is not None and not (own and auth.consent)
    named = auth.user_id if wanted else ""
    early = (lambda: by_user(named)) if named else None
    *results, outcome, records = together(*auth.reads, alongside, early, return_exceptions=True)
    for failed in results:
        if isinstance(failed, Exception):
            raise failed
    # A credential that reads its user after a first read (a consent id) sends `by_user` with it.
    caller, late = auth.finish(results, later=by_user if wanted else None)
    if not wanted or caller.user is None or (own and caller.consent is not None):
        records = None
    elif late is not NOT_READ:
        records = late
    elif caller.user_id != named:  # named no user up front, or not the one it turned out to be
        [records] = together(lambda: by_user(caller.user_id), return_exceptions=True)
    return caller, outcome, records
