"""`chat.*`: post, post ephemerally, update, delete, permalinks; with Slack's checks on content."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.people import BOT_USER_ID
from sandbox.slack.block_kit import MESSAGE_BLOCKS, blocks_errors
from sandbox.slack.http import Payload
from sandbox.slack.objects import bot_message, error, message_permalink
from sandbox.slack.state import WorkspaceState

MAX_TEXT = 40_000


def content_error(
    state: WorkspaceState, args: dict[str, Any], *, need_content: bool = True
) -> Payload | None:
    """Slack's refusal of a message's channel, text or blocks; None when it would post it."""
    if not args.get("channel"):
        return error("channel_not_found")
    if need_content and not any(args.get(k) for k in ("text", "blocks", "attachments")):
        return error("no_text")
    if len(str(args.get("text", ""))) > MAX_TEXT:
        return error("msg_too_long")
    if "blocks" in args and state.validate_blocks:
        messages = blocks_errors(args["blocks"], MESSAGE_BLOCKS)
        if messages:
            return {
                **error("invalid_blocks", *messages),
                "errors": [m.removeprefix("[ERROR] ") for m in messages],
            }
    return None


def post_message(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    problem = content_error(state, args)
    if problem:
        return problem
    channel, ts = state.channel_for(args["channel"]), state.next_ts()
    message = bot_message(args, ts)
    state.channel_messages[(channel, ts)] = message
    return {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}


def post_ephemeral(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    problem = content_error(state, args)
    if problem:
        return problem
    if not args.get("user"):
        return error("user_not_found")
    user = str(args["user"])
    if state.strict and user not in state.users:
        return error("user_not_found")
    message = state.store_ephemeral(state.channel_for(str(args["channel"])), user, args)
    return {"ok": True, "message_ts": message["ts"]}


def update(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    problem = content_error(state, args, need_content=False)
    if problem:
        return problem
    key = (args["channel"], str(args.get("ts", "")))
    if key not in state.channel_messages and (state.strict or not key[1]):
        return error("message_not_found")
    message = state.channel_messages.setdefault(key, bot_message({}, key[1]))
    for field in ("text", "blocks", "attachments", "metadata"):
        if field in args:
            message[field] = args[field]
    message["edited"] = {"user": BOT_USER_ID, "ts": state.next_ts()}
    return {
        "ok": True,
        "channel": key[0],
        "ts": key[1],
        "text": message["text"],
        "message": copy.deepcopy(message),
    }


def delete(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    if not args.get("channel"):
        return error("channel_not_found")
    key = (args["channel"], str(args.get("ts", "")))
    if state.channel_messages.pop(key, None) is None and (state.strict or not key[1]):
        return error("message_not_found")
    return {"ok": True, "channel": key[0], "ts": key[1]}


def get_permalink(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    channel, ts = args.get("channel"), args.get("message_ts")
    if not channel:
        return error("channel_not_found")
    if not ts or (state.strict and (channel, ts) not in state.channel_messages):
        return error("message_not_found")
    return {"ok": True, "channel": channel, "permalink": message_permalink(channel, ts)}


METHODS = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
}
