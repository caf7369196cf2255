"""The JSON shapes Slack answers with: errors, users, bot messages, files, views; and trigger ids.

Pure functions of their arguments (no workspace state), so the methods and the workspace build
the same objects the same way.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.people import APP_ID, BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID
from sandbox.slack.http import Payload

_trigger_counter = itertools.count(1)


def new_trigger_id() -> str:
    """A fresh trigger_id shaped like Slack's (`digits.digits.hex`)."""
    return f"{int(time.time() * 1000)}.{next(_trigger_counter):010d}.{secrets.token_hex(16)}"


def error(code: str, *messages: str) -> Payload:
    """`{"ok": false, "error": code}`, with Slack's `response_metadata.messages` when given."""
    payload: Payload = {"ok": False, "error": code}
    if messages:
        payload["response_metadata"] = {"messages": list(messages)}
    return payload


def truthy(value: Any) -> bool:
    """A boolean argument as Slack reads it: true, 1, "true", "1"."""
    return value is True or value == 1 or str(value).lower() in {"true", "1"}


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


def user_object(
    user_id: str, name: str, locale: str, tz: str, real_name: str, email: str | None, is_bot: bool
) -> Payload:
    """A user as `users.info` returns it (with `locale`, which Slack sends only when asked)."""
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


def bot_message(args: dict[str, Any], ts: str) -> Payload:
    """A message from the bot with the text, blocks, attachments, thread and metadata it sent."""
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


def file_meta(
    file_id: str, content: bytes, name: str, mimetype: str, filetype: str, size: int | None, user: str
) -> Payload:
    """A file object as stored, before its URLs (which depend on where the stand-in serves)."""
    return {
        "id": file_id,
        "created": int(time.time()),
        "timestamp": int(time.time()),
        "name": name,
        "title": name,
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
    }


def file_permalink(user: str, file_id: str, name: str) -> str:
    return f"https://{TEAM_DOMAIN}.slack.com/files/{user}/{file_id}/{name}"


def message_permalink(channel: str, ts: str) -> str:
    return f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"


def stored_view(view: Payload, view_id: str, view_hash: str, **fields: Any) -> Payload:
    """A view as Slack echoes it: the app's view over Slack's defaults, with id and hash."""
    return {
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
        "hash": view_hash,
    }
