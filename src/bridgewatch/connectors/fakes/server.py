"""A fake vendor behind a real HTTP server on 127.0.0.1 (an ephemeral port), for end-to-end runs and the demo."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


def _request_handler(fake: Handler, lock: threading.Lock, scheme: str) -> type[BaseHTTPRequestHandler]:
    class Adapter(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("host") or "127.0.0.1"
            request = httpx.Request(self.command, f"{scheme}://{host}{self.path}", headers=dict(self.headers.items()),
                                    content=body)
            with lock:  # fakes keep state (tables, buckets): one request at a time
                response = fake(request)
            content = response.read()
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
            return None

    return Adapter


@contextmanager
def serve(fake: Handler, tls: Path | None = None) -> Iterator[str]:
    """Run ``fake`` on ``http://127.0.0.1:<port>`` while the block runs; yield that base URL.

    With ``tls`` (a folder), serve HTTPS with a fresh self-signed certificate for 127.0.0.1 written
    there as ``ca.pem`` (clients trust it through ``api.ca_bundle``): msal only talks to https.
    """
    scheme = "https" if tls is not None else "http"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _request_handler(fake, threading.Lock(), scheme))
    if tls is not None:
        server.socket = _tls_context(tls).wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="bridgewatch-fake", daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _tls_context(folder: Path) -> ssl.SSLContext:
    """A server context with a self-signed certificate for 127.0.0.1 (``folder/ca.pem``, key beside it)."""
    cert, key = folder / "ca.pem", folder / "ca-key.pem"
    if not cert.is_file():
        _self_signed(cert, key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def _self_signed(cert: Path, key: Path) -> None:
    import ipaddress
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bridgewatch demo fake")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
                   .not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(private, hashes.SHA256()))
    folder = cert.parent
    folder.mkdir(parents=True, exist_ok=True)
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
