"""`conversations.open`: a DM with one person (their configured DM channel), or a group DM."""

from __future__ import annotations

from typing import Any

from sandbox.slack.http import Payload
from sandbox.slack.objects import error
from sandbox.slack.state import WorkspaceState


def open_conversation(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    users = [u for u in str(args.get("users", "")).split(",") if u]
    if args.get("channel"):
        channel_id = str(args["channel"])
    elif len(users) == 1:
        channel_id = state.dm_channel(users[0])
    elif users:
        channel_id = "G" + "".join(sorted(u.lstrip("UW") for u in users))[:10]
    else:
        return error("users_list_not_supplied")
    return {"ok": True, "no_op": True, "already_open": True, "channel": {"id": channel_id}}


METHODS = {"conversations.open": open_conversation}
