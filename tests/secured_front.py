"""A secured front for the test cluster: HTTPS with a certificate of a test CA, and
credentials asked of every request, then each request passed on to the plain cluster.

The test cluster runs without OpenSearch's security plugin (the Maven registry does not
serve it), so this front asks of newskb's client what a secured cluster asks: to verify
the server's certificate (or be told `--insecure`), and basic auth or an API key
(`Authorization: Basic ...` or `Authorization: ApiKey ...`). A request without them gets
401, as from OpenSearch's security plugin. The certificates come from trustme (a test
CA made in memory), the server is the standard library's.
"""
from __future__ import annotations

import base64
import http.client
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import trustme

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "authorization", "content-length"}


class SecuredFront:
    """HTTPS on a loopback port before the cluster at `upstream` (a plain http URL),
    accepting `user`:`password` or `api_key`. `url` is its address, `write_ca(path)`
    writes the CA certificate that verifies it."""

    def __init__(self, upstream: str, user: str, password: str, api_key: str):
        self.ca = trustme.CA()
        accepted = {"Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(), "ApiKey " + api_key}
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.server = _Server(("127.0.0.1", 0), _handler(urlsplit(upstream).netloc, accepted))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def write_ca(self, path: Path) -> Path:
        self.ca.cert_pem.write_to_path(str(path))
        return path

    def __enter__(self) -> SecuredFront:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that refuses the certificate ends its handshake: not the test's failure."""


def _handler(upstream: str, accepted: set[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            """Quiet: the test's output is the client's."""

        def handle_one_request(self) -> None:
            try:
                super().handle_one_request()
            except (ssl.SSLError, ConnectionError):
                self.close_connection = True

        def do_request(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Authorization") not in accepted:
                self.answer(401, {"WWW-Authenticate": 'Basic realm="OpenSearch Security"'},
                            json.dumps({"error": "Unauthorized", "status": 401}).encode())
                return
            headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
            connection = http.client.HTTPConnection(upstream, timeout=120)
            try:
                connection.request(self.command, self.path, body=body if body else None, headers=headers)
                response = connection.getresponse()
                self.answer(response.status, {name: value for name, value in response.getheaders()
                                              if name.lower() not in HOP_BY_HOP}, response.read())
            finally:
                connection.close()

        def answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_request

    return Handler
