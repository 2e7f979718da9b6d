"""Serving a sandbox's WSGI app from a daemon thread on loopback, for tests and the demo."""

import threading
from typing import Self

from sandbox.xpm.wsgi_server import WSGIServer


class ServedInThread:
    """Serves `self.app` on (`self.host`, `self.port`); port 0 takes a free one, which `port`
    then holds. A context manager: started on entry, stopped (and its thread joined) on exit."""

    thread_name = "sandbox"
    host: str
    port: int
    _server: WSGIServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> Self:
        self._server = WSGIServer((self.host, self.port), self.app)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"{self.thread_name}-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
