"""`SlackStandIn`: the workspace (`state`) served over HTTP (`http`), answering Web API calls with
the `methods`, file downloads, external uploads and response_urls (`hooks`); every request is
recorded as a `Call`, and tests can inject faults or override a method's answer.
"""

from __future__ import annotations

import copy
import html
import secrets
import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit

from sandbox.people import BOT_NAME, BOT_USER_ID, TEAM_ID, TEAM_NAME
from sandbox.slack import hooks
from sandbox.slack.calls import Call, Fault, Responder
from sandbox.slack.http import (
    Payload,
    Reply,
    Request,
    Server,
    json_reply,
    multipart_fields,
    route,
    text_reply,
    web_api_args,
)
from sandbox.slack.methods import METHODS
from sandbox.slack.objects import error
from sandbox.slack.state import HookContext, WorkspaceState

_LOGIN_PAGE = (
    '<!DOCTYPE html>\n<html lang="en-US"><head><meta charset="utf-8">'
    f"<title>Slack</title></head><body><h1>Sign in to {html.escape(TEAM_NAME)}</h1>"
    '<form action="/signin" method="post"><input type="email" name="email">'
    '<input type="password" name="password"><button>Sign in</button></form>'
    "</body></html>\n"
).encode()


class SlackStandIn(WorkspaceState):
    """Slack's Web API on 127.0.0.1, recording every call (see the `sandbox.slack` docstring)."""

    def __init__(
        self,
        *,
        valid_tokens: Iterable[str] | None = None,
        strict: bool = False,
        validate_blocks: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        dm_channels: Mapping[str, str] | None = None,
        real_time: bool = False,
    ) -> None:
        """`valid_tokens`: the tokens accepted (default: any `xoxb-`/`xapp-` one); for the rest
        see `WorkspaceState`."""
        super().__init__(
            strict=strict, validate_blocks=validate_blocks, dm_channels=dm_channels, real_time=real_time
        )
        self.valid_tokens = set(valid_tokens) if valid_tokens is not None else None
        self.errors: list[BaseException] = []  # exceptions raised inside the fake (its own bugs)
        self._address = (host, port)
        self._server: Server | None = None
        self._calls: list[Call] = []
        self._faults: dict[str, list[Fault]] = {}
        self._overrides: dict[str, Responder] = {}
        self.add_user(BOT_USER_ID, BOT_NAME, real_name="Dealbot", is_bot=True)

    # -- lifecycle

    def start(self) -> Self:
        """Bind an ephemeral port on 127.0.0.1 and serve in a daemon thread (idempotent)."""
        if self._server is None:
            self._server = Server(self._address, self.dispatch, "SlackStandIn")
            self.served_at = self.root
        return self

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, self._server, self.served_at = self._server, None, None
        if server is not None:
            server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the Slack stand-in is not started; call start() or use `with`")
        return self._server.port

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

        With a `context`, what the app posts there shows up as Slack would show it
        (`sandbox.slack.hooks`); without one it is only recorded.
        """
        url = f"{self.hooks_url}{kind}/{TEAM_ID}/{self.new_serial()}/{secrets.token_hex(12)}"
        if context is not None:
            with self.lock:
                self.hooks[urlsplit(url).path] = context
        return url

    # -- what tests set up

    def set_response(self, method: str, payload: Responder | None) -> None:
        """Answer `method` with `payload` (a dict, or a function of the call's args) from now on.

        Works for methods the fake does not implement too; `None` removes the override.
        """
        with self.lock:
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
        with self.lock:
            self._faults.setdefault(method, []).append(Fault(status, error, retry_after, times))

    def reset(self) -> None:
        """Forget calls, faults, overrides, messages, views and uploads; keep users and files."""
        with self.lock:
            self.clear()
            self._calls, self._faults, self._overrides = [], {}, {}
            self.lock.notify_all()

    # -- what tests read

    def calls(self, method: str | None = None) -> list[Call]:
        """Calls received so far, oldest first, optionally only those of `method`."""
        with self.lock:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until `count` calls of `method` arrived; return all of them so far."""
        with self.lock:
            arrived = self.lock.wait_for(lambda: len(self.calls(method)) >= count, timeout)
            if not arrived:
                seen = [c.method for c in self._calls]
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s, "
                    f"got {len(self.calls(method))}; calls seen: {seen}"
                )
            return self.calls(method)

    # -- requests (called from server threads)

    def dispatch(self, req: Request) -> Reply:
        try:
            return route(self, req)
        except Exception as exc:  # a bug in the fake: keep serving, let tests see it
            with self.lock:
                self.errors.append(exc)
            return json_reply(error("fatal_error"), status=500)

    def api(self, req: Request, method: str) -> Reply:
        args = web_api_args(req)
        with self.lock:
            status, payload, headers = self._answer(method, args, req.bearer or args.get("token"))
            reply = json_reply(payload, status, headers)
            self._record(method, args, req, reply, payload)
        return reply

    def download(self, req: Request, file_id: str) -> Reply:
        """A file's bytes for a valid bot token; else Slack's login page (HTTP 200, HTML)."""
        token = req.bearer
        with self.lock:
            fault = self._take_fault("file_download")
            stored = self.files.get(file_id)
            if fault is not None:
                reply = text_reply(fault.status, fault.error, fault.headers())
            elif token is None or not self._token_valid(token) or token.startswith("xapp-"):
                reply = Reply(200, _LOGIN_PAGE, "text/html; charset=utf-8", {})
            elif stored is None:
                reply = text_reply(404, "File not found")
            else:
                disposition = f"attachment; filename*=UTF-8''{quote(stored.meta['name'])}"
                headers = {"Content-Disposition": disposition}
                reply = Reply(200, stored.content, stored.meta["mimetype"], headers)
            self._record("file_download", {"file_id": file_id}, req, reply)
        return reply

    def upload(self, req: Request, file_id: str) -> Reply:
        """The bytes of an upload announced by files.getUploadURLExternal (raw or multipart)."""
        content = req.body
        if req.content_type == "multipart/form-data":
            fields = multipart_fields(req)
            content = next((v for v in fields.values() if isinstance(v, bytes)), b"")
        with self.lock:
            fault = self._take_fault("file_upload")
            pending = self.uploads.get(file_id)
            if fault is not None:
                reply = text_reply(fault.status, fault.error, fault.headers())
            elif pending is None:
                reply = text_reply(404, "Not Found")
            else:
                pending.content = content
                reply = text_reply(200, f"OK - {len(content)}")
            self._record("file_upload", {"file_id": file_id, "size": len(content)}, req, reply)
        return reply

    def hook(self, req: Request) -> Reply:
        args = web_api_args(req)
        with self.lock:
            fault = self._take_fault("response_url")
            context = self.hooks.get(req.path)
            if fault is not None:
                reply = text_reply(fault.status, fault.error, fault.headers())
            elif context is not None:
                refused = hooks.respond(self, context, args)
                reply = text_reply(400, refused) if refused else text_reply(200, "ok")
            else:
                reply = text_reply(200, "ok")
            self._record("response_url", args, req, reply)
        return reply

    def _record(
        self, method: str, args: dict[str, Any], req: Request, reply: Reply, response: Payload | None = None
    ) -> None:
        call = Call(method, args, req.headers, time.time(), reply.status, response, req.path)
        with self.lock:
            self._calls.append(call)
            self.changed()

    def _answer(self, method: str, args: dict[str, Any], token: Any) -> tuple[int, Payload, dict[str, str]]:
        handler = METHODS.get(method)
        if handler is None and method not in self._overrides:
            return 200, {**error("unknown_method"), "req_method": method}, {}
        auth_error = self._auth_error(method, token)
        if auth_error:
            return 200, error(auth_error), {}
        fault = self._take_fault(method)
        if fault is not None:
            return fault.status, error(fault.error), fault.headers()
        override = self._overrides.get(method)
        if override is not None:
            return 200, copy.deepcopy(override(args) if callable(override) else override), {}
        assert handler is not None
        return 200, handler(self, args), {}

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

    def _take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.pop(0)
        return fault


FakeSlackAPI = SlackStandIn  # the name the tests know it by
