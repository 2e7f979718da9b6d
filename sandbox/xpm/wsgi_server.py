"""A threaded HTTP/1.1 server for one WSGI application, with keep-alive and TCP_NODELAY.

Werkzeug's development server closes the connection after every response, which would make a
client paging through 100,000 clients open a connection per page; this one keeps connections
open the way Xero's servers do. Request bodies must carry a Content-Length (no chunked uploads).
"""

import io
import logging
import socket
import socketserver
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_to_bytes

logger = logging.getLogger(__name__)

# The application sets this in the WSGI environ to close the connection without answering.
DROP_CONNECTION = "sandbox.drop_connection"


class WSGIRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "XpmSandbox/1.0"

    def do_request(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.send_error(411, "Send a Content-Length instead of a chunked body.")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        environ = self._environ(body)
        status, headers, payload = self._application_run(environ)
        if environ.get(DROP_CONNECTION):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        if int(code) not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD" and payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_request

    def _environ(self, body: bytes) -> dict:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": host,
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name in self.headers:
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = ",".join(self.headers.get_all(name))
        return environ

    def _application_run(self, environ: dict) -> tuple[str, list, bytes]:
        started: list = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]

        try:
            result = self.server.application(environ, start_response)
            try:
                payload = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except Exception:
            logger.exception("Error answering %s %s", self.command, self.path)
            return "500 Internal Server Error", [("Content-Type", "text/plain")], b"Server error"
        return started[0], started[1], payload

    def log_message(self, format: str, *args) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


class WSGIServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], application) -> None:
        self.application = application
        super().__init__(address, WSGIRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address) -> None:
        # A client that gives up before the answer is written (an impatient timeout, as the
        # "slow" fault invites) is XPM's everyday weather, not a fault of the server's.
        if isinstance(sys.exception(), ConnectionError):
            logger.debug("%s hung up before the answer was written", client_address[0])
            return
        super().handle_error(request, client_address)

    def get_request(self):
        connection, address = super().get_request()
        # Without it, Nagle's algorithm meets delayed ACKs: about 40 ms lost per response.
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address
