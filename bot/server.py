"""HTTP mode: Slack's requests at POST /slack/events, GET /healthz, served by waitress threads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

EVENTS_PATH = "/slack/events"
StartResponse = Callable[..., Any]


class SlackWSGIApp:
    """Routes the few paths dealbot answers; everything else is 404."""

    def __init__(self, app: App) -> None:
        self.slack = SlackRequestHandler(app)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH:
            if method != "POST":
                return _plain(start_response, "405 Method Not Allowed", b"POST only\n", [("Allow", "POST")])
            return self.slack(environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _plain(start_response, "200 OK", b"ok\n")
        return _plain(start_response, "404 Not Found", b"not found\n")


def _plain(
    start_response: StartResponse, status: str, body: bytes, extra: list[tuple[str, str]] | None = None
) -> list[bytes]:
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    start_response(status, headers + (extra or []))
    return [body]


def serve(app: App, host: str, port: int, threads: int) -> None:
    import waitress

    waitress.serve(SlackWSGIApp(app), host=host, port=port, threads=threads, ident="dealbot")
