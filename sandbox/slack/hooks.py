"""response_url answers: what the app posts to a hook lands where Slack would put it (ephemeral
to the person, in the channel, replacing or deleting the message a button was clicked in)."""

from __future__ import annotations

from typing import Any

from sandbox.slack.block_kit import MESSAGE_BLOCKS, blocks_errors
from sandbox.slack.http import Payload
from sandbox.slack.objects import bot_message, truthy
from sandbox.slack.state import HookContext, WorkspaceState

_CONTENT = ("text", "blocks", "attachments")


def respond(state: WorkspaceState, context: HookContext, args: dict[str, Any]) -> str | None:
    """Show what the app posted to a response_url; an error text if Slack would refuse it.

    Called with the lock held.
    """
    if "blocks" in args and state.validate_blocks and blocks_errors(args["blocks"], MESSAGE_BLOCKS):
        return "invalid_blocks"
    source = state.source_message(context)
    if truthy(args.get("delete_original")):
        if source is None:
            return "message_not_found"
        state.remove_message(context)
        return None
    content: Payload = {k: args[k] for k in _CONTENT if k in args}
    if truthy(args.get("replace_original")) and context.message_ts:
        if source is None:
            return "message_not_found"
        for key in _CONTENT:
            source.pop(key, None)
        source.update({"text": "", **content})
        return None
    if not content.get("text") and not content.get("blocks"):
        return "no_text"
    if args.get("response_type") == "in_channel":
        if args.get("thread_ts"):
            content["thread_ts"] = args["thread_ts"]
        ts = state.next_ts()
        state.channel_messages[(context.channel, ts)] = bot_message(content, ts)
    else:
        state.store_ephemeral(context.channel, context.user, content)
    return None
