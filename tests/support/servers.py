"""Run a WSGI application over real HTTP on a free loopback port, in a daemon thread.

The socket is bound before the application exists, so an application that must know its own
URL (an OpenID provider's issuer) can be built with it::

    with LiveServer() as server:
        server.start(create_app({"DEVIDP_ISSUER": server.url, ...}))
        requests.get(server.url + "/jwks")

or, when the URL is not needed up front::

    with serve_wsgi(app) as base_url:
        requests.get(base_url + "/")
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server

WSGIApp = Callable


class _QuietRequestHandler(WSGIRequestHandler):
    """Does not log every request (errors are still logged)."""

    def log_request(self, code="-", size="-"):
        pass


class LiveServer:
    """A threaded werkzeug server bound to ``host`` on a free port; serves once started."""

    def __init__(self, host: str = "127.0.0.1"):
        self._app: WSGIApp | None = None
        self._server = make_server(
            host, 0, self._dispatch, threaded=True, request_handler=_QuietRequestHandler
        )
        self.port: int = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self, app: WSGIApp) -> str:
        """Serve ``app`` from now on and return the base URL (no trailing slash)."""
        self._app = app
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},  # how long stop() waits at most
                name=f"wsgi-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _dispatch(self, environ, start_response):
        if self._app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no application started yet"]
        return self._app(environ, start_response)


@contextmanager
def serve_wsgi(app: WSGIApp, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` on a free port of ``host`` for the ``with`` block; yield its base URL."""
    with LiveServer(host) as server:
        yield server.start(app)
