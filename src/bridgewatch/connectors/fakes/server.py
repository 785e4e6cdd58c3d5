"""A fake vendor behind a real HTTP server on 127.0.0.1 (an ephemeral port), for end-to-end runs and the demo."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


def _request_handler(fake: Handler, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Adapter(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("host") or "127.0.0.1"
            request = httpx.Request(self.command, f"http://{host}{self.path}", headers=dict(self.headers.items()),
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
def serve(fake: Handler) -> Iterator[str]:
    """Run ``fake`` on ``http://127.0.0.1:<port>`` while the block runs; yield that base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _request_handler(fake, threading.Lock()))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="bridgewatch-fake", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
