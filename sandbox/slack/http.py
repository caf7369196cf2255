"""The stand-in's HTTP layer: the threaded server on loopback, its routes, requests and replies.

`Server` reads each request into a `Request`, hands it to `route`, which picks the `Routes`
method for the path (Web API method, file download, external upload, response_url), and writes
the `Reply` back. Arguments arrive however slack_sdk sends them (query string, form, JSON or
multipart) and `web_api_args` decodes them all into one dict.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl, unquote, urlsplit

Payload = dict[str, Any]

# Arguments Slack accepts as JSON strings in form posts; decoded so `Call.args` is uniform.
_JSON_ARGS = frozenset({"blocks", "attachments", "view", "files", "metadata"})


class Headers(dict[str, str]):
    """HTTP headers as a dict whose lookups ignore case (keys are stored lower-cased)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__((key.lower(), value) for key, value in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class Request:
    verb: str
    path: str
    query: str
    headers: Headers
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type alone, lower-cased (`multipart/form-data`, without the boundary)."""
        return str(self.headers.get("content-type", "")).split(";")[0].strip().lower()

    @property
    def bearer(self) -> str | None:
        """The token of `Authorization: Bearer …`, if any."""
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]


def json_reply(payload: Payload, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Reply(status, body, "application/json; charset=utf-8", headers or {})


def text_reply(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, text.encode(), "text/plain; charset=utf-8", headers or {})


@dataclass(frozen=True)
class FormPart:
    """One field of a multipart/form-data body; `filename` is set for a file."""

    name: str
    content: bytes
    filename: str | None
    mimetype: str


def multipart_parts(body: bytes, content_type: str) -> Iterator[FormPart]:
    """The fields of a multipart/form-data body (`content_type` carries the boundary)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        content = data if isinstance(data, bytes) else b""
        yield FormPart(name, content, part.get_filename(), part.get_content_type())


def multipart_fields(req: Request) -> dict[str, Any]:
    """Text fields as str, files as bytes (the first file's name also as `filename`)."""
    fields: dict[str, Any] = {}
    for part in multipart_parts(req.body, req.headers["content-type"]):
        fields[part.name] = part.content if part.filename else part.content.decode()
        if part.filename:
            fields.setdefault("filename", part.filename)
    return fields


def web_api_args(req: Request) -> dict[str, Any]:
    """Arguments from the query string and the body, whatever encoding slack_sdk used."""
    args: dict[str, Any] = dict(parse_qsl(req.query, keep_blank_values=True))
    if req.content_type == "application/json" and req.body:
        decoded = json.loads(req.body)
        args.update(decoded if isinstance(decoded, dict) else {})
    elif req.content_type == "application/x-www-form-urlencoded":
        args.update(parse_qsl(req.body.decode(), keep_blank_values=True))
    elif req.content_type == "multipart/form-data":
        args.update(multipart_fields(req))
    for key in _JSON_ARGS & args.keys():
        if isinstance(args[key], str) and args[key][:1] in {"[", "{"}:
            with contextlib.suppress(ValueError):  # else left as sent
                args[key] = json.loads(args[key])
    return args


class Routes(Protocol):
    """What the server's paths lead to (the stand-in implements these)."""

    def api(self, req: Request, method: str) -> Reply: ...

    def download(self, req: Request, file_id: str) -> Reply: ...

    def upload(self, req: Request, file_id: str) -> Reply: ...

    def hook(self, req: Request) -> Reply: ...


def route(routes: Routes, req: Request) -> Reply:
    """`/api/<method>`, `/files/<id>/<name>`, `/upload/v1/<file_id>`, `/hooks/…`; else 404."""
    parts = [unquote(p) for p in req.path.split("/") if p]
    if len(parts) == 2 and parts[0] == "api" and req.verb in {"GET", "POST"}:
        return routes.api(req, parts[1])
    if len(parts) >= 3 and parts[0] == "files" and req.verb in {"GET", "HEAD"}:
        return routes.download(req, parts[1])
    if len(parts) == 3 and parts[:2] == ["upload", "v1"] and req.verb == "POST":
        return routes.upload(req, parts[2])
    if parts and parts[0] == "hooks" and req.verb == "POST":
        return routes.hook(req)
    return text_reply(404, "Not Found")


Dispatch = Callable[[Request], Reply]


class Server:
    """A threaded HTTP server on `address` (port 0 picks a free one) answering with `dispatch`."""

    def __init__(self, address: tuple[str, int], dispatch: Dispatch, name: str) -> None:
        self._server = _HTTPServer(address, dispatch)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{name}:{self.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeSlack/1.0"
    timeout = 30  # seconds an idle keep-alive connection may hold a thread

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        request = Request(self.command, split.path, split.query, Headers(self.headers.items()), body)
        reply = cast(_HTTPServer, self.server).dispatch(request)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr line."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], dispatch: Dispatch) -> None:
        super().__init__(address, _Handler)
        self.dispatch = dispatch

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-request is not worth a traceback on stderr."""
