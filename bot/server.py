"""HTTP mode: Slack's requests at POST /slack/events, probes at /healthz and /readyz, served by waitress.

`/healthz` (liveness) answers 200 while the process runs. `/readyz` (readiness) answers 200 only
when the database answers and the process is not shutting down, so a load balancer stops sending
it requests before it goes. `HTTPServer.shutdown()` drains: it stops accepting, lets requests in
flight finish and be written out, then closes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App

from bot.slack.requests import SlackRequests

EVENTS_PATH = "/slack/events"
StartResponse = Callable[..., Any]
# Returns None when the process can serve, else why not (shown in the /readyz body).
ReadinessCheck = Callable[[], str | None]

log = logging.getLogger(__name__)


class SlackWSGIApp:
    """Routes the few paths dealbot answers; everything else is 404."""

    def __init__(self, app: App, ready: ReadinessCheck | None = None) -> None:
        self.slack = SlackRequests(app)
        self.ready = ready
        self.draining = False
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH:
            if method != "POST":
                return _plain(start_response, "405 Method Not Allowed", b"POST only\n", [("Allow", "POST")])
            with self._lock:
                self._in_flight += 1
            try:
                return self.slack(environ, start_response)
            finally:
                with self._lock:
                    self._in_flight -= 1
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


class HTTPServer:
    """waitress around a SlackWSGIApp, run in a thread, with a draining shutdown."""

    def __init__(self, wsgi: SlackWSGIApp, host: str, port: int, threads: int) -> None:
        import waitress

        # Under a burst every request waits for a thread and waitress warns about the queue
        # depth for each one; latency and /readyz tell that story without thousands of lines.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        self.wsgi = wsgi
        self._server: Any = waitress.create_server(
            wsgi, host=host, port=port, threads=threads, ident="dealbot"
        )
        self._thread = threading.Thread(target=self._run, name="http-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

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
        from waitress import wasyncore

        self.wsgi.draining = True
        # The listening socket belongs to the server's loop thread: close it there.
        self._server.trigger.pull_trigger(lambda: wasyncore.dispatcher.close(self._server))
        deadline = time.monotonic() + grace
        drained = self._wait_idle(deadline)
        if not drained:
            log.warning("%d request(s) in flight after %.0f s; closing anyway", self.wsgi.in_flight, grace)
        self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._server._map))
        self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
        return drained

    def _wait_idle(self, deadline: float) -> bool:
        dispatcher = self._server.task_dispatcher
        while time.monotonic() < deadline:
            channels = [c for c in list(self._server._map.values()) if c is not self._server.trigger]
            writing = any(c.requests or c.total_outbufs_len for c in channels if hasattr(c, "requests"))
            working = self.wsgi.in_flight or dispatcher.active_count or dispatcher.queue
            if not working and not writing:
                return True
            time.sleep(0.05)
        return False

