"""Who is calling, from the request headers, in OBP's order (reference §2.1).

1. `Consent-JWT` / `Consent-Id` (with `Consumer-Key`): a consent (services/consent_use.py).
2. `DirectLogin: token=...`
3. `Authorization: DirectLogin token=...`
4. `Authorization: Basic <consumer key:secret>`: an application without a user (consent requests).
No credentials -> None (the endpoint decides whether that is OBP-20001). Bad credentials -> ApiError 401.
"""
from __future__ import annotations

from typing import Mapping

from chalicelib.services import directlogin
from chalicelib.services.access import Caller

# Consents and application credentials are imported by the requests that carry them (cold
# start: most requests log in with DirectLogin).


def resolve(headers: Mapping[str, str]) -> Caller | None:
    """`headers` has lower-case names."""
    consent = headers.get("consent-jwt") or headers.get("consent-id")
    if consent is not None:
        from chalicelib.services import consent_use

        return consent_use.authenticate(consent, headers.get("consumer-key"))
    directlogin_header = headers.get("directlogin")
    authorization = headers.get("authorization")
    if directlogin_header is not None:
        return directlogin.authenticate(directlogin_header, None)
    if authorization is not None and authorization.strip().lower().startswith("directlogin"):
        return directlogin.authenticate(None, authorization)
    if authorization is not None and authorization.strip().lower().startswith("basic "):
        from chalicelib.services import consumers

        return consumers.authenticate_application(authorization.strip()[6:])
    return None
