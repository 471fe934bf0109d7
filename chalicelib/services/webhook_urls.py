"""The SSRF guard for webhook URLs: checked when a webhook is created and again at delivery.

A URL must be https (http only in the local stage), carry no user-info, and every address its
host resolves to (A and AAAA) must be public. In the local stage loopback is allowed so a
developer can receive webhooks on their own machine. The delivery engine connects to the very
address that was checked (`WebhookTarget.addresses`), never resolving the name again.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.errors import ApiError
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class WebhookTarget:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


def _refuse(reason: str) -> ApiError:
    return ApiError("OBP-10035", f"Invalid webhook url: {reason}", status=400)


def non_public_kind(address: ipaddress._BaseAddress) -> str | None:
    """Why an address is not a public unicast one ("loopback", "private"...), or None when it is.
    IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo) are judged by that address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None:
            return non_public_kind(embedded)
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-global"


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every address the host resolves to (a literal IP resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise _refuse(f"the host {host!r} cannot be resolved") from err
    return tuple(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str, resolver=resolve) -> WebhookTarget:
    """Parse and vet a webhook URL; returns the target with its checked addresses."""
    local = get_settings().is_local
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as err:
        raise _refuse("it is not a valid URL") from err
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not local):
        raise _refuse("the scheme must be https" + (" (or http in the local stage)" if local else ""))
    if parts.username is not None or parts.password is not None:
        raise _refuse("user information in the URL is not allowed")
    host = parts.hostname
    if not host:
        raise _refuse("the URL has no host")
    port = port or (443 if scheme == "https" else 80)
    addresses = resolver(host, port)
    if not addresses:
        raise _refuse(f"the host {host!r} has no address")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        kind = non_public_kind(address)
        if kind is None or (local and kind == "loopback"):
            continue
        raise _refuse(f"the host {host!r} resolves to {address}, a {kind} address; webhooks may only call public addresses")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return WebhookTarget(scheme, host, port, path, addresses)
