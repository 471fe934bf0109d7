"""Who is calling, from the request headers, in OBP's order (reference §2.1).

1. `Consent-JWT` / `Consent-Id`: a consent (added by the consents capability).
2. `DirectLogin: token=...`
3. `Authorization: DirectLogin token=...`
No credentials -> None (the endpoint decides whether that is OBP-20001). Bad credentials -> ApiError 401.
"""
from __future__ import annotations

from typing import Mapping

from chalicelib.services import directlogin
from chalicelib.services.access import Caller


def resolve(headers: Mapping[str, str]) -> Caller | None:
    """`headers` has lower-case names."""
    directlogin_header = headers.get("directlogin")
    authorization = headers.get("authorization")
    if directlogin_header is not None:
        return directlogin.authenticate(directlogin_header, None)
    if authorization is not None and authorization.strip().lower().startswith("directlogin"):
        return directlogin.authenticate(None, authorization)
    return None
