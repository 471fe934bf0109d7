"""One HTTP request to a webhook receiver, SSRF-safe: the standard library's http.client with the
connection pinned to an address the SSRF guard checked.

- The TCP connection goes to one of `target.addresses` (never a fresh DNS answer), while the Host
  header, TLS SNI and the certificate check use the URL's host name.
- No redirect is followed (http.client never does): a 3xx is just a status, i.e. a failure.
- The whole exchange (connect, TLS handshake, request, response) has one deadline (`timeout`),
  enforced by a watchdog that shuts the socket, so a receiver trickling bytes cannot hold a worker
  past it; connecting gets at most 5 s of it.
- At most `max_response_bytes` of the response body are read; a short snippet is kept.
"""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from chalicelib.services.webhook_urls import WebhookTarget

CONNECT_TIMEOUT_SECONDS = 5.0
SNIPPET_BYTES = 1024  # what is stored of a response body, for its owner's debugging


@dataclass(frozen=True)
class Outcome:
    status: int | None  # the HTTP status, None when no response came
    error: str | None  # why no (good) response came: a network error, a timeout, the SSRF guard
    duration_ms: int
    response_snippet: str | None = None
    retry_after: int | None = None  # seconds, from a Retry-After header

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def failed(error: str, duration_ms: int = 0) -> Outcome:
    return Outcome(status=None, error=error, duration_ms=duration_ms)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to `address` while speaking HTTP to `host` (the Host header names `host`). From the
    moment the TCP connection exists, a watchdog shuts it at `deadline` (time.monotonic()), whatever
    phase the exchange is in: a receiver trickling bytes cannot keep a worker past it."""

    def __init__(self, host: str, port: int, address: str, deadline: float):
        super().__init__(host, port, timeout=max(deadline - time.monotonic(), 0.001))
        self._address, self._deadline = address, deadline
        self._watchdog: threading.Timer | None = None
        self.expired = False  # the watchdog cut the exchange: whatever was read is not an answer

    def _open(self) -> socket.socket:
        raw = socket.create_connection((self._address, self.port), min(self.timeout, CONNECT_TIMEOUT_SECONDS))
        raw.settimeout(self.timeout)
        self._watchdog = threading.Timer(max(self._deadline - time.monotonic(), 0), self._expire, args=(raw,))
        self._watchdog.daemon = True
        self._watchdog.start()
        return raw

    def _expire(self, raw: socket.socket) -> None:
        self.expired = True
        try:  # the OS-level shutdown wakes a blocked read (also under TLS, without touching its state)
            socket.socket.shutdown(self.sock if self.sock is not None else raw, socket.SHUT_RDWR)
        except OSError:
            pass

    def connect(self) -> None:
        self.sock = self._open()

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        super().close()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """Connects to `address`; TLS SNI and the certificate check use `host`."""

    default_port = 443

    def __init__(self, host: str, port: int, address: str, deadline: float, context: ssl.SSLContext):
        super().__init__(host, port, address, deadline)
        self._context = context

    def connect(self) -> None:
        raw = self._open()
        try:
            self.sock = self._context.wrap_socket(raw, server_hostname=self.host, do_handshake_on_connect=False)
        except BaseException:
            raw.close()
            raise
        self.sock.do_handshake()


def send(target: WebhookTarget, method: str, headers: dict[str, str], body: bytes | None, *, timeout: float,
         max_response_bytes: int, ssl_context: ssl.SSLContext | None = None) -> Outcome:
    """Send one request; never raises for anything the receiver or the network does."""
    started = time.monotonic()
    deadline = started + timeout
    last_error = "no address to connect to"
    for address in target.addresses:
        if time.monotonic() >= deadline:
            break
        conn = _connection(target, address, deadline, ssl_context)
        try:
            conn.connect()
        except (OSError, ValueError) as err:  # ssl.SSLError is an OSError
            conn.close()
            last_error = _describe(err, f"connecting to {address}")
            if isinstance(err, ssl.SSLError):
                break  # the host answered; its certificate is the problem, not the address
            continue
        try:
            conn.request(method, target.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read(max_response_bytes)
            if conn.expired:  # e.g. headers cut short look complete to http.client
                return failed(f"timed out after {timeout:g} s", _ms_since(started))
            return Outcome(
                status=response.status, error=None, duration_ms=_ms_since(started),
                response_snippet=data[:SNIPPET_BYTES].decode("utf-8", errors="replace"),
                retry_after=_retry_after(response.getheader("Retry-After")),
            )
        except (OSError, ValueError, http.client.HTTPException) as err:
            if conn.expired or time.monotonic() >= deadline:
                return failed(f"timed out after {timeout:g} s", _ms_since(started))
            return failed(_describe(err, "during the request"), _ms_since(started))
        finally:
            conn.close()
    if time.monotonic() >= deadline:
        return failed(f"timed out after {timeout:g} s", _ms_since(started))
    return failed(last_error, _ms_since(started))


def _connection(target: WebhookTarget, address: str, deadline: float, ssl_context: ssl.SSLContext | None):
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target.host, target.port, address, deadline, ssl_context or _default_context())
    return _PinnedHTTPConnection(target.host, target.port, address, deadline)


_context: ssl.SSLContext | None = None


def _default_context() -> ssl.SSLContext:
    """Certificate and host name verified against the system's CAs; built once per container."""
    global _context
    if _context is None:
        _context = ssl.create_default_context()
    return _context


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _retry_after(value: str | None) -> int | None:
    if value and value.strip().isdigit():
        return int(value.strip())
    return None


def _describe(err: BaseException, where: str) -> str:
    """A short, secret-free description of a network failure."""
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"TLS certificate not accepted {where}: {err.verify_message}"
    if isinstance(err, ssl.SSLError):
        return f"TLS error {where}: {err.reason or type(err).__name__}"
    if isinstance(err, (socket.timeout, TimeoutError)):
        return f"timed out {where}"
    if isinstance(err, ConnectionRefusedError):
        return f"connection refused {where}"
    if isinstance(err, http.client.HTTPException):
        return f"invalid HTTP response {where}: {type(err).__name__}"
    return f"{type(err).__name__} {where}: {getattr(err, 'strerror', None) or err}"
