"""`auth.test` (who the token is) and `apps.connections.open` (Socket Mode's WebSocket URL)."""

from __future__ import annotations

from typing import Any

from sandbox.people import BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME
from sandbox.slack.http import Payload
from sandbox.slack.state import WorkspaceState


def auth_test(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    return {
        "ok": True,
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def connections_open(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    return {"ok": True, "url": "ws://127.0.0.1:1/"}


METHODS = {"auth.test": auth_test, "apps.connections.open": connections_open}
