"""Slack listeners: ack fast, parse, run one use case, render a view. No SQL here.

Each module holds module-level listener functions and a `register(app)` that wires them; the
services reach them as the `deps` argument (see `deps.provide`).
"""

from __future__ import annotations

from slack_bolt import App

from bot.handlers import actions, commands, errors, events, memos, modals, reminders


def register(app: App) -> None:
    for module in (commands, actions, modals, events, memos, reminders, errors):
        module.register(app)
