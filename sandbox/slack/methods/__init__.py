"""The Web API methods the stand-in implements, one module per area, each a function of the
workspace and the call's arguments returning Slack's JSON answer (called with the lock held)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.slack.http import Payload
from sandbox.slack.methods import auth, chat, conversations, files, reactions, users, views
from sandbox.slack.state import WorkspaceState

Method = Callable[[WorkspaceState, dict[str, Any]], Payload]

METHODS: dict[str, Method] = {
    **auth.METHODS,
    **chat.METHODS,
    **conversations.METHODS,
    **users.METHODS,
    **views.METHODS,
    **reactions.METHODS,
    **files.METHODS,
}
