"""Events: the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.handlers.deps import Caller, Deps
from bot.slack.notifier import Notifier


def home_opened(event: dict[str, Any], client: WebClient, deps: Deps, caller: Caller) -> None:
    if event.get("tab", "home") != "home":
        return
    deps.refresh_home(Notifier(client), caller.team_id, caller.user_id)


def register(app: App) -> None:
    app.event("app_home_opened")(home_opened)
