"""The page's HTTP server: `/` and `/static/*` (sandbox/static), the JSON API under
`/sandbox/api/*`, and shared files under `/sandbox/files/<id>`.

It serves whatever implements `PageBackend` (the runner's `Sandbox` does): the server knows
HTTP and the routes, the backend knows the workspace and the bot.

Every API answer is JSON; a refusal is `{"ok": false, "error": "…"}` with a 4xx status (5xx when
the bot failed). `GET /sandbox/api/snapshot?user=U&since=V` waits up to `LONG_POLL_SECONDS` for
the workspace to change past version V. Requests from another site's pages are refused (their
`Origin` is not this server), so a page elsewhere cannot drive the sandbox.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol, Self, cast
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox.slack.http import FormPart, Payload, multipart_parts
from sandbox.snapshot import FILES_PATH, file_url
from sandbox.workspace import SandboxError, Submission

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
LONG_POLL_SECONDS = 20.0
MAX_BODY = 64 * 1024 * 1024  # uploads: a long voice memo fits; the bot applies its own limits


class PageBackend(Protocol):
    """What the page server needs from the sandbox it shows; each method answers one route and
    raises `SandboxError` for what Slack would refuse (see the API in sandbox/__init__.py)."""

    def state(self) -> Payload:
        """GET /sandbox/api/state: the team, bot, people, channels, language and time zone."""
        ...

    def snapshot(self, user_id: str, since: int, wait: float) -> Payload:
        """GET /sandbox/api/snapshot: what `user_id` sees once the version is not `since`
        (waiting at most `wait` seconds)."""
        ...

    def command(self, user_id: str, channel: str, text: str) -> None:
        """POST command: `/deal …` as a slash command, other text as a message."""
        ...

    def action(
        self,
        user_id: str,
        action: Mapping[str, Any],
        *,
        channel: str | None,
        message_ts: str | None,
        view_id: str | None,
        values: Mapping[str, Any] | None,
    ) -> None:
        """POST action: a click in a message (channel + message_ts) or a view (view_id)."""
        ...

    def submit(self, user_id: str, view_id: str, values: Mapping[str, Any]) -> Submission:
        """POST submit: the modal's submit button."""
        ...

    def close(self, user_id: str, view_id: str) -> None:
        """POST close: a modal closed."""
        ...

    def home(self, user_id: str) -> None:
        """POST home: the App Home tab opened."""
        ...

    def upload(
        self, user_id: str, channel: str, filename: str, content: bytes, mimetype: str | None, text: str
    ) -> str:
        """POST upload: a file shared with an optional message; returns the file's id."""
        ...

    def run_job(self, job: str, as_of: str | None) -> str:
        """POST clock: reminders or the digest now, or as of a moment; returns a summary."""
        ...

    def set_locale(self, locale: str) -> None:
        """POST locale: the bot's language."""
        ...

    def shared_file(self, file_id: str) -> tuple[str, bytes] | None:
        """GET /sandbox/files/<id>: a shared file's mimetype and bytes, None if unknown."""
        ...


class PageServer:
    """Serves the page for one sandbox on HOST:PORT (port 0 picks a free one)."""

    def __init__(self, sandbox: PageBackend, host: str, port: int) -> None:
        self.sandbox = sandbox
        self._server = _Server((host, port), self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-page", daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else str(host)
        return f"http://{shown}:{port}/"

    # -- routes answer (status, content type, body)

    def get(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        if path in ("/", "/index.html"):
            return _static("index.html")
        if path.startswith("/static/"):
            return _static(path.removeprefix("/static/"))
        if path.startswith(FILES_PATH):
            return self._file(unquote(path.removeprefix(FILES_PATH).split("/")[0]))
        if path == "/sandbox/api/state":
            return _json(self.sandbox.state())
        if path == "/sandbox/api/snapshot":
            return self._snapshot(query)
        raise SandboxError(f"Nothing at {path}.", 404)

    def post(self, path: str, body: Any) -> tuple[int, str, bytes]:
        route = path.removeprefix("/sandbox/api/")
        if route == "upload":
            return self._upload(body)
        data = _object(body)
        if route == "command":
            self.sandbox.command(_field(data, "user"), _field(data, "channel"), _field(data, "text"))
        elif route == "action":
            action = data.get("action")
            if not isinstance(action, dict):
                raise SandboxError("action must be an object with action_id, block_id and type.")
            self.sandbox.action(
                _field(data, "user"),
                action,
                channel=data.get("channel"),
                message_ts=data.get("message_ts"),
                view_id=data.get("view_id"),
                values=data.get("values") if isinstance(data.get("values"), dict) else None,
            )
        elif route == "submit":
            values = data.get("values") or {}
            if not isinstance(values, dict):
                raise SandboxError("values must be an object: block_id → action_id → value.")
            result = self.sandbox.submit(_field(data, "user"), _field(data, "view_id"), values)
            return _json({"ok": True, "response_action": result.response_action, "errors": result.errors})
        elif route == "close":
            self.sandbox.close(_field(data, "user"), _field(data, "view_id"))
        elif route == "home":
            self.sandbox.home(_field(data, "user"))
        elif route == "clock":
            as_of = data.get("as_of")
            summary = self.sandbox.run_job(_field(data, "job"), str(as_of) if as_of else None)
            return _json({"ok": True, "summary": summary})
        elif route == "locale":
            self.sandbox.set_locale(_field(data, "locale"))
        else:
            raise SandboxError(f"Nothing at {path}.", 404)
        return _json({"ok": True})

    def _snapshot(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        user = (query.get("user") or [""])[0]
        since_text = (query.get("since") or ["-1"])[0]
        try:
            since = int(since_text)
        except ValueError:
            raise SandboxError(f"since must be a version number, not {since_text!r}.") from None
        return _json(self.sandbox.snapshot(user, since, LONG_POLL_SECONDS))

    def _file(self, file_id: str) -> tuple[int, str, bytes]:
        found = self.sandbox.shared_file(file_id)
        if found is None:
            raise SandboxError(f"No file {file_id!r}.", 404)
        mimetype, content = found
        return 200, mimetype, content

    def _upload(self, fields: Any) -> tuple[int, str, bytes]:
        if not isinstance(fields, dict) or not isinstance(fields.get("file"), FormPart):
            raise SandboxError("Send multipart/form-data with a file, user and channel.")
        part = cast(FormPart, fields["file"])
        file_id = self.sandbox.upload(
            _field(fields, "user"),
            _field(fields, "channel"),
            part.filename or "upload",
            part.content,
            part.mimetype,
            str(fields.get("text") or ""),
        )
        return _json({"ok": True, "file": {"id": file_id, "url": file_url(file_id)}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], page: PageServer) -> None:
        super().__init__(address, _Handler)
        self.page = page

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser hanging up (a long poll abandoned) is not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dealbot-sandbox/1.0"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, verb: str) -> None:
        page = cast(_Server, self.server).page
        split = urlsplit(self.path)
        try:
            self._check_origin()
            if verb == "GET":
                status, ctype, body = page.get(split.path, parse_qs(split.query))
            elif split.path.startswith("/sandbox/api/"):
                status, ctype, body = page.post(split.path, self._body())
            else:
                raise SandboxError(f"Nothing to POST at {split.path}.", 405)
        except SandboxError as exc:
            status, ctype, body = _json({"ok": False, "error": exc.message}, exc.status)
        except Exception as exc:
            log.exception("sandbox request %s %s failed", verb, split.path)
            status, ctype, body = _json({"ok": False, "error": f"{type(exc).__name__}: {exc}"}, 500)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _check_origin(self) -> None:
        origin = self.headers.get("Origin")
        if origin and urlsplit(origin).netloc != self.headers.get("Host"):
            raise SandboxError("Requests from other sites are not accepted.", 403)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise SandboxError(f"Too large: the sandbox takes up to {MAX_BODY // (1024 * 1024)} MB.", 413)
        raw = self.rfile.read(length) if length else b""
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("multipart/form-data"):
            return _multipart(raw, ctype)
        if not ctype.startswith("application/json"):
            raise SandboxError("Send JSON (Content-Type: application/json).", 415)
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            raise SandboxError("The body is not valid JSON.") from None

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("page: " + format, *args)


def _multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    return {
        part.name: part if part.filename is not None else part.content.decode("utf-8", errors="replace")
        for part in multipart_parts(raw, content_type)
    }


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SandboxError("Send a JSON object.")
    return body


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise SandboxError(f"{name} is missing.")
    return value


def _json(payload: dict[str, Any], status: int = 200) -> tuple[int, str, bytes]:
    return status, "application/json; charset=utf-8", json.dumps(payload, ensure_ascii=False).encode()


def _static(name: str) -> tuple[int, str, bytes]:
    path = (STATIC / name).resolve()
    if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
        raise SandboxError(f"No page file {name!r}.", 404)
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "text/javascript"):
        ctype += "; charset=utf-8"
    return 200, ctype, path.read_bytes()
