"""The Slack stand-in: a real Web API server on 127.0.0.1 that the app reaches via `SLACK_API_URL`.

One implementation for the end-to-end tests (as `FakeSlackAPI`, re-exported by `tests/fakes`) and
for `dealbot sandbox` (as `SlackStandIn`), which also keeps the workspace a page shows: messages
per channel with threads, ephemeral messages per user, each user's modal stack, App Home views,
files and reactions, with a `version` that long-polling readers wait on (`wait_for_change`).

Nothing in slack_sdk is mocked: point a `WebClient(base_url=fake.url)` (or the app's settings)
at the server and it speaks HTTP exactly as it would to https://slack.com/api/.

    with SlackStandIn() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        client.chat_postMessage(channel="C0SALES", text="hi")
        [call] = fake.wait_for("chat.postMessage")
        assert call.args["text"] == "hi"

Routes served (root is `http://127.0.0.1:PORT`):

- `POST|GET /api/<method>`: Web API methods; form-encoded, JSON, multipart or query-string
  arguments; `Authorization: Bearer xoxb-…` (or `token=`) is checked. Unknown methods answer
  `{"ok": false, "error": "unknown_method"}` with HTTP 200, as Slack does.
- `GET /files/<id>/<name>`: `url_private(_download)` of files from `add_file()` or uploads; a
  missing/bad token gets Slack's HTML login page (HTTP 200, text/html), like the real thing.
- `POST /upload/v1/<file_id>`: the upload URL handed out by `files.getUploadURLExternal`.
- `POST /hooks/...`: response_url targets (see `response_url()` and `SlackClient(api_url=...)`).

Every request is recorded as a `Call`; the non-API routes are recorded under the pseudo-method
names `file_download`, `file_upload` and `response_url` (Slack method names always contain a dot).

Realism switches: `strict=True` makes unknown users/messages/views and repeated reactions or
trigger_ids fail the way Slack does (`user_not_found`, `message_not_found`, `not_found`,
`hash_conflict`, `already_reacted`, `exchanged_trigger_id`); by default those are accepted so
tests can use made-up ids. Block Kit limits (lengths, counts) are always checked unless
`validate_blocks=False`: messages fail with `invalid_blocks`, views with `invalid_arguments`.
`users.info` returns `locale` only when called with `include_locale=true`, as Slack does.

Acting as Slack's client (the sandbox): `issue_trigger(user)` hands out trigger_ids that tie
`views.open`/`views.push` to that user's modal stack; `response_url(kind, context=HookContext(…))`
makes `respond()` calls land where Slack would put them (ephemeral to the user, in the channel,
replacing or deleting the original); `post_user_message`, `post_ephemeral`, `close_view` and
`finish_submission` apply what the person did and what the app answered.
"""

from __future__ import annotations

import contextlib
import copy
import email.parser
import email.policy
import itertools
import json
import mimetypes
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.slack.block_kit import blocks_errors, view_errors

TEAM_ID = "T0TEAM"
TEAM_DOMAIN = "t0team"
TEAM_NAME = "T0 Team"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
BOT_NAME = "dealbot"
APP_ID = "A0APP"
FIRST_TS = "1732400000.000100"

# Arguments Slack accepts as JSON strings in form posts; decoded so `Call.args` is uniform.
_JSON_ARGS = frozenset({"blocks", "attachments", "view", "files", "metadata"})
_TS_STEP_US = 100
_MAX_STACK = 3  # modals a user can have stacked (views.push answers push_limit_reached beyond)
_MAX_TEXT = 40_000

_LOGIN_PAGE = (
    b'<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="utf-8">'
    b"<title>Slack</title></head><body><h1>Sign in to T0 Team</h1>"
    b'<form action="/signin" method="post"><input type="email" name="email">'
    b'<input type="password" name="password"><button>Sign in</button></form>'
    b"</body></html>\n"
)

Payload = dict[str, Any]
Responder = Payload | Callable[[dict[str, Any]], Payload]


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
class Call:
    """One request the fake received.

    `args` are the decoded arguments (JSON-string fields such as `blocks`/`view` are parsed);
    `status` and `response` are what the fake answered (`response` is None for non-JSON routes).
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    time: float
    status: int = 200
    response: Payload | None = None
    path: str = ""


@dataclass(frozen=True)
class _Request:
    verb: str
    path: str
    query: str
    headers: Headers
    body: bytes


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]


@dataclass
class _Fault:
    status: int
    error: str
    retry_after: int | None
    remaining: int

    def headers(self) -> dict[str, str]:
        if self.status == 429 and self.retry_after is not None:
            return {"Retry-After": str(self.retry_after)}
        return {}


@dataclass(frozen=True)
class HookContext:
    """Where a response_url's answers land: for whom, in which channel, from which message."""

    user: str
    channel: str
    message_ts: str | None = None  # the message whose button was clicked (None for a slash command)
    ephemeral: bool = False  # that message is an ephemeral one shown to `user`


@dataclass
class _StoredFile:
    meta: Payload
    content: bytes


@dataclass
class _PendingUpload:
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None


_trigger_counter = itertools.count(1)


def new_trigger_id() -> str:
    """A fresh trigger_id shaped like Slack's (`digits.digits.hex`)."""
    return f"{int(time.time() * 1000)}.{next(_trigger_counter):010d}.{secrets.token_hex(16)}"


def _json_reply(
    payload: Payload, status: int = 200, headers: dict[str, str] | None = None
) -> _Reply:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return _Reply(status, body, "application/json; charset=utf-8", headers or {})


def _text_reply(status: int, text: str, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, text.encode(), "text/plain; charset=utf-8", headers or {})


def _error(error: str, *messages: str) -> Payload:
    payload: Payload = {"ok": False, "error": error}
    if messages:
        payload["response_metadata"] = {"messages": list(messages)}
    return payload


def _truthy(value: Any) -> bool:
    return value is True or value == 1 or str(value).lower() in {"true", "1"}


def _bearer(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _content_type(headers: Headers) -> str:
    return str(headers.get("content-type", "")).split(";")[0].strip().lower()


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


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for part in multipart_parts(body, content_type):
        fields[part.name] = part.content if part.filename else part.content.decode()
        if part.filename:
            fields.setdefault("filename", part.filename)
    return fields


def _parse_args(req: _Request) -> dict[str, Any]:
    """Arguments from the query string and the body, whatever encoding slack_sdk used."""
    args: dict[str, Any] = dict(parse_qsl(req.query, keep_blank_values=True))
    ctype = _content_type(req.headers)
    if ctype == "application/json" and req.body:
        decoded = json.loads(req.body)
        args.update(decoded if isinstance(decoded, dict) else {})
    elif ctype == "application/x-www-form-urlencoded":
        args.update(parse_qsl(req.body.decode(), keep_blank_values=True))
    elif ctype == "multipart/form-data":
        args.update(_parse_multipart(req.body, req.headers["content-type"]))
    for key in _JSON_ARGS & args.keys():
        if isinstance(args[key], str) and args[key][:1] in {"[", "{"}:
            with contextlib.suppress(ValueError):  # else left as sent
                args[key] = json.loads(args[key])
    return args


def _tz_fields(tz_name: str) -> Payload:
    try:
        now = datetime.now(ZoneInfo(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        now = datetime.now(UTC)
    offset = now.utcoffset()
    return {
        "tz": tz_name,
        "tz_label": now.tzname() or tz_name,
        "tz_offset": int(offset.total_seconds()) if offset else 0,
    }


def _user_object(
    user_id: str, name: str, locale: str, tz: str, real_name: str, email: str | None, is_bot: bool
) -> Payload:
    profile: Payload = {
        "real_name": real_name,
        "display_name": name,
        "real_name_normalized": real_name,
        "display_name_normalized": name,
        "team": TEAM_ID,
        "image_48": f"https://avatars.example/{user_id}_48.png",
    }
    if email:
        profile["email"] = email
    if is_bot:
        profile["bot_id"] = BOT_ID
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": name,
        "deleted": False,
        "real_name": real_name,
        **_tz_fields(tz),
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_bot": is_bot,
        "is_app_user": False,
        "updated": 1_700_000_000,
        "locale": locale,
    }


# --- HTTP plumbing ----------------------------------------------------------------------------


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
        request = _Request(
            self.command, split.path, split.query, Headers(self.headers.items()), body
        )
        reply = cast(_Server, self.server).fake.dispatch(request)
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: SlackStandIn) -> None:
        super().__init__(address, _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up mid-request is not worth a traceback on stderr."""


# --- The fake -------------------------------------------------------------------------------


class SlackStandIn:
    """Slack's Web API on 127.0.0.1, recording every call (see the module docstring)."""

    def __init__(
        self,
        *,
        valid_tokens: Iterable[str] | None = None,
        strict: bool = False,
        validate_blocks: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        team_name: str = TEAM_NAME,
        dm_channels: Mapping[str, str] | None = None,
        real_time: bool = False,
    ) -> None:
        """`dm_channels` maps user ids to the ids of their DMs with the bot (default `D<user id>`);
        `real_time` makes message ts follow the clock (else they count up from FIRST_TS)."""
        self.valid_tokens = set(valid_tokens) if valid_tokens is not None else None
        self.team_name = team_name
        self.real_time = real_time
        self.version = 0  # goes up with every call and every change (see wait_for_change)
        self._dm_channels = dict(dm_channels or {})
        self.strict = strict
        self.validate_blocks = validate_blocks
        self.errors: list[BaseException] = []  # exceptions raised inside the fake (its own bugs)
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition(threading.RLock())
        self._ids = itertools.count(1)
        self._users: dict[str, Payload] = {}
        self._files: dict[str, _StoredFile] = {}
        self._clear_state()
        self._methods: dict[str, Callable[[dict[str, Any]], Payload]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "files.info": self._files_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self.add_user(BOT_USER_ID, BOT_NAME, real_name="Dealbot", is_bot=True)

    def _clear_state(self) -> None:
        self._calls: list[Call] = []
        self._faults: dict[str, list[_Fault]] = {}
        self._overrides: dict[str, Responder] = {}
        self._messages: dict[tuple[str, str], Payload] = {}
        self._views: dict[str, Payload] = {}
        self._home_views: dict[str, str] = {}
        self._reactions: set[tuple[str, str, str]] = set()
        self._used_triggers: set[str] = set()
        self._uploads: dict[str, _PendingUpload] = {}
        self._ephemeral: list[Payload] = []  # {"channel", "user" (who sees it), "message"}
        self._stacks: dict[str, list[str]] = {}  # user → their open modals' view ids, bottom first
        self._trigger_users: dict[str, str] = {}  # trigger_id (from issue_trigger) → user
        self._hooks: dict[str, HookContext] = {}  # response_url path → where its answers land
        self._ts_us = self._ts_to_us(FIRST_TS) - _TS_STEP_US

    # -- lifecycle

    def start(self) -> Self:
        """Bind an ephemeral port on 127.0.0.1 and serve in a daemon thread (idempotent)."""
        if self._server is None:
            self._server = _Server(self._address, self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"SlackStandIn:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Slack stand-in is not started; call start() or use `with`")
        return int(self._server.server_address[1])

    @property
    def root(self) -> str:
        """`http://127.0.0.1:PORT` (no trailing slash)."""
        return f"http://{self._address[0]}:{self.port}"

    @property
    def url(self) -> str:
        """The Web API base URL for `WebClient(base_url=...)` / `SLACK_API_URL`."""
        return f"{self.root}/api/"

    @property
    def hooks_url(self) -> str:
        """Prefix of the response_url endpoints served here."""
        return f"{self.root}/hooks/"

    def response_url(self, kind: str = "commands", context: HookContext | None = None) -> str:
        """A fresh response_url on this server, shaped like Slack's hooks.slack.com ones.

        With a `context`, what the app posts there shows up as Slack would show it (see `_respond`);
        without one it is only recorded.
        """
        url = f"{self.hooks_url}{kind}/{TEAM_ID}/{next(self._ids)}/{secrets.token_hex(12)}"
        if context is not None:
            with self._cond:
                self._hooks[urlsplit(url).path] = context
        return url

    def issue_trigger(self, user_id: str) -> str:
        """A trigger_id for an interaction by `user_id`: the modal it opens joins their stack."""
        trigger_id = new_trigger_id()
        with self._cond:
            self._trigger_users[trigger_id] = user_id
        return trigger_id

    # -- configuration

    def add_user(
        self,
        id: str,
        name: str,
        locale: str = "en-US",
        tz: str = "UTC",
        *,
        real_name: str | None = None,
        email: str | None = None,
        is_bot: bool = False,
    ) -> Payload:
        """Register a user for `users.info`; returns the user object (with `locale`)."""
        user = _user_object(id, name, locale, tz, real_name or name.title(), email, is_bot)
        with self._cond:
            self._users[id] = user
        return copy.deepcopy(user)

    def add_file(
        self,
        file_id: str,
        content: bytes,
        name: str,
        mimetype: str,
        filetype: str,
        size: int | None = None,
        user: str = "U0REP",
        *,
        title: str | None = None,
        extra: Payload | None = None,
    ) -> Payload:
        """Register a file for `files.info` and `/files/<id>/<name>` downloads.

        `extra` is merged into the file object (e.g. `{"subtype": "slack_audio",
        "duration_ms": 4200}` for a voice clip). Returns the file object; its URLs are only
        present when the server is started.
        """
        meta: Payload = {
            "id": file_id,
            "created": int(time.time()),
            "timestamp": int(time.time()),
            "name": name,
            "title": title or name,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": user,
            "user_team": TEAM_ID,
            "editable": False,
            "size": len(content) if size is None else size,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "channels": [],
            "groups": [],
            "ims": [],
            "comments_count": 0,
            **(extra or {}),
        }
        with self._cond:
            self._files[file_id] = _StoredFile(meta, content)
            return self._file_object(file_id)

    def set_response(self, method: str, payload: Responder | None) -> None:
        """Answer `method` with `payload` (a dict, or a function of the call's args) from now on.

        Works for methods the fake does not implement too; `None` removes the override.
        """
        with self._cond:
            if payload is None:
                self._overrides.pop(method, None)
            else:
                self._overrides[method] = payload

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with `{"ok": false, "error": error}`.

        Status 429 adds `Retry-After: retry_after`. Use e.g. `status=200,
        error="channel_not_found"` for an API-level error. Also works for the pseudo-methods
        `file_download`, `file_upload` and `response_url`.
        """
        with self._cond:
            self._faults.setdefault(method, []).append(_Fault(status, error, retry_after, times))

    def reset(self) -> None:
        """Forget calls, faults, overrides, messages, views and uploads; keep users and files."""
        with self._cond:
            self._clear_state()
            self._cond.notify_all()

    # -- inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """Calls received so far, oldest first, optionally only those of `method`."""
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until `count` calls of `method` arrived; return all of them so far."""
        with self._cond:
            arrived = self._cond.wait_for(lambda: len(self.calls(method)) >= count, timeout)
            if not arrived:
                seen = [c.method for c in self._calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s, "
                    f"got {len(self.calls(method))}; calls seen: {seen}"
                )
            return self.calls(method)

    def messages(self, channel: str | None = None) -> list[Payload]:
        """Messages currently in channels (posted, updated, not deleted), each with `channel`."""
        with self._cond:
            return [
                {"channel": ch, **copy.deepcopy(msg)}
                for (ch, _), msg in self._messages.items()
                if channel is None or ch == channel
            ]

    def views(self) -> list[Payload]:
        """Views currently opened/pushed/updated/published, oldest first."""
        with self._cond:
            return copy.deepcopy(list(self._views.values()))

    def view(self, view_id: str) -> Payload | None:
        with self._cond:
            return copy.deepcopy(self._views.get(view_id))

    def home_view(self, user_id: str) -> Payload | None:
        """The App Home view last published for `user_id`."""
        with self._cond:
            view_id = self._home_views.get(user_id)
            return self.view(view_id) if view_id else None

    def file(self, file_id: str) -> Payload | None:
        """A file object as `files.info` returns it, or None."""
        with self._cond:
            return self._file_object(file_id) if file_id in self._files else None

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a registered or uploaded file (KeyError if unknown)."""
        with self._cond:
            return self._files[file_id].content

    # -- request dispatch (called from server threads)

    def dispatch(self, req: _Request) -> _Reply:
        try:
            return self._route(req)
        except Exception as exc:  # a bug in the fake: keep serving, let tests see it
            with self._cond:
                self.errors.append(exc)
            return _json_reply(_error("fatal_error"), status=500)

    def _route(self, req: _Request) -> _Reply:
        parts = [unquote(p) for p in req.path.split("/") if p]
        if len(parts) == 2 and parts[0] == "api" and req.verb in {"GET", "POST"}:
            return self._api(req, parts[1])
        if len(parts) >= 3 and parts[0] == "files" and req.verb in {"GET", "HEAD"}:
            return self._download(req, parts[1])
        if len(parts) == 3 and parts[:2] == ["upload", "v1"] and req.verb == "POST":
            return self._upload(req, parts[2])
        if parts and parts[0] == "hooks" and req.verb == "POST":
            return self._hook(req)
        return _text_reply(404, "Not Found")

    def _record(
        self,
        method: str,
        args: dict[str, Any],
        req: _Request,
        reply: _Reply,
        response: Payload | None = None,
    ) -> None:
        call = Call(method, args, req.headers, time.time(), reply.status, response, req.path)
        with self._cond:
            self._calls.append(call)
            self._changed()

    def _changed(self) -> None:
        """Something a reader may show has changed: wake `wait_for` and `wait_for_change`."""
        with self._cond:
            self.version += 1
            self._cond.notify_all()

    def _api(self, req: _Request, method: str) -> _Reply:
        args = _parse_args(req)
        with self._cond:
            status, payload, headers = self._answer(
                method, args, _bearer(req.headers) or args.get("token")
            )
            reply = _json_reply(payload, status, headers)
            self._record(method, args, req, reply, payload)
        return reply

    def _answer(
        self, method: str, args: dict[str, Any], token: Any
    ) -> tuple[int, Payload, dict[str, str]]:
        handler = self._methods.get(method)
        if handler is None and method not in self._overrides:
            return 200, {**_error("unknown_method"), "req_method": method}, {}
        auth_error = self._auth_error(method, token)
        if auth_error:
            return 200, _error(auth_error), {}
        fault = self._take_fault(method)
        if fault is not None:
            return fault.status, _error(fault.error), fault.headers()
        override = self._overrides.get(method)
        if override is not None:
            return 200, copy.deepcopy(override(args) if callable(override) else override), {}
        assert handler is not None
        return 200, handler(args), {}

    def _token_valid(self, token: str) -> bool:
        if self.valid_tokens is not None:
            return token in self.valid_tokens
        return token.startswith(("xoxb-", "xapp-"))

    def _auth_error(self, method: str, token: Any) -> str | None:
        if not isinstance(token, str) or not token:
            return "not_authed"
        if not self._token_valid(token):
            return "invalid_auth"
        if token.startswith("xapp-") != (method == "apps.connections.open"):
            return "not_allowed_token_type"
        return None

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault

    def _download(self, req: _Request, file_id: str) -> _Reply:
        token = _bearer(req.headers)
        with self._cond:
            fault = self._take_fault("file_download")
            stored = self._files.get(file_id)
            if fault is not None:
                reply = _text_reply(fault.status, fault.error, fault.headers())
            elif token is None or not self._token_valid(token) or token.startswith("xapp-"):
                reply = _Reply(200, _LOGIN_PAGE, "text/html; charset=utf-8", {})
            elif stored is None:
                reply = _text_reply(404, "File not found")
            else:
                disposition = f"attachment; filename*=UTF-8''{quote(stored.meta['name'])}"
                reply = _Reply(
                    200,
                    stored.content,
                    stored.meta["mimetype"],
                    {"Content-Disposition": disposition},
                )
            self._record("file_download", {"file_id": file_id}, req, reply)
        return reply

    def _upload(self, req: _Request, file_id: str) -> _Reply:
        content = req.body
        if _content_type(req.headers) == "multipart/form-data":
            fields = _parse_multipart(req.body, req.headers["content-type"])
            content = next((v for v in fields.values() if isinstance(v, bytes)), b"")
        with self._cond:
            fault = self._take_fault("file_upload")
            pending = self._uploads.get(file_id)
            if fault is not None:
                reply = _text_reply(fault.status, fault.error, fault.headers())
            elif pending is None:
                reply = _text_reply(404, "Not Found")
            else:
                pending.content = content
                reply = _text_reply(200, f"OK - {len(content)}")
            self._record("file_upload", {"file_id": file_id, "size": len(content)}, req, reply)
        return reply

    def _hook(self, req: _Request) -> _Reply:
        args = _parse_args(req)
        with self._cond:
            fault = self._take_fault("response_url")
            context = self._hooks.get(req.path)
            if fault is not None:
                reply = _text_reply(fault.status, fault.error, fault.headers())
            elif context is not None:
                error = self._respond(context, args)
                reply = _text_reply(400, error) if error else _text_reply(200, "ok")
            else:
                reply = _text_reply(200, "ok")
            self._record("response_url", args, req, reply)
        return reply

    # -- helpers for method handlers (called with the lock held)

    @staticmethod
    def _ts_to_us(ts: str) -> int:
        seconds, _, micros = ts.partition(".")
        return int(seconds) * 1_000_000 + int(micros.ljust(6, "0"))

    def _next_ts(self) -> str:
        self._ts_us += _TS_STEP_US
        if self.real_time:
            self._ts_us = max(self._ts_us, int(time.time() * 1_000_000))
        return f"{self._ts_us // 1_000_000}.{self._ts_us % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    def _channel_for(self, channel: str) -> str:
        """Posting to a user id lands in the DM with them, as on Slack."""
        return self.dm_channel(channel) if channel[:1] in {"U", "W"} else channel

    def dm_channel(self, user_id: str) -> str:
        """The id of `user_id`'s DM with the bot."""
        return self._dm_channels.get(user_id, f"D{user_id}")

    def _bot_message(self, args: dict[str, Any], ts: str) -> Payload:
        message: Payload = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": args.get("text", ""),
            "ts": ts,
            "bot_profile": {
                "id": BOT_ID,
                "app_id": APP_ID,
                "name": BOT_NAME,
                "deleted": False,
                "team_id": TEAM_ID,
            },
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in args:
                message[key] = args[key]
        return message

    def _content_error(self, args: dict[str, Any], *, need_content: bool = True) -> Payload | None:
        if not args.get("channel"):
            return _error("channel_not_found")
        if need_content and not any(args.get(k) for k in ("text", "blocks", "attachments")):
            return _error("no_text")
        if len(str(args.get("text", ""))) > _MAX_TEXT:
            return _error("msg_too_long")
        if "blocks" in args and self.validate_blocks:
            messages = blocks_errors(args["blocks"], 50)
            if messages:
                return {
                    **_error("invalid_blocks", *messages),
                    "errors": [m.removeprefix("[ERROR] ") for m in messages],
                }
        return None

    def _view_error(self, view: Any) -> Payload | None:
        messages = view_errors(view) if self.validate_blocks or not isinstance(view, dict) else []
        return _error("invalid_arguments", *messages) if messages else None

    def _trigger_error(self, trigger_id: Any) -> Payload | None:
        if not trigger_id:
            return _error("invalid_arguments", "[ERROR] missing required field: trigger_id")
        if self.strict and trigger_id in self._used_triggers:
            return _error("exchanged_trigger_id")
        self._used_triggers.add(trigger_id)
        return None

    def _permalink(self, channel: str, ts: str) -> str:
        return f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    def _file_object(self, file_id: str) -> Payload:
        stored = self._files[file_id]
        meta = copy.deepcopy(stored.meta)
        if self._server is not None:
            url = f"{self.root}/files/{quote(file_id)}/{quote(meta['name'])}"
            meta.update(url_private=url, url_private_download=url)
        meta["permalink"] = (
            f"https://{TEAM_DOMAIN}.slack.com/files/{meta['user']}/{file_id}/{meta['name']}"
        )
        return meta

    # -- Web API methods

    def _auth_test(self, args: dict[str, Any]) -> Payload:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": self.team_name,
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> Payload:
        return {"ok": True, "url": "ws://127.0.0.1:1/"}

    def _chat_post_message(self, args: dict[str, Any]) -> Payload:
        error = self._content_error(args)
        if error:
            return error
        channel, ts = self._channel_for(args["channel"]), self._next_ts()
        message = self._bot_message(args, ts)
        self._messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> Payload:
        error = self._content_error(args)
        if error:
            return error
        if not args.get("user"):
            return _error("user_not_found")
        user = str(args["user"])
        if self.strict and user not in self._users:
            return _error("user_not_found")
        message = self._store_ephemeral(self._channel_for(str(args["channel"])), user, args)
        return {"ok": True, "message_ts": message["ts"]}

    def _store_ephemeral(self, channel: str, user: str, args: Mapping[str, Any]) -> Payload:
        message = self._bot_message(dict(args), self._next_ts())
        self._ephemeral.append({"channel": channel, "user": user, "message": message})
        return message

    def _chat_update(self, args: dict[str, Any]) -> Payload:
        error = self._content_error(args, need_content=False)
        if error:
            return error
        key = (args["channel"], str(args.get("ts", "")))
        if key not in self._messages and (self.strict or not key[1]):
            return _error("message_not_found")
        message = self._messages.setdefault(key, self._bot_message({}, key[1]))
        for field in ("text", "blocks", "attachments", "metadata"):
            if field in args:
                message[field] = args[field]
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": key[0],
            "ts": key[1],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_delete(self, args: dict[str, Any]) -> Payload:
        if not args.get("channel"):
            return _error("channel_not_found")
        key = (args["channel"], str(args.get("ts", "")))
        if self._messages.pop(key, None) is None and (self.strict or not key[1]):
            return _error("message_not_found")
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _chat_get_permalink(self, args: dict[str, Any]) -> Payload:
        channel, ts = args.get("channel"), args.get("message_ts")
        if not channel:
            return _error("channel_not_found")
        if not ts or (self.strict and (channel, ts) not in self._messages):
            return _error("message_not_found")
        return {"ok": True, "channel": channel, "permalink": self._permalink(channel, ts)}

    def _conversations_open(self, args: dict[str, Any]) -> Payload:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if args.get("channel"):
            channel_id = str(args["channel"])
        elif len(users) == 1:
            channel_id = self.dm_channel(users[0])
        elif users:
            channel_id = "G" + "".join(sorted(u.lstrip("UW") for u in users))[:10]
        else:
            return _error("users_list_not_supplied")
        return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel_id}}

    def _users_info(self, args: dict[str, Any]) -> Payload:
        user_id = str(args.get("user", ""))
        user = self._users.get(user_id)
        if user is None:
            if self.strict or user_id[:1] not in {"U", "W"}:
                return _error("user_not_found")
            user = _user_object(user_id, user_id.lower(), "en-US", "UTC", user_id, None, False)
        user = copy.deepcopy(user)
        if not _truthy(args.get("include_locale", False)):
            user.pop("locale", None)
        return {"ok": True, "user": user}

    def _store_view(self, view: Payload, view_id: str, **fields: Any) -> Payload:
        stored: Payload = {
            "team_id": TEAM_ID,
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
            **fields,
            **copy.deepcopy(view),
            "id": view_id,
            "hash": f"{int(time.time())}.{next(self._ids):08d}",
        }
        self._views.pop(view_id, None)  # re-insert: views() lists by last change
        self._views[view_id] = stored
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_open(self, args: dict[str, Any]) -> Payload:
        error = self._trigger_error(args.get("trigger_id")) or self._view_error(args.get("view"))
        if error:
            return error
        stored = self._store_view(args["view"], self._new_id("V"))
        user = self._trigger_users.get(str(args["trigger_id"]))
        if user is not None:
            self._stacks[user] = [stored["view"]["id"]]
        return stored

    def _views_push(self, args: dict[str, Any]) -> Payload:
        user = self._trigger_users.get(str(args.get("trigger_id")))
        stack = self._stacks.get(user or "")
        if not stack:
            return self._views_open(args)
        if len(stack) >= _MAX_STACK:
            return _error("push_limit_reached")
        error = self._trigger_error(args.get("trigger_id")) or self._view_error(args.get("view"))
        return error or self._push(stack, args["view"])

    def _push(self, stack: list[str], view: Payload) -> Payload:
        stored = self._store_view(view, self._new_id("V"), previous_view_id=stack[-1], root_view_id=stack[0])
        stack.append(stored["view"]["id"])
        return stored

    def _find_view(self, args: dict[str, Any]) -> str | None:
        if args.get("view_id"):
            return str(args["view_id"])
        external_id = args.get("external_id")
        return next(
            (
                v["id"]
                for v in self._views.values()
                if external_id and v.get("external_id") == external_id
            ),
            None,
        )

    def _views_update(self, args: dict[str, Any]) -> Payload:
        if not args.get("view_id") and not args.get("external_id"):
            return _error("invalid_arguments", "[ERROR] missing required field: view_id")
        error = self._view_error(args.get("view"))
        if error:
            return error
        view_id = self._find_view(args)
        current = self._views.get(view_id or "")
        if current is None and self.strict:
            return _error("not_found")
        if self.strict and current and args.get("hash") and args["hash"] != current["hash"]:
            return _error("hash_conflict")
        kept = {k: current[k] for k in ("root_view_id", "previous_view_id")} if current else {}
        return self._store_view(args["view"], view_id or self._new_id("V"), **kept)

    def _views_publish(self, args: dict[str, Any]) -> Payload:
        user_id = args.get("user_id")
        if not user_id:
            return _error("invalid_arguments", "[ERROR] missing required field: user_id")
        error = self._view_error(args.get("view"))
        if error:
            return error
        if args["view"].get("type") != "home":
            return _error("invalid_arguments", "[ERROR] must be home [json-pointer:/view/type]")
        view_id = self._home_views.setdefault(user_id, self._new_id("V"))
        return self._store_view(args["view"], view_id)

    def _reaction_key(
        self, args: dict[str, Any]
    ) -> tuple[tuple[str, str, str] | None, Payload | None]:
        if not args.get("channel") or not args.get("timestamp"):
            return None, _error("no_item_specified")
        if not args.get("name"):
            return None, _error("invalid_name")
        return (str(args["channel"]), str(args["timestamp"]), str(args["name"])), None

    def _reactions_add(self, args: dict[str, Any]) -> Payload:
        key, error = self._reaction_key(args)
        if error or key is None:
            return error or _error("invalid_arguments")
        if self.strict and key in self._reactions:
            return _error("already_reacted")
        self._reactions.add(key)
        return {"ok": True}

    def _reactions_remove(self, args: dict[str, Any]) -> Payload:
        key, error = self._reaction_key(args)
        if error or key is None:
            return error or _error("invalid_arguments")
        if self.strict and key not in self._reactions:
            return _error("no_reaction")
        self._reactions.discard(key)
        return {"ok": True}

    def _files_info(self, args: dict[str, Any]) -> Payload:
        file_id = str(args.get("file", ""))
        if file_id not in self._files:
            return _error("file_not_found")
        return {
            "ok": True,
            "file": self._file_object(file_id),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def _files_get_upload_url(self, args: dict[str, Any]) -> Payload:
        filename, length = args.get("filename"), str(args.get("length", ""))
        if not filename or not length.isdigit():
            return _error("invalid_arguments", "[ERROR] missing required field: filename/length")
        file_id = self._new_id("F")
        self._uploads[file_id] = _PendingUpload(str(filename), int(length), args.get("alt_txt"))
        return {"ok": True, "upload_url": f"{self.root}/upload/v1/{file_id}", "file_id": file_id}

    def _share_file(self, file_id: str, channels: list[str], args: dict[str, Any]) -> None:
        stored = self._files[file_id]
        for channel in channels:
            ts = self._next_ts()
            message = self._bot_message({"text": args.get("initial_comment", "")}, ts)
            message.update(upload=True, files=[self._file_object(file_id)])
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            self._messages[(channel, ts)] = message
            stored.meta["channels"].append(channel)
            self._add_share(file_id, channel, ts, BOT_USER_ID)

    def _files_complete_upload(self, args: dict[str, Any]) -> Payload:
        items = args.get("files")
        if not isinstance(items, list) or not items:
            return _error("invalid_arguments", "[ERROR] missing required field: files")
        ids = [str(item.get("id", "")) if isinstance(item, dict) else "" for item in items]
        if any(self._uploads.get(i) is None or self._uploads[i].content is None for i in ids):
            return _error("file_not_found")
        channels = [
            c for c in [args.get("channel_id"), *str(args.get("channels", "")).split(",")] if c
        ]
        done = []
        for file_id, item in zip(ids, items, strict=True):
            upload = self._uploads.pop(file_id)
            ext = upload.filename.rpartition(".")[2].lower() if "." in upload.filename else "binary"
            mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
            title = item.get("title") or upload.filename
            extra = {"alt_txt": upload.alt_txt} if upload.alt_txt else None
            self.add_file(
                file_id,
                upload.content or b"",
                upload.filename,
                mimetype,
                ext,
                user=BOT_USER_ID,
                title=title,
                extra=extra,
            )
            self._share_file(file_id, channels, args)
            done.append({"id": file_id, "title": title})
        return {"ok": True, "files": done}

    def _add_share(self, file_id: str, channel: str, ts: str, user: str) -> None:
        """files.info's `shares`: where the file was posted (the worker finds the thread there)."""
        meta = self._files[file_id].meta
        visibility = "public" if channel.startswith("C") else "private"
        share = {"ts": ts, "channel_name": channel.lower(), "team_id": TEAM_ID, "share_user_id": user}
        meta.setdefault("shares", {}).setdefault(visibility, {}).setdefault(channel, []).append(share)

    # -- response_url answers (called with the lock held)

    def _respond(self, context: HookContext, args: dict[str, Any]) -> str | None:
        """Show what the app posted to a response_url as Slack would; an error text if invalid."""
        if "blocks" in args and self.validate_blocks and blocks_errors(args["blocks"], 50):
            return "invalid_blocks"
        source = self._source_message(context)
        if _truthy(args.get("delete_original")):
            if source is None:
                return "message_not_found"
            self._remove_message(context)
            return None
        content: Payload = {k: args[k] for k in ("text", "blocks", "attachments") if k in args}
        if _truthy(args.get("replace_original")) and context.message_ts:
            if source is None:
                return "message_not_found"
            for key in ("text", "blocks", "attachments"):
                source.pop(key, None)
            source.update({"text": "", **content})
            return None
        if not content.get("text") and not content.get("blocks"):
            return "no_text"
        if args.get("response_type") == "in_channel":
            if args.get("thread_ts"):
                content["thread_ts"] = args["thread_ts"]
            ts = self._next_ts()
            self._messages[(context.channel, ts)] = self._bot_message(content, ts)
        else:
            self._store_ephemeral(context.channel, context.user, content)
        return None

    def _source_message(self, context: HookContext) -> Payload | None:
        if context.message_ts is None:
            return None
        if not context.ephemeral:
            return self._messages.get((context.channel, context.message_ts))
        return next(
            (
                e["message"]
                for e in self._ephemeral
                if e["user"] == context.user and e["message"]["ts"] == context.message_ts
            ),
            None,
        )

    def _remove_message(self, context: HookContext) -> None:
        if context.ephemeral:
            self._ephemeral = [
                e
                for e in self._ephemeral
                if not (e["user"] == context.user and e["message"]["ts"] == context.message_ts)
            ]
        else:
            self._messages.pop((context.channel, str(context.message_ts)), None)

    # -- what people do in the workspace (the sandbox page, through sandbox.workspace)

    def post_user_message(
        self,
        user_id: str,
        channel: str,
        text: str,
        *,
        file_ids: Iterable[str] = (),
        thread_ts: str | None = None,
    ) -> Payload:
        """A person posts `text` (and shares the given files) in `channel`; returns the message."""
        with self._cond:
            ts = self._next_ts()
            message: Payload = {
                "type": "message",
                "user": user_id,
                "team": TEAM_ID,
                "text": text,
                "ts": ts,
                "client_msg_id": secrets.token_hex(16),
            }
            files = list(file_ids)
            for file_id in files:
                self._files[file_id].meta["channels"].append(channel)
                self._add_share(file_id, channel, ts, user_id)
            if files:
                message.update(upload=True, files=[self._file_object(f) for f in files])
            if thread_ts:
                message["thread_ts"] = thread_ts
            self._messages[(channel, ts)] = message
            self._changed()
            return copy.deepcopy(message)

    def post_ephemeral(self, user_id: str, channel: str, content: Mapping[str, Any]) -> Payload:
        """The bot's answer to a slash command, seen only by `user_id` (text/blocks as posted)."""
        with self._cond:
            message = self._store_ephemeral(channel, user_id, content)
            self._changed()
            return copy.deepcopy(message)

    def post_bot_message(self, channel: str, content: Mapping[str, Any]) -> Payload:
        """A message from the bot in `channel` (an `in_channel` slash command answer)."""
        with self._cond:
            ts = self._next_ts()
            message = self._bot_message(dict(content), ts)
            self._messages[(channel, ts)] = message
            self._changed()
            return copy.deepcopy(message)

    def ephemeral_messages(self, user_id: str, channel: str | None = None) -> list[Payload]:
        """Ephemeral messages shown to `user_id`, oldest first, each with `channel`."""
        with self._cond:
            return [
                {"channel": e["channel"], **copy.deepcopy(e["message"])}
                for e in self._ephemeral
                if e["user"] == user_id and (channel is None or e["channel"] == channel)
            ]

    def ephemeral_message(self, user_id: str, channel: str, ts: str) -> Payload | None:
        with self._cond:
            context = HookContext(user_id, channel, ts, ephemeral=True)
            found = self._source_message(context)
            return {"channel": channel, **copy.deepcopy(found)} if found else None

    def message(self, channel: str, ts: str) -> Payload | None:
        """One channel message as stored (None if unknown or deleted)."""
        with self._cond:
            found = self._messages.get((channel, ts))
            return {"channel": channel, **copy.deepcopy(found)} if found else None

    def reactions(self, channel: str, ts: str) -> list[str]:
        """Names of the reactions on a message, in name order."""
        with self._cond:
            return sorted(name for c, t, name in self._reactions if (c, t) == (channel, ts))

    def modal_stack(self, user_id: str) -> list[Payload]:
        """The modals `user_id` has open, bottom first."""
        with self._cond:
            return [copy.deepcopy(self._views[v]) for v in self._stacks.get(user_id, [])]

    def close_view(self, user_id: str, view_id: str) -> Payload | None:
        """`user_id` closes a modal (and any pushed above it); returns it, None if it was not open."""
        with self._cond:
            stack = self._stacks.get(user_id, [])
            if view_id not in stack:
                return None
            del stack[stack.index(view_id) :]
            self._changed()
            return copy.deepcopy(self._views[view_id])

    def finish_submission(self, user_id: str, view_id: str, answer: Mapping[str, Any] | None) -> str | None:
        """Apply the app's answer to a view_submission as Slack does; an error code if Slack would
        refuse it. No `response_action`: the view closes; `errors`: it stays; `update` replaces it;
        `push` stacks a new view; `clear` closes them all."""
        action = (answer or {}).get("response_action")
        with self._cond:
            stack = self._stacks.setdefault(user_id, [])
            if view_id not in stack:
                return "not_found"
            if action in ("update", "push"):
                assert answer is not None
                error = self._view_error(answer.get("view"))
                if error:
                    return str(error["error"])
                if action == "update":
                    current = self._views[view_id]
                    kept = {k: current[k] for k in ("root_view_id", "previous_view_id")}
                    self._store_view(answer["view"], view_id, **kept)
                elif len(stack) >= _MAX_STACK:
                    return "push_limit_reached"
                else:
                    self._push(stack, answer["view"])
            elif action == "clear":
                stack.clear()
            elif action != "errors":
                del stack[stack.index(view_id) :]
            self._changed()
            return None

    def wait_for_change(self, since: int, timeout: float) -> int:
        """Block while `version` is still `since` (at most `timeout` seconds); return the version.

        A reader holding a version from an earlier run (higher than now) gets an answer at once.
        """
        with self._cond:
            self._cond.wait_for(lambda: self.version != since, timeout)
            return self.version


FakeSlackAPI = SlackStandIn  # the name the tests know it by
