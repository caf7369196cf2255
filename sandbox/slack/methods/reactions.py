"""`reactions.add` / `reactions.remove` on a message; strict mode refuses repeats and misses."""

from __future__ import annotations

from typing import Any

from sandbox.slack.http import Payload
from sandbox.slack.objects import error
from sandbox.slack.state import WorkspaceState

Key = tuple[str, str, str]  # channel, message ts, reaction name


def _key(args: dict[str, Any]) -> Key | Payload:
    if not args.get("channel") or not args.get("timestamp"):
        return error("no_item_specified")
    if not args.get("name"):
        return error("invalid_name")
    return str(args["channel"]), str(args["timestamp"]), str(args["name"])


def add(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    key = _key(args)
    if isinstance(key, dict):
        return key
    if state.strict and key in state.reaction_keys:
        return error("already_reacted")
    state.reaction_keys.add(key)
    return {"ok": True}


def remove(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    key = _key(args)
    if isinstance(key, dict):
        return key
    if state.strict and key not in state.reaction_keys:
        return error("no_reaction")
    state.reaction_keys.discard(key)
    return {"ok": True}


METHODS = {"reactions.add": add, "reactions.remove": remove}
