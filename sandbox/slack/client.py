"""Sends requests INTO the app exactly as Slack does: signed slash commands, interactions, events.

Standard library only (urllib.request). Every request is signed with the v0 scheme
(`X-Slack-Signature: v0=hex(HMAC-SHA256(secret, "v0:{ts}:{body}"))`); pass `timestamp=` to any
method to sign with a stale time, build the client with a wrong `signing_secret` to forge, or
use `raw()` to send arbitrary bytes and headers.

    app = SlackClient("http://127.0.0.1:3000", "secret", api_url=fake.url)
    response = app.command("new Acme 5000")
    assert response.status == 200

`api_url` (the stand-in's `url`, see `sandbox.slack`) makes payloads carry a response_url
on that server, so `respond()` calls from the app are recorded there as `response_url` calls.
The sandbox passes its own trigger_ids and response_urls so modals and answers land for the
right person.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urlencode, urljoin

from sandbox.people import APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID
from sandbox.slack.http import Headers
from sandbox.slack.objects import new_trigger_id

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_counter = itertools.count(1)


@dataclass(frozen=True)
class Response:
    """What the app answered; `json` is the parsed body when it is JSON, else None."""

    status: int
    body: str
    json: Any | None
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class SlackSigner:
    """Signs request bodies the way Slack does.

    See https://api.slack.com/authentication/verifying-requests-from-slack.
    """

    def __init__(self, signing_secret: str) -> None:
        self.signing_secret = signing_secret

    def signature(self, body: bytes, timestamp: int) -> str:
        base = b"v0:" + str(timestamp).encode() + b":" + body
        return "v0=" + hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()

    def headers(
        self, body: bytes, timestamp: int | None = None, content_type: str = FORM
    ) -> dict[str, str]:
        """Content-Type plus the two signature headers; `timestamp` defaults to now."""
        ts = int(time.time()) if timestamp is None else timestamp
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": self.signature(body, ts),
        }


def _parse_body(body: str) -> Any | None:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _to_response(status: int, data: bytes, headers: Message) -> Response:
    text = data.decode(headers.get_content_charset() or "utf-8", errors="replace")
    return Response(status, text, _parse_body(text), Headers(headers.items()))


# --- view state value helpers (what Slack puts under view.state.values[block][action]) --------


def plain_text_input(value: str | None) -> dict[str, Any]:
    return {"type": "plain_text_input", "value": value}


def static_select(value: str, text: str | None = None) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}
    return {"type": "static_select", "selected_option": option}


def datepicker(date: str | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": date}


def users_select(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


class SlackClient:
    """Plays Slack towards the app at `base_url` (e.g. `http://127.0.0.1:3000`)."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        team_id: str = TEAM_ID,
        *,
        path: str = "/slack/events",
        api_url: str | None = None,
        team_domain: str = TEAM_DOMAIN,
        api_app_id: str = APP_ID,
        verification_token: str = "fake-verification-token",
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.signer = SlackSigner(signing_secret)
        self.team_id = team_id
        self.path = path
        self.api_url = api_url
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.verification_token = verification_token
        self.timeout = timeout
        self.last_payload: dict[str, Any] | None = None  # the last command/payload/envelope sent
        # No proxies: requests must reach 127.0.0.1 directly whatever the environment says.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- transport

    def _send(self, request: urllib.request.Request) -> Response:
        try:
            with self._opener.open(request, timeout=self.timeout) as resp:
                return _to_response(resp.status, resp.read(), resp.headers)
        except urllib.error.HTTPError as err:
            with err:
                return _to_response(err.code, err.read(), err.headers)

    def raw(
        self,
        body: bytes,
        headers: Mapping[str, str],
        *,
        path: str | None = None,
        method: str = "POST",
    ) -> Response:
        """Send `body` with exactly `headers` (nothing signed or added): for forged requests."""
        url = self.base_url + (path or self.path)
        return self._send(
            urllib.request.Request(url, data=body, headers=dict(headers), method=method)
        )

    def post(
        self,
        body: bytes,
        content_type: str = FORM,
        *,
        path: str | None = None,
        timestamp: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """POST a correctly signed `body` to `path` (default: the events path)."""
        signed = self.signer.headers(body, timestamp, content_type)
        return self.raw(body, {**signed, **(headers or {})}, path=path)

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        """Plain GET (health checks, OAuth pages…)."""
        url = self.base_url + path
        return self._send(urllib.request.Request(url, headers=dict(headers or {}), method="GET"))

    # -- payload pieces

    def response_url(self, kind: str = "commands") -> str:
        """A response_url on the fake API server (`api_url`), or a hooks.slack.com-like one."""
        root = urljoin(self.api_url, "/") if self.api_url else "https://hooks.slack.com/"
        return f"{root}hooks/{kind}/{self.team_id}/{next(_counter)}/{secrets.token_hex(12)}"

    def _team(self) -> dict[str, str]:
        return {"id": self.team_id, "domain": self.team_domain}

    def _user(self, user_id: str, user_name: str | None = None) -> dict[str, str]:
        name = user_name or user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    @staticmethod
    def _channel_name(channel_id: str) -> str:
        if channel_id.startswith("D"):
            return "directmessage"
        if channel_id.startswith("G"):
            return "privategroup"
        return channel_id[1:].lstrip("0").lower() or channel_id.lower()

    # -- slash commands

    def command(
        self,
        text: str,
        user_id: str = "U0REP",
        channel_id: str = "C0SALES",
        command: str = "/deal",
        *,
        user_name: str | None = None,
        channel_name: str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        timestamp: int | None = None,
    ) -> Response:
        """A slash command, form-encoded field by field as Slack sends it."""
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name or self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self.response_url("commands"),
            "trigger_id": trigger_id or new_trigger_id(),
        }
        self.last_payload = fields
        return self.post(urlencode(fields).encode(), FORM, timestamp=timestamp)

    # -- interactivity

    def interaction(self, payload: Mapping[str, Any], *, timestamp: int | None = None) -> Response:
        """Any interactivity payload, sent as Slack does: form field `payload=<json>`."""
        self.last_payload = dict(payload)
        body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
        return self.post(body, FORM, timestamp=timestamp)

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        user_id: str = "U0REP",
        *,
        block_id: str | None = None,
        action_type: str = "button",
        action: Mapping[str, Any] | None = None,
        channel_id: str | None = None,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        container: Mapping[str, Any] | None = None,
        state_values: Mapping[str, Any] | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        user_name: str | None = None,
        timestamp: int | None = None,
        is_ephemeral: bool = False,
    ) -> Response:
        """A `block_actions` payload for one element click.

        From a message (default; `channel_id` defaults to C0SALES and `message` to a stub bot
        message) it carries channel, message and response_url; from a modal or App Home pass
        `view` (a view dict as the fake API returned it). `action` adds/overrides fields of the
        action (e.g. `{"selected_option": {...}}` with `action_type="static_select"`). A click in
        an ephemeral message (`is_ephemeral`, `message` giving its ts) carries no `message`, as
        Slack's payloads don't.
        """
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or new_trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": dict(state_values or {})},
            "actions": [self._action(action_id, value, block_id, action_type, action)],
        }
        if view is not None:
            payload.update(self._view_origin(view, state_values))
        else:
            payload.update(self._message_origin(channel_id, message, response_url, is_ephemeral))
        if container is not None:
            payload["container"] = dict(container)
        return self.interaction(payload, timestamp=timestamp)

    @staticmethod
    def _action(
        action_id: str,
        value: str | None,
        block_id: str | None,
        action_type: str,
        extra: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id or f"{action_id}_block",
            "type": action_type,
            "action_ts": f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": value or action_id, "emoji": True}
        action.update(extra or {})
        return action

    def _view_origin(
        self, view: Mapping[str, Any], state_values: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        view_dict = json.loads(json.dumps(view))  # deep copy, JSON-safe
        if state_values is not None:
            view_dict["state"] = {"values": dict(state_values)}
        container = {"type": "view", "view_id": view_dict.get("id", "")}
        return {"container": container, "view": view_dict}

    def _message_origin(
        self,
        channel_id: str | None,
        message: Mapping[str, Any] | None,
        response_url: str | None,
        is_ephemeral: bool = False,
    ) -> dict[str, Any]:
        channel = channel_id or "C0SALES"
        msg = dict(message) if message is not None else self._stub_message()
        container = {
            "type": "message",
            "message_ts": msg.get("ts", ""),
            "channel_id": channel,
            "is_ephemeral": is_ephemeral,
        }
        origin: dict[str, Any] = {
            "container": container,
            "channel": {"id": channel, "name": self._channel_name(channel)},
            "response_url": response_url or self.response_url("actions"),
        }
        if not is_ephemeral:
            origin["message"] = msg
        return origin

    @staticmethod
    def _stub_message() -> dict[str, Any]:
        return {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": "",
            "blocks": [],
            "ts": f"{time.time():.6f}",
        }

    def view_submission(
        self,
        callback_id: str,
        values: Mapping[str, Mapping[str, Mapping[str, Any]]],
        user_id: str = "U0REP",
        *,
        private_metadata: str = "",
        view_id: str | None = None,
        hash: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        title: str = "Deal",
        external_id: str = "",
        trigger_id: str | None = None,
        user_name: str | None = None,
        timestamp: int | None = None,
    ) -> Response:
        """A modal's `view_submission`; `values` is state.values: block_id → action_id → value."""
        view_id = view_id or f"V{next(_counter):010d}"
        view = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": json.loads(json.dumps(values))},
            "hash": hash or f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.api_app_id,
            "external_id": external_id,
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
        }
        return self.submit_view(
            view, values, user_id, trigger_id=trigger_id, user_name=user_name, timestamp=timestamp
        )

    def submit_view(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Mapping[str, Mapping[str, Any]]],
        user_id: str = "U0REP",
        *,
        trigger_id: str | None = None,
        user_name: str | None = None,
        timestamp: int | None = None,
    ) -> Response:
        """A `view_submission` of `view` (as views.open returned it) with these state values."""
        submitted = json.loads(json.dumps(view))  # deep copy, JSON-safe
        submitted["state"] = {"values": json.loads(json.dumps(values))}
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or new_trigger_id(),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.interaction(payload, timestamp=timestamp)

    def view_closed(
        self, view: Mapping[str, Any], user_id: str = "U0REP", *, user_name: str | None = None
    ) -> Response:
        """A `view_closed` (sent only for views opened with `notify_on_close`)."""
        payload = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "view": json.loads(json.dumps(view)),
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.interaction(payload)

    # -- Events API

    def event(
        self,
        event: Mapping[str, Any],
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        *,
        event_time: int | None = None,
        timestamp: int | None = None,
    ) -> Response:
        """An `event_callback` envelope around `event`, as JSON.

        `retry_num` adds `X-Slack-Retry-Num`/`X-Slack-Retry-Reason` (default reason
        `http_timeout`) like Slack's redeliveries; reuse `event_id` to model a retry.
        """
        inner = dict(event)
        inner.setdefault("event_ts", inner.get("ts") or f"{time.time():.6f}")
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_counter):04d}{secrets.token_hex(4).upper()}",
            "event_time": int(time.time()) if event_time is None else event_time,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_hex(24)}",
        }
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers = {
                "X-Slack-Retry-Num": str(retry_num),
                "X-Slack-Retry-Reason": retry_reason or "http_timeout",
            }
        self.last_payload = envelope
        body = json.dumps(envelope, ensure_ascii=False).encode()
        return self.post(body, JSON, timestamp=timestamp, headers=headers)

    def url_verification(
        self, challenge: str = "fake-challenge", *, timestamp: int | None = None
    ) -> Response:
        """The Events API URL check; the app must echo `challenge`."""
        body = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        self.last_payload = body
        return self.post(json.dumps(body).encode(), JSON, timestamp=timestamp)
