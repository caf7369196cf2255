"""HTTP mode: Slack's requests at POST /slack/events, probes at /healthz and /readyz, served by waitress.

`/healthz` (liveness) answers 200 while the process runs. `/readyz` (readiness) answers 200 only
when the database answers and the process is not shutting down, so a load balancer stops sending
it requests before it goes. `HTTPServer.shutdown()` drains: it stops accepting, lets requests in
flight finish and be written out, then closes.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App

from bot.slack.requests import SlackRequests

if TYPE_CHECKING:
    from bot.runtime import BotProcess

EVENTS_PATH = "/slack/events"
StartResponse = Callable[..., Any]
# Returns None when the process can serve, else why not (shown in the /readyz body).
ReadinessCheck = Callable[[], str | None]

# Pending connections the kernel queues for us (waitress' default).
LISTEN_BACKLOG = 1024
# How long waitress' loop sleeps in select() at most: it notices a shutdown within this time.
LOOP_SECONDS = 0.2

log = logging.getLogger(__name__)


class SlackWSGIApp:
    """Routes the few paths dealbot answers; everything else is 404."""

    def __init__(self, app: App, ready: ReadinessCheck | None = None) -> None:
        self.slack = SlackRequests(app)
        self.ready = ready
        self.draining = False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH:
            if method != "POST":
                return _plain(start_response, "405 Method Not Allowed", b"POST only\n", [("Allow", "POST")])
            return self.slack(environ, start_response)
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "404 Not Found", b"not found\n")
        if path == "/healthz":
            return _plain(start_response, "200 OK", b"ok\n")
        if path == "/readyz":
            problem = self.readiness_problem()
            if problem is None:
                return _plain(start_response, "200 OK", b"ready\n")
            return _plain(start_response, "503 Service Unavailable", f"not ready: {problem}\n".encode())
        return _plain(start_response, "404 Not Found", b"not found\n")

    def readiness_problem(self) -> str | None:
        if self.draining:
            return "shutting down"
        if self.ready is None:
            return None
        try:
            return self.ready()
        except Exception as exc:  # a probe reports; it never raises
            return f"{type(exc).__name__}: {exc}"


def _plain(
    start_response: StartResponse, status: str, body: bytes, extra: list[tuple[str, str]] | None = None
) -> list[bytes]:
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, headers + (extra or []))
    return [body]


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host`:`port` and listening. `dealbot serve` takes it before anything
    else starts, so a busy port fails at once (OSError) and nothing has run."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class HTTPServer:
    """waitress around a SlackWSGIApp, run in a thread, with a draining shutdown.

    Only waitress' public surface: `create_server(app, map=…, sockets=[…])` runs the server on
    our listening socket and our socket map, whose entries (the connections) speak the asyncore
    dispatcher protocol (`readable()`, `writable()`, `handle_close()`). `run()` returns once the
    map is empty. waitress 3.0 has no public call that ends one server's task threads
    (Pylons/waitress PR #497): they are daemon threads, idle once the server is drained.
    """

    def __init__(
        self,
        wsgi: SlackWSGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        threads: int = 8,
        *,
        listener: socket.socket | None = None,
    ) -> None:
        import waitress

        # Under a burst every request waits for a thread and waitress warns about the queue
        # depth for each one; latency and /readyz tell that story without thousands of lines.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        self.wsgi = wsgi
        self._listener = listener if listener is not None else listen(host, port)
        self._connections: dict[int, Any] = {}  # waitress' socket map: fd -> dispatcher
        self._server = waitress.create_server(
            wsgi,
            map=self._connections,
            sockets=[self._listener],
            threads=threads,
            ident="dealbot",
            asyncore_loop_timeout=LOOP_SECONDS,
        )
        self._thread = threading.Thread(target=self._run, name="http-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError as exc:  # a socket closed under the loop during shutdown: nothing left to serve
            if not self.wsgi.draining:
                raise
            log.debug("HTTP loop ended at shutdown: %s", exc)

    def is_running(self) -> bool:
        return self._thread.is_alive()

    def shutdown(self, grace: float) -> bool:
        """Stop accepting, wait up to `grace` s for requests in flight, then close. True if drained."""
        self.wsgi.draining = True
        self._stop_accepting()
        drained = self._wait_idle(time.monotonic() + grace)
        if not drained:
            log.warning("%d connection(s) still busy after %.1f s; closing anyway", len(self._busy()), grace)
        # Newest first: the clients' connections (a task thread still running then sees its
        # client gone and leaves the loop alone), then waitress' wake-up pipe, the oldest entry.
        # `handle_close` also wakes a task thread waiting for its output to be flushed.
        for connection in reversed(list(self._connections.values())):
            connection.handle_close()
        self._server.close()  # the listening socket
        self._connections.clear()
        self._thread.join(timeout=5)
        return drained

    def _stop_accepting(self) -> None:
        """Refuse new connections at once: the balancer sends them elsewhere."""
        self._connections.pop(self._listener.fileno(), None)  # the loop no longer accepts
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # the kernel now refuses connections

    def _wait_idle(self, deadline: float) -> bool:
        while self._busy():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _busy(self) -> list[Any]:
        """Connections with a request queued or running (waitress reads no more from them
        meanwhile), or a response still to write; idle keep-alive connections are not busy."""
        return [c for c in list(self._connections.values()) if not c.readable() or c.writable()]


class HTTPDoor:
    """HTTP mode (`dealbot serve`): the front door of a process, on a socket bound beforehand."""

    def __init__(self, listener: socket.socket, threads: int) -> None:
        self.listener = listener
        self.threads = threads
        self._server: HTTPServer | None = None

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def open(self, process: BotProcess) -> None:
        assert process.app is not None, "HTTP mode serves the Slack app"
        wsgi = SlackWSGIApp(process.app, process.readiness_problem)
        self._server = HTTPServer(wsgi, threads=self.threads, listener=self.listener)
        self._server.start()

    def is_open(self) -> bool:
        return self._server is not None and self._server.is_running()

    def close(self, grace: float) -> None:
        if self._server is not None:
            self._server.shutdown(grace)
        else:
            self.listener.close()
