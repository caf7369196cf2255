"""The workspace the stand-in keeps: channel messages and threads, ephemeral messages per person,
views with each person's modal stack, App Home views, files, reactions, users; and `version`,
which goes up with every change so page readers can long-poll (`wait_for_change`).

Everything is held under one lock (`lock`, a condition that also wakes waiters). The Web API
methods (`sandbox.slack.methods`) and the response_url answers (`sandbox.slack.hooks`) change
the workspace through the attributes below with the lock held; what a person does on Slack's
side (post, close a modal, submit one) and the read-outs tests and the page use are methods.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sandbox.people import TEAM_ID
from sandbox.slack import objects
from sandbox.slack.block_kit import view_errors
from sandbox.slack.http import Payload

FIRST_TS = "1732400000.000100"
MAX_STACK = 3  # modals a person can have stacked (views.push answers push_limit_reached beyond)
_TS_STEP_US = 100


@dataclass(frozen=True)
class HookContext:
    """Where a response_url's answers land: for whom, in which channel, from which message."""

    user: str
    channel: str
    message_ts: str | None = None  # the message whose button was clicked (None for a slash command)
    ephemeral: bool = False  # that message is an ephemeral one shown to `user`


@dataclass
class StoredFile:
    meta: Payload
    content: bytes


@dataclass
class PendingUpload:
    """A file announced by files.getUploadURLExternal; `content` once its bytes were posted."""

    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None


class WorkspaceState:
    """One Slack workspace in memory (see the module docstring)."""

    def __init__(
        self,
        *,
        strict: bool = False,
        validate_blocks: bool = True,
        dm_channels: Mapping[str, str] | None = None,
        real_time: bool = False,
    ) -> None:
        """`dm_channels` maps user ids to the ids of their DMs with the bot (default `D<user id>`);
        `real_time` makes message ts follow the clock (else they count up from FIRST_TS)."""
        self.strict = strict
        self.validate_blocks = validate_blocks
        self.real_time = real_time
        self.version = 0  # goes up with every call and every change (see wait_for_change)
        self.lock = threading.Condition(threading.RLock())
        self.served_at: str | None = None  # `http://127.0.0.1:PORT` while the stand-in serves
        self._dm_channels = dict(dm_channels or {})
        self._ids = itertools.count(1)
        self.users: dict[str, Payload] = {}
        self.files: dict[str, StoredFile] = {}
        self.clear()

    def clear(self) -> None:
        """Forget messages, views, reactions, triggers, uploads and hooks; keep users and files."""
        self.channel_messages: dict[tuple[str, str], Payload] = {}  # (channel, ts) → message
        self.ephemerals: list[Payload] = []  # {"channel", "user" (who sees it), "message"}
        self.views_by_id: dict[str, Payload] = {}  # in order of last change
        self.home_views: dict[str, str] = {}  # user → their App Home's view id
        self.stacks: dict[str, list[str]] = {}  # user → their open modals' view ids, bottom first
        self.reaction_keys: set[tuple[str, str, str]] = set()  # (channel, ts, name)
        self.used_triggers: set[str] = set()
        self.trigger_users: dict[str, str] = {}  # trigger_id (from issue_trigger) → user
        self.uploads: dict[str, PendingUpload] = {}
        self.hooks: dict[str, HookContext] = {}  # response_url path → where its answers land
        self._ts_us = _ts_to_us(FIRST_TS) - _TS_STEP_US

    # -- changes and the long poll

    def changed(self) -> None:
        """Something a reader may show has changed: wake `wait_for` and `wait_for_change`."""
        with self.lock:
            self.version += 1
            self.lock.notify_all()

    def wait_for_change(self, since: int, timeout: float) -> int:
        """Block while `version` is still `since` (at most `timeout` seconds); return the version.

        A reader holding a version from an earlier run (higher than now) gets an answer at once.
        """
        with self.lock:
            self.lock.wait_for(lambda: self.version != since, timeout)
            return self.version

    # -- ids, channels, triggers

    def next_ts(self) -> str:
        """A message ts later than every earlier one."""
        self._ts_us += _TS_STEP_US
        if self.real_time:
            self._ts_us = max(self._ts_us, int(time.time() * 1_000_000))
        return f"{self._ts_us // 1_000_000}.{self._ts_us % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    def new_serial(self) -> int:
        """1, 2, 3…: for ids that need only be unique here (view hashes, response_urls)."""
        return next(self._ids)

    def dm_channel(self, user_id: str) -> str:
        """The id of `user_id`'s DM with the bot."""
        return self._dm_channels.get(user_id, f"D{user_id}")

    def channel_for(self, channel: str) -> str:
        """Posting to a user id lands in the DM with them, as on Slack."""
        return self.dm_channel(channel) if channel[:1] in {"U", "W"} else channel

    def issue_trigger(self, user_id: str) -> str:
        """A trigger_id for an interaction by `user_id`: the modal it opens joins their stack."""
        trigger_id = objects.new_trigger_id()
        with self.lock:
            self.trigger_users[trigger_id] = user_id
        return trigger_id

    # -- users and files

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
        user = objects.user_object(id, name, locale, tz, real_name or name.title(), email, is_bot)
        with self.lock:
            self.users[id] = user
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
        meta = objects.file_meta(file_id, content, name, mimetype, filetype, size, user)
        meta["title"] = title or name
        meta.update(extra or {})
        with self.lock:
            self.files[file_id] = StoredFile(meta, content)
            return self.file_object(file_id)

    def file_object(self, file_id: str) -> Payload:
        """The file as `files.info` shows it, with download URLs while the stand-in serves."""
        meta = copy.deepcopy(self.files[file_id].meta)
        if self.served_at is not None:
            url = f"{self.served_at}/files/{quote(file_id)}/{quote(meta['name'])}"
            meta.update(url_private=url, url_private_download=url)
        meta["permalink"] = objects.file_permalink(meta["user"], file_id, meta["name"])
        return meta

    def add_share(self, file_id: str, channel: str, ts: str, user: str) -> None:
        """files.info's `shares`: where the file was posted (the worker finds the thread there)."""
        meta = self.files[file_id].meta
        meta["channels"].append(channel)
        visibility = "public" if channel.startswith("C") else "private"
        share = {"ts": ts, "channel_name": channel.lower(), "team_id": TEAM_ID, "share_user_id": user}
        meta.setdefault("shares", {}).setdefault(visibility, {}).setdefault(channel, []).append(share)

    # -- messages

    def store_ephemeral(self, channel: str, user: str, args: Mapping[str, Any]) -> Payload:
        message = objects.bot_message(dict(args), self.next_ts())
        self.ephemerals.append({"channel": channel, "user": user, "message": message})
        return message

    def source_message(self, context: HookContext) -> Payload | None:
        """The message a response_url came from (channel or ephemeral), if it is still there."""
        if context.message_ts is None:
            return None
        if not context.ephemeral:
            return self.channel_messages.get((context.channel, context.message_ts))
        return next(
            (
                e["message"]
                for e in self.ephemerals
                if e["user"] == context.user and e["message"]["ts"] == context.message_ts
            ),
            None,
        )

    def remove_message(self, context: HookContext) -> None:
        if context.ephemeral:
            self.ephemerals = [
                e
                for e in self.ephemerals
                if not (e["user"] == context.user and e["message"]["ts"] == context.message_ts)
            ]
        else:
            self.channel_messages.pop((context.channel, str(context.message_ts)), None)

    # -- views

    def store_view(self, view: Payload, view_id: str, **fields: Any) -> Payload:
        """Keep `view` under `view_id` (replacing it); the answer views.* methods give."""
        view_hash = f"{int(time.time())}.{self.new_serial():08d}"
        stored = objects.stored_view(view, view_id, view_hash, **fields)
        self.views_by_id.pop(view_id, None)  # re-insert: views() lists by last change
        self.views_by_id[view_id] = stored
        return {"ok": True, "view": copy.deepcopy(stored)}

    def push_view(self, stack: list[str], view: Payload) -> Payload:
        root, previous = stack[0], stack[-1]
        stored = self.store_view(view, self.new_id("V"), previous_view_id=previous, root_view_id=root)
        stack.append(stored["view"]["id"])
        return stored

    def view_error(self, view: Any) -> Payload | None:
        """Slack's `invalid_arguments` answer for a view it would refuse, else None."""
        messages = view_errors(view) if self.validate_blocks or not isinstance(view, dict) else []
        return objects.error("invalid_arguments", *messages) if messages else None

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
        with self.lock:
            ts = self.next_ts()
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
                self.add_share(file_id, channel, ts, user_id)
            if files:
                message.update(upload=True, files=[self.file_object(f) for f in files])
            if thread_ts:
                message["thread_ts"] = thread_ts
            self.channel_messages[(channel, ts)] = message
            self.changed()
            return copy.deepcopy(message)

    def post_ephemeral(self, user_id: str, channel: str, content: Mapping[str, Any]) -> Payload:
        """The bot's answer to a slash command, seen only by `user_id` (text/blocks as posted)."""
        with self.lock:
            message = self.store_ephemeral(channel, user_id, content)
            self.changed()
            return copy.deepcopy(message)

    def post_bot_message(self, channel: str, content: Mapping[str, Any]) -> Payload:
        """A message from the bot in `channel` (an `in_channel` slash command answer)."""
        with self.lock:
            ts = self.next_ts()
            message = objects.bot_message(dict(content), ts)
            self.channel_messages[(channel, ts)] = message
            self.changed()
            return copy.deepcopy(message)

    def close_view(self, user_id: str, view_id: str) -> Payload | None:
        """`user_id` closes a modal (and any pushed above it); returns it, None if it was not open."""
        with self.lock:
            stack = self.stacks.get(user_id, [])
            if view_id not in stack:
                return None
            del stack[stack.index(view_id) :]
            self.changed()
            return copy.deepcopy(self.views_by_id[view_id])

    def finish_submission(self, user_id: str, view_id: str, answer: Mapping[str, Any] | None) -> str | None:
        """Apply the app's answer to a view_submission as Slack does; an error code if Slack would
        refuse it. No `response_action`: the view closes; `errors`: it stays; `update` replaces it;
        `push` stacks a new view; `clear` closes them all."""
        action = (answer or {}).get("response_action")
        with self.lock:
            stack = self.stacks.setdefault(user_id, [])
            if view_id not in stack:
                return "not_found"
            if action in ("update", "push"):
                assert answer is not None
                error = self.view_error(answer.get("view"))
                if error:
                    return str(error["error"])
                if action == "update":
                    current = self.views_by_id[view_id]
                    kept = {k: current[k] for k in ("root_view_id", "previous_view_id")}
                    self.store_view(answer["view"], view_id, **kept)
                elif len(stack) >= MAX_STACK:
                    return "push_limit_reached"
                else:
                    self.push_view(stack, answer["view"])
            elif action == "clear":
                stack.clear()
            elif action != "errors":
                del stack[stack.index(view_id) :]
            self.changed()
            return None

    # -- read-outs (copies, safe to keep)

    def messages(self, channel: str | None = None) -> list[Payload]:
        """Messages currently in channels (posted, updated, not deleted), each with `channel`."""
        with self.lock:
            return [
                {"channel": ch, **copy.deepcopy(msg)}
                for (ch, _), msg in self.channel_messages.items()
                if channel is None or ch == channel
            ]

    def message(self, channel: str, ts: str) -> Payload | None:
        """One channel message as stored (None if unknown or deleted)."""
        with self.lock:
            found = self.channel_messages.get((channel, ts))
            return {"channel": channel, **copy.deepcopy(found)} if found else None

    def ephemeral_messages(self, user_id: str, channel: str | None = None) -> list[Payload]:
        """Ephemeral messages shown to `user_id`, oldest first, each with `channel`."""
        with self.lock:
            return [
                {"channel": e["channel"], **copy.deepcopy(e["message"])}
                for e in self.ephemerals
                if e["user"] == user_id and (channel is None or e["channel"] == channel)
            ]

    def ephemeral_message(self, user_id: str, channel: str, ts: str) -> Payload | None:
        with self.lock:
            found = self.source_message(HookContext(user_id, channel, ts, ephemeral=True))
            return {"channel": channel, **copy.deepcopy(found)} if found else None

    def reactions(self, channel: str, ts: str) -> list[str]:
        """Names of the reactions on a message, in name order."""
        with self.lock:
            return sorted(name for c, t, name in self.reaction_keys if (c, t) == (channel, ts))

    def views(self) -> list[Payload]:
        """Views currently opened/pushed/updated/published, oldest first."""
        with self.lock:
            return copy.deepcopy(list(self.views_by_id.values()))

    def view(self, view_id: str) -> Payload | None:
        with self.lock:
            return copy.deepcopy(self.views_by_id.get(view_id))

    def modal_stack(self, user_id: str) -> list[Payload]:
        """The modals `user_id` has open, bottom first."""
        with self.lock:
            return [copy.deepcopy(self.views_by_id[v]) for v in self.stacks.get(user_id, [])]

    def home_view(self, user_id: str) -> Payload | None:
        """The App Home view last published for `user_id`."""
        with self.lock:
            view_id = self.home_views.get(user_id)
            return self.view(view_id) if view_id else None

    def file(self, file_id: str) -> Payload | None:
        """A file object as `files.info` returns it, or None."""
        with self.lock:
            return self.file_object(file_id) if file_id in self.files else None

    def file_content(self, file_id: str) -> bytes:
        """The bytes of a registered or uploaded file (KeyError if unknown)."""
        with self.lock:
            return self.files[file_id].content


def _ts_to_us(ts: str) -> int:
    seconds, _, micros = ts.partition(".")
    return int(seconds) * 1_000_000 + int(micros.ljust(6, "0"))

