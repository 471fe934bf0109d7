"""The pinned client: it connects to the checked address while TLS (SNI and the certificate's host
name) and the Host header use the URL's name."""
from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chalicelib.delivery.webhook_http import send
from chalicelib.services.webhook_urls import WebhookTarget


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _certificate(subject: str, issuer_key, issuer: str, key, *, ca: bool, dns: list[str] = ()):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_receiver(tmp_path_factory):
    """An HTTPS server on 127.0.0.1 whose certificate names `hooks.test`, from a test CA."""
    folder = tmp_path_factory.mktemp("tls")
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate("test CA", ca_key, "test CA", ca_key, ca=True)
    cert = _certificate("hooks.test", ca_key, "test CA", key, ca=False, dns=["hooks.test"])
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    seen = {"sni": [], "host": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen["host"].append(self.headers["Host"])
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server_context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client_context = ssl.create_default_context(cadata=ca_cert.public_bytes(serialization.Encoding.PEM).decode())
    yield server.server_address[1], client_context, seen
    server.shutdown()
    server.server_close()


def _post(target: WebhookTarget, context):
    return send(target, "POST", {"Content-Type": "application/json"}, b"{}", timeout=5,
                max_response_bytes=65536, ssl_context=context)


def test_https_goes_to_the_pinned_address_with_sni_and_certificate_checked_on_the_name(tls_receiver):
    port, context, seen = tls_receiver
    outcome = _post(WebhookTarget("https", "hooks.test", port, "/x", ("127.0.0.1",)), context)
    assert (outcome.status, outcome.error, outcome.response_snippet) == (200, None, "ok")
    assert seen["sni"][-1] == "hooks.test" and seen["host"][-1] == f"hooks.test:{port}"


def test_a_certificate_for_another_name_is_refused(tls_receiver):
    port, context, _ = tls_receiver
    outcome = _post(WebhookTarget("https", "evil.test", port, "/x", ("127.0.0.1",)), context)
    assert outcome.status is None and outcome.error.startswith("TLS certificate not accepted")
    assert "mismatch" in outcome.error.lower(), outcome.error


def test_an_unknown_certificate_authority_is_refused(tls_receiver):
    port, _, _ = tls_receiver
    outcome = _post(WebhookTarget("https", "hooks.test", port, "/x", ("127.0.0.1",)), ssl.create_default_context())
    assert outcome.status is None and "certificate" in outcome.error


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_next_checked_address_is_tried_when_one_refuses(tls_receiver):
    port, context, _ = tls_receiver
    # The server listens on 127.0.0.1 only, so 127.0.0.2 (loopback too) refuses.
    outcome = _post(WebhookTarget("https", "hooks.test", port, "/x", ("127.0.0.2", "127.0.0.1")), context)
    assert outcome.status == 200


def test_a_refused_connection_is_an_error_not_an_exception():
    port = _closed_port()
    outcome = send(WebhookTarget("http", "127.0.0.1", port, "/", ("127.0.0.1",)), "POST", {}, b"{}",
                   timeout=2, max_response_bytes=1024)
    assert outcome.status is None and outcome.error.startswith("connection refused")
    assert not outcome.ok


# What a trickling receiver sends first: an HTTP status line (then header bytes), or the header of a
# 16 KB TLS handshake record (then its bytes) so the TLS handshake itself never completes.
TRICKLE_PREFIX = {"http": b"HTTP/1.1 200 OK\r\n", "https": b"\x16\x03\x03\x40\x00"}


@pytest.fixture(params=["http", "https"])
def trickler(request):
    """A TCP server that accepts, sends the prefix, then one more byte every 0.2 s, forever: no
    single read ever times out, only a deadline on the whole exchange stops it."""
    scheme = request.param
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def drip(conn):
        with conn:
            try:
                conn.sendall(TRICKLE_PREFIX[scheme])
                while not stop.is_set():
                    conn.sendall(b"X" if scheme == "http" else b"\x00")
                    stop.wait(0.2)
            except OSError:
                pass

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield scheme, listener.getsockname()[1]
    stop.set()
    listener.close()


def test_a_receiver_trickling_bytes_is_cut_off_at_the_deadline(trickler):
    scheme, port = trickler
    started = time.monotonic()
    outcome = send(WebhookTarget(scheme, "127.0.0.1", port, "/", ("127.0.0.1",)), "POST", {}, b"{}",
                   timeout=1, max_response_bytes=1024, ssl_context=ssl.create_default_context())
    assert (outcome.status, outcome.error) == (None, "timed out after 1 s")
    assert time.monotonic() - started < 1.8
