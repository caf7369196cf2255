"""What one person sees in the sandbox workspace right now, as the page's JSON.

Channel messages and that person's ephemeral ones in ts order (thread replies carry
`thread_ts`), their modal stack, their App Home view. Files get page URLs that need no token
(`file_url`, served by the page server under `FILES_PATH`), and image blocks that point at a
Slack file get such a URL as `image_url`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sandbox import people
from sandbox.people import BOT_NAME, BOT_USER_ID
from sandbox.slack.http import Payload
from sandbox.slack.state import WorkspaceState

FILES_PATH = "/sandbox/files/"


def file_url(file_id: str) -> str:
    """Where the page shows a shared file (no token needed, unlike Slack's url_private)."""
    return f"{FILES_PATH}{quote(file_id)}"


def snapshot(slack: WorkspaceState, user_id: str, version: int) -> Payload:
    """The page's view of the workspace for `user_id` (see the contract in sandbox/__init__.py)."""
    channels: dict[str, list[Payload]] = {}
    for channel in people.visible_channels(user_id):
        shown = [(m, False) for m in slack.messages(channel.id)]
        shown += [(m, True) for m in slack.ephemeral_messages(user_id, channel.id)]
        shown.sort(key=lambda item: _ts_key(item[0]["ts"]))
        channels[channel.id] = [_message(slack, m, ephemeral) for m, ephemeral in shown]
    home = slack.home_view(user_id)
    return {
        "ok": True,
        "version": version,
        "channels": channels,
        "modals": [_with_file_urls(view) for view in slack.modal_stack(user_id)],
        "home": _with_file_urls(home) if home is not None else None,
    }


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros.ljust(6, "0") or 0)


def _message(slack: WorkspaceState, message: Payload, ephemeral: bool) -> Payload:
    is_bot = "bot_id" in message or message.get("user") == BOT_USER_ID
    user = str(message.get("user") or BOT_USER_ID)
    person = people.person(user)
    reactions = [] if ephemeral else slack.reactions(message["channel"], message["ts"])
    shown: Payload = {
        "ts": message["ts"],
        "user": user,
        "bot": is_bot,
        "username": BOT_NAME if is_bot else (person.real_name if person else user),
        "text": message.get("text") or "",
        "ephemeral": ephemeral,
        "reactions": [{"name": name, "count": 1} for name in reactions],
        "files": [
            {
                "id": f["id"],
                "name": f.get("name"),
                "title": f.get("title"),
                "mimetype": f.get("mimetype"),
                "url": file_url(f["id"]),
            }
            for f in message.get("files") or []
        ],
        "edited": "edited" in message,
    }
    if message.get("blocks"):
        shown["blocks"] = _with_file_urls(message["blocks"])
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        shown["thread_ts"] = message["thread_ts"]
    return shown


def _with_file_urls(value: Any) -> Any:
    """A copy where every image element that names a Slack file also has a viewable image_url."""
    if isinstance(value, list):
        return [_with_file_urls(item) for item in value]
    if not isinstance(value, dict):
        return value
    copied = {key: _with_file_urls(item) for key, item in value.items()}
    slack_file = value.get("slack_file")
    if value.get("type") == "image" and isinstance(slack_file, dict) and slack_file.get("id"):
        copied["image_url"] = file_url(str(slack_file["id"]))
    return copied
